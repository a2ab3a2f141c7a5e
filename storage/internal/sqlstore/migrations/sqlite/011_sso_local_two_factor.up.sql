-- Whether an account asks SSO users for their local two-factor code too
-- (sso.Config.LocalTwoFactor); off for existing configurations.
ALTER TABLE accountkit_sso_configs ADD COLUMN local_two_factor BOOLEAN NOT NULL DEFAULT FALSE
