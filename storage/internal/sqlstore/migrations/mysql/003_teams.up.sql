-- Teams and their memberships. name_lower is the lower-cased name (Go's
-- strings.ToLower), unique within the account and the sort key of lists;
-- utf8mb4_nopad_bin makes its comparisons byte-wise with trailing spaces
-- significant. roles is a JSON array of role keys. Every statement is
-- idempotent, as MariaDB commits DDL implicitly.
CREATE TABLE IF NOT EXISTS accountkit_teams (
    id          CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    account_id  CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    name        TEXT         NOT NULL,
    name_lower  VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
    description TEXT         NOT NULL,
    source      VARCHAR(16)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    roles       MEDIUMTEXT   NOT NULL,
    created_at  DATETIME(6)  NOT NULL,
    updated_at  DATETIME(6)  NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY accountkit_teams_name_key (account_id, name_lower)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_team_members (
    team_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    user_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    PRIMARY KEY (team_id, user_id),
    KEY accountkit_team_members_user_idx (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
