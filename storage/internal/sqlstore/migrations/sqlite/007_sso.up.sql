-- Single sign-on: one SAML configuration per account, the links from an
-- IdP's NameID to the user it signed in as, and the SAML one-time state
-- shared by every host instance: issued AuthnRequest IDs (consumed with one
-- DELETE) and used assertion keys (SHA-256 of IdP entity ID and assertion
-- ID, inserted if absent). idp_certificates is a JSON array of PEM strings.
CREATE TABLE IF NOT EXISTS accountkit_sso_configs (
    account_id          TEXT      NOT NULL PRIMARY KEY,
    enabled             BOOLEAN   NOT NULL,
    sp_entity_id        TEXT      NOT NULL,
    idp_entity_id       TEXT      NOT NULL,
    idp_certificates    TEXT      NOT NULL,
    idp_login_url       TEXT      NOT NULL,
    idp_logout_url      TEXT      NOT NULL,
    auto_create_users   BOOLEAN   NOT NULL,
    auto_create_groups  BOOLEAN   NOT NULL,
    group_attribute     TEXT      NOT NULL,
    clock_skew_seconds  INTEGER   NOT NULL,
    allow_idp_initiated BOOLEAN   NOT NULL,
    break_glass_user_id TEXT      NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
)

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_sso_links (
    account_id    TEXT      NOT NULL,
    idp_hash      TEXT      NOT NULL,
    name_id       TEXT      NOT NULL,
    idp_entity_id TEXT      NOT NULL,
    user_id       TEXT      NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, idp_hash, name_id)
)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_sso_links_user_idx ON accountkit_sso_links (user_id)

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_saml_requests (
    id         TEXT      NOT NULL PRIMARY KEY,
    idp        TEXT      NOT NULL,
    expires_at TIMESTAMP NOT NULL
)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_saml_requests_expires_idx ON accountkit_saml_requests (expires_at)

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_saml_assertions (
    id         TEXT      NOT NULL PRIMARY KEY,
    expires_at TIMESTAMP NOT NULL
)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_saml_assertions_expires_idx ON accountkit_saml_assertions (expires_at)
