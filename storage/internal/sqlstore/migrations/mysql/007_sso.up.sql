-- Single sign-on: one SAML configuration per account, the links from an
-- IdP's NameID to the user it signed in as, and the SAML one-time state
-- shared by every host instance: issued AuthnRequest IDs (consumed with one
-- DELETE) and used assertion keys (SHA-256 of IdP entity ID and assertion
-- ID, inserted if absent). idp_certificates is a JSON array of PEM strings.
-- Request IDs and NameIDs use utf8mb4_nopad_bin: equality is byte-wise and
-- any input compares without a collation error.
CREATE TABLE IF NOT EXISTS accountkit_sso_configs (
    account_id          CHAR(36)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    enabled             BOOLEAN     NOT NULL,
    sp_entity_id        TEXT        NOT NULL,
    idp_entity_id       TEXT        NOT NULL,
    idp_certificates    MEDIUMTEXT  NOT NULL,
    idp_login_url       TEXT        NOT NULL,
    idp_logout_url      TEXT        NOT NULL,
    auto_create_users   BOOLEAN     NOT NULL,
    auto_create_groups  BOOLEAN     NOT NULL,
    group_attribute     TEXT        NOT NULL,
    clock_skew_seconds  INT         NOT NULL,
    allow_idp_initiated BOOLEAN     NOT NULL,
    break_glass_user_id VARCHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    created_at          DATETIME(6) NOT NULL,
    updated_at          DATETIME(6) NOT NULL,
    PRIMARY KEY (account_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_sso_links (
    account_id    CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    idp_hash      CHAR(64)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    name_id       VARCHAR(320) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
    idp_entity_id TEXT         NOT NULL,
    user_id       CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    created_at    DATETIME(6)  NOT NULL,
    PRIMARY KEY (account_id, idp_hash, name_id),
    KEY accountkit_sso_links_user_idx (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_saml_requests (
    id         VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
    idp        TEXT         NOT NULL,
    expires_at DATETIME(6)  NOT NULL,
    PRIMARY KEY (id),
    KEY accountkit_saml_requests_expires_idx (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_saml_assertions (
    id         CHAR(64)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    expires_at DATETIME(6) NOT NULL,
    PRIMARY KEY (id),
    KEY accountkit_saml_assertions_expires_idx (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
