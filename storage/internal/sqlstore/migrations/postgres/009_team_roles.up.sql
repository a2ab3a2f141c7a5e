-- Team roles move from a JSON array in accountkit_teams.roles to rows, as
-- user roles are, so queries can ask who holds a role through a team (seat
-- eligibility, role filters) and deleting a custom role removes its team
-- grants too. The existing arrays are copied, then the column goes. Every
-- statement is idempotent but the copy, which runs only while the column
-- exists (the migration is recorded once it succeeds).
CREATE TABLE IF NOT EXISTS accountkit_team_roles (
    team_id  VARCHAR(36)  COLLATE "C" NOT NULL,
    role_key VARCHAR(255) COLLATE "C" NOT NULL,
    PRIMARY KEY (team_id, role_key)
)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_team_roles_role_idx ON accountkit_team_roles (role_key)

--bun:split

INSERT INTO accountkit_team_roles (team_id, role_key)
SELECT t.id, r.role_key
FROM accountkit_teams AS t, json_array_elements_text(t.roles::json) AS r(role_key)
ON CONFLICT DO NOTHING

--bun:split

ALTER TABLE accountkit_teams DROP COLUMN IF EXISTS roles
