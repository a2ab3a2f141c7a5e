-- Account customization: custom hostname (unique across the installation;
-- NULL when none), theme, colours (JSON text), language and the logo's
-- hash and type. The logo bytes live in accountkit_logos.
CREATE TABLE IF NOT EXISTS accountkit_customizations (
    account_id           TEXT      NOT NULL PRIMARY KEY,
    hostname             TEXT,
    hostname_status      TEXT      NOT NULL,
    hostname_token       TEXT      NOT NULL,
    hostname_error       TEXT      NOT NULL,
    hostname_checked_at  TIMESTAMP,
    hostname_verified_at TIMESTAMP,
    theme                TEXT      NOT NULL,
    colors               TEXT      NOT NULL,
    language             TEXT      NOT NULL,
    logo_sha256          TEXT      NOT NULL,
    logo_content_type    TEXT      NOT NULL,
    updated_at           TIMESTAMP NOT NULL
)

--bun:split

CREATE UNIQUE INDEX IF NOT EXISTS accountkit_customizations_hostname_key ON accountkit_customizations (hostname)

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_logos (
    account_id   TEXT      NOT NULL PRIMARY KEY,
    content_type TEXT      NOT NULL,
    data         BLOB      NOT NULL,
    sha256       TEXT      NOT NULL,
    updated_at   TIMESTAMP NOT NULL
)
