-- Team roles move from a JSON array in accountkit_teams.roles to rows, as
-- user roles are, so queries can ask who holds a role through a team (seat
-- eligibility, role filters) and deleting a custom role removes its team
-- grants too. The existing arrays are copied (JSON_TABLE: MariaDB 10.6+,
-- MySQL 8.0+), then the column goes. Every statement is idempotent but the
-- copy, which runs only while the column exists (MariaDB commits DDL
-- implicitly; the migration is recorded once it succeeds).
CREATE TABLE IF NOT EXISTS accountkit_team_roles (
    team_id  CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    role_key VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
    PRIMARY KEY (team_id, role_key),
    KEY accountkit_team_roles_role_idx (role_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin

--bun:split

INSERT IGNORE INTO accountkit_team_roles (team_id, role_key)
SELECT t.id, j.role_key
FROM accountkit_teams AS t,
     JSON_TABLE(t.roles, '$[*]' COLUMNS (role_key VARCHAR(255) CHARACTER SET utf8mb4 PATH '$')) AS j

--bun:split

ALTER TABLE accountkit_teams DROP COLUMN IF EXISTS roles
