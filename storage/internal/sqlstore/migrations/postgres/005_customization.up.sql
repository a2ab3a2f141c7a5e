-- Account customization: custom hostname (unique across the installation;
-- NULL when none), theme, colours (JSON text), language and the logo's
-- hash and type. The logo bytes live in accountkit_logos.
CREATE TABLE IF NOT EXISTS accountkit_customizations (
    account_id           VARCHAR(36)  COLLATE "C" NOT NULL PRIMARY KEY,
    hostname             VARCHAR(253) COLLATE "C",
    hostname_status      VARCHAR(16)  COLLATE "C" NOT NULL,
    hostname_token       VARCHAR(128) COLLATE "C" NOT NULL,
    hostname_error       TEXT         NOT NULL,
    hostname_checked_at  TIMESTAMPTZ,
    hostname_verified_at TIMESTAMPTZ,
    theme                VARCHAR(16)  COLLATE "C" NOT NULL,
    colors               TEXT         NOT NULL,
    language             VARCHAR(35)  COLLATE "C" NOT NULL,
    logo_sha256          VARCHAR(64)  COLLATE "C" NOT NULL,
    logo_content_type    VARCHAR(32)  COLLATE "C" NOT NULL,
    updated_at           TIMESTAMPTZ  NOT NULL
)

--bun:split

CREATE UNIQUE INDEX IF NOT EXISTS accountkit_customizations_hostname_key ON accountkit_customizations (hostname)

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_logos (
    account_id   VARCHAR(36) COLLATE "C" NOT NULL PRIMARY KEY,
    content_type VARCHAR(32) COLLATE "C" NOT NULL,
    data         BYTEA       NOT NULL,
    sha256       VARCHAR(64) COLLATE "C" NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
)
