-- account.SecuritySettings.Enforced: the policy groups an account enforces
-- on every account below it, comma-separated ('' for none), read whole with
-- the settings row and never filtered on (see docs/policies.md).
ALTER TABLE accountkit_security_settings ADD COLUMN enforced TEXT NOT NULL DEFAULT ''
