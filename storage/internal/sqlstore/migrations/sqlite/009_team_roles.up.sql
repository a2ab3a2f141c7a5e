-- Team roles move from a JSON array in accountkit_teams.roles to rows, as
-- user roles are, so queries can ask who holds a role through a team (seat
-- eligibility, role filters) and deleting a custom role removes its team
-- grants too. The existing arrays are copied, then the column goes.
CREATE TABLE IF NOT EXISTS accountkit_team_roles (
    team_id  TEXT NOT NULL,
    role_key TEXT NOT NULL,
    PRIMARY KEY (team_id, role_key)
)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_team_roles_role_idx ON accountkit_team_roles (role_key)

--bun:split

INSERT OR IGNORE INTO accountkit_team_roles (team_id, role_key)
SELECT t.id, r.value FROM accountkit_teams AS t, json_each(t.roles) AS r

--bun:split

ALTER TABLE accountkit_teams DROP COLUMN roles
