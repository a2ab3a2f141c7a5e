-- OpenID Connect connections, one per account (sso.OIDCConfig), beside the
-- SAML configuration. client_secret holds the AES-256-GCM sealed client
-- secret (the TOTP sealing), never the secret in clear; scopes are
-- space-separated.
CREATE TABLE IF NOT EXISTS accountkit_sso_oidc_configs (
    account_id         CHAR(36)       CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    enabled            BOOLEAN        NOT NULL,
    issuer_url         TEXT           NOT NULL,
    client_id          TEXT           NOT NULL,
    client_secret      VARBINARY(1024) NOT NULL,
    scopes             TEXT           NOT NULL,
    email_claim        TEXT           NOT NULL,
    given_name_claim   TEXT           NOT NULL,
    family_name_claim  TEXT           NOT NULL,
    groups_claim       TEXT           NOT NULL,
    auto_create_users  BOOLEAN        NOT NULL,
    auto_create_groups BOOLEAN        NOT NULL,
    created_at         DATETIME(6)    NOT NULL,
    updated_at         DATETIME(6)    NOT NULL,
    PRIMARY KEY (account_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
