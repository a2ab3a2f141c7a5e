-- Whether an account asks users signed in through its OpenID Connect
-- connection for their local two-factor code too
-- (sso.OIDCConfig.LocalTwoFactor, as local_two_factor of the SAML
-- configuration); off for existing connections.
ALTER TABLE accountkit_sso_oidc_configs ADD COLUMN local_two_factor BOOLEAN NOT NULL DEFAULT FALSE
