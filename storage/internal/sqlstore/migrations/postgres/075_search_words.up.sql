-- Word search (accountkit.SearchWords): the words of each user (username,
-- names, email) and of each audit event's description, lower-cased and cut
-- in Go, one row per distinct word. A q= search is one B-tree range per
-- query word (word LIKE 'prefix%', served by the COLLATE "C" index) inside
-- the tenant, instead of a full scan of a LIKE '%text%'. No extension
-- (pg_trgm) is needed, so the schema installs with plain CREATE rights, and
-- the semantics are the same on every store. Existing rows are indexed by
-- the Go migration 076 that follows.
CREATE TABLE IF NOT EXISTS accountkit_user_words (
    account_id VARCHAR(36) COLLATE "C" NOT NULL,
    word       VARCHAR(64) COLLATE "C" NOT NULL,
    user_id    VARCHAR(36) COLLATE "C" NOT NULL,
    PRIMARY KEY (account_id, word, user_id)
)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_user_words_user_idx ON accountkit_user_words (user_id)

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_audit_words (
    main_account_id VARCHAR(36) COLLATE "C" NOT NULL,
    word            VARCHAR(64) COLLATE "C" NOT NULL,
    event_id        VARCHAR(36) COLLATE "C" NOT NULL,
    PRIMARY KEY (main_account_id, word, event_id)
)
