-- teams.Team.ExternalKey: the identity provider's group identifier of an
-- SSO team, immutable and separate from its display name, so renaming an
-- SSO team keeps the sync. Existing SSO teams take their current name key.
ALTER TABLE accountkit_teams ADD COLUMN external_key TEXT

--bun:split

UPDATE accountkit_teams SET external_key = name_lower WHERE source = 'sso' AND external_key IS NULL

--bun:split

CREATE UNIQUE INDEX IF NOT EXISTS accountkit_teams_external_key ON accountkit_teams (account_id, external_key)
