-- Email domains claimed by accounts (sso.Domain). Any number of accounts
-- may claim one domain; verified_domain holds the domain only while the
-- claim is verified (NULL otherwise), so its unique index lets at most one
-- claim of the installation hold a domain verified.
CREATE TABLE IF NOT EXISTS accountkit_sso_domains (
    id              TEXT      NOT NULL PRIMARY KEY,
    account_id      TEXT      NOT NULL,
    domain          TEXT      NOT NULL,
    status          TEXT      NOT NULL,
    token           TEXT      NOT NULL,
    error           TEXT      NOT NULL,
    checked_at      TIMESTAMP,
    verified_at     TIMESTAMP,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    verified_domain TEXT
)

--bun:split

CREATE UNIQUE INDEX IF NOT EXISTS accountkit_sso_domains_account_domain_key ON accountkit_sso_domains (account_id, domain)

--bun:split

CREATE UNIQUE INDEX IF NOT EXISTS accountkit_sso_domains_verified_key ON accountkit_sso_domains (verified_domain)
