-- Account customization: custom hostname (unique across the installation;
-- NULL when none), theme, colours (JSON text), language and the logo's
-- hash and type. The logo bytes (at most 5 MB) live in accountkit_logos.
CREATE TABLE IF NOT EXISTS accountkit_customizations (
    account_id           CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    hostname             VARCHAR(253) CHARACTER SET ascii COLLATE ascii_bin NULL,
    hostname_status      VARCHAR(16)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    hostname_token       VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    hostname_error       TEXT         NOT NULL,
    hostname_checked_at  DATETIME(6)  NULL,
    hostname_verified_at DATETIME(6)  NULL,
    theme                VARCHAR(16)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    colors               TEXT         NOT NULL,
    language             VARCHAR(35)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    logo_sha256          VARCHAR(64)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    logo_content_type    VARCHAR(32)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    updated_at           DATETIME(6)  NOT NULL,
    PRIMARY KEY (account_id),
    UNIQUE KEY accountkit_customizations_hostname_key (hostname)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_logos (
    account_id   CHAR(36)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    content_type VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    data         MEDIUMBLOB  NOT NULL,
    sha256       VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    updated_at   DATETIME(6) NOT NULL,
    PRIMARY KEY (account_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
