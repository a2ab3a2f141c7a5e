-- Teams and their memberships. name_lower is the lower-cased name (Go's
-- strings.ToLower), unique within the account and the sort key of lists;
-- SQLite compares text byte-wise. roles is a JSON array of role keys.
CREATE TABLE IF NOT EXISTS accountkit_teams (
    id          TEXT      NOT NULL PRIMARY KEY,
    account_id  TEXT      NOT NULL,
    name        TEXT      NOT NULL,
    name_lower  TEXT      NOT NULL,
    description TEXT      NOT NULL,
    source      TEXT      NOT NULL,
    roles       TEXT      NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
)

--bun:split

CREATE UNIQUE INDEX IF NOT EXISTS accountkit_teams_name_key ON accountkit_teams (account_id, name_lower)

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_team_members (
    team_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    PRIMARY KEY (team_id, user_id)
)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_team_members_user_idx ON accountkit_team_members (user_id)
