-- teams.Team.ExternalKey: the identity provider's group identifier of an
-- SSO team, immutable and separate from its display name, so renaming an
-- SSO team keeps the sync. Existing SSO teams take their current name key.
-- IF NOT EXISTS keeps it idempotent, as MariaDB commits DDL implicitly.
ALTER TABLE accountkit_teams ADD COLUMN IF NOT EXISTS external_key VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NULL

--bun:split

UPDATE accountkit_teams SET external_key = name_lower WHERE source = 'sso' AND external_key IS NULL

--bun:split

CREATE UNIQUE INDEX IF NOT EXISTS accountkit_teams_external_key ON accountkit_teams (account_id, external_key)
