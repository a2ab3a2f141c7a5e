-- Email domains claimed by accounts (sso.Domain). Any number of accounts
-- may claim one domain; verified_domain holds the domain only while the
-- claim is verified (NULL otherwise), so its unique key lets at most one
-- claim of the installation hold a domain verified.
CREATE TABLE IF NOT EXISTS accountkit_sso_domains (
    id              CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    account_id      CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    domain          VARCHAR(253) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    status          VARCHAR(16)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    token           VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    error           TEXT         NOT NULL,
    checked_at      DATETIME(6)  NULL,
    verified_at     DATETIME(6)  NULL,
    created_at      DATETIME(6)  NOT NULL,
    updated_at      DATETIME(6)  NOT NULL,
    verified_domain VARCHAR(253) CHARACTER SET ascii COLLATE ascii_bin NULL,
    PRIMARY KEY (id),
    UNIQUE KEY accountkit_sso_domains_account_domain_key (account_id, domain),
    UNIQUE KEY accountkit_sso_domains_verified_key (verified_domain)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
