-- Email domains claimed by accounts (sso.Domain). Any number of accounts
-- may claim one domain; verified_domain holds the domain only while the
-- claim is verified (NULL otherwise), so its unique index lets at most one
-- claim of the installation hold a domain verified.
CREATE TABLE IF NOT EXISTS accountkit_sso_domains (
    id              VARCHAR(36)  COLLATE "C" NOT NULL PRIMARY KEY,
    account_id      VARCHAR(36)  COLLATE "C" NOT NULL,
    domain          VARCHAR(253) COLLATE "C" NOT NULL,
    status          VARCHAR(16)  COLLATE "C" NOT NULL,
    token           VARCHAR(128) COLLATE "C" NOT NULL,
    error           TEXT         NOT NULL,
    checked_at      TIMESTAMPTZ,
    verified_at     TIMESTAMPTZ,
    created_at      TIMESTAMPTZ  NOT NULL,
    updated_at      TIMESTAMPTZ  NOT NULL,
    verified_domain VARCHAR(253) COLLATE "C"
)

--bun:split

CREATE UNIQUE INDEX IF NOT EXISTS accountkit_sso_domains_account_domain_key ON accountkit_sso_domains (account_id, domain)

--bun:split

CREATE UNIQUE INDEX IF NOT EXISTS accountkit_sso_domains_verified_key ON accountkit_sso_domains (verified_domain)
