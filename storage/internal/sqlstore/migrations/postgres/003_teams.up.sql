-- Teams and their memberships. name_lower is the lower-cased name (Go's
-- strings.ToLower), unique within the account and the sort key of lists;
-- COLLATE "C" makes its comparisons and order byte-wise. roles is a JSON
-- array of role keys. Memberships go with their team (the store deletes
-- them in the same transaction).
CREATE TABLE IF NOT EXISTS accountkit_teams (
    id          VARCHAR(36)  COLLATE "C" NOT NULL PRIMARY KEY,
    account_id  VARCHAR(36)  COLLATE "C" NOT NULL,
    name        TEXT         NOT NULL,
    name_lower  VARCHAR(255) COLLATE "C" NOT NULL,
    description TEXT         NOT NULL,
    source      VARCHAR(16)  COLLATE "C" NOT NULL,
    roles       TEXT         NOT NULL,
    created_at  TIMESTAMPTZ  NOT NULL,
    updated_at  TIMESTAMPTZ  NOT NULL
)

--bun:split

CREATE UNIQUE INDEX IF NOT EXISTS accountkit_teams_name_key ON accountkit_teams (account_id, name_lower)

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_team_members (
    team_id VARCHAR(36) COLLATE "C" NOT NULL,
    user_id VARCHAR(36) COLLATE "C" NOT NULL,
    PRIMARY KEY (team_id, user_id)
)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_team_members_user_idx ON accountkit_team_members (user_id)
