-- account.SecuritySettings.Enforced: the policy groups an account enforces
-- on every account below it, comma-separated ('' for none), read whole with
-- the settings row and never filtered on (see docs/policies.md). Idempotent,
-- as MariaDB commits DDL implicitly.
ALTER TABLE accountkit_security_settings ADD COLUMN IF NOT EXISTS enforced VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT ''
