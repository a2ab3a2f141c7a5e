-- Whether an account lets the email attribute link an SSO sign-in to an
-- existing user in a verified domain (sso.Config.LinkByEmailAttribute);
-- off for existing configurations.
ALTER TABLE accountkit_sso_configs ADD COLUMN IF NOT EXISTS link_by_email_attribute BOOLEAN NOT NULL DEFAULT FALSE
