-- Word search (accountkit.SearchWords): the words of each user (username,
-- names, email) and of each audit event's description, lower-cased and cut
-- in Go, one row per distinct word. A q= search is one B-tree range per
-- query word (word LIKE 'prefix%') inside the tenant. SQLite applies its
-- LIKE optimization only to a NOCASE column while case_sensitive_like is
-- off; the words are lower-case already, so NOCASE changes no answer.
-- Existing rows are indexed by the Go migration 076 that follows.
CREATE TABLE IF NOT EXISTS accountkit_user_words (
    account_id TEXT NOT NULL,
    word       TEXT NOT NULL COLLATE NOCASE,
    user_id    TEXT NOT NULL,
    PRIMARY KEY (account_id, word, user_id)
) WITHOUT ROWID

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_user_words_user_idx ON accountkit_user_words (user_id)

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_audit_words (
    main_account_id TEXT NOT NULL,
    word            TEXT NOT NULL COLLATE NOCASE,
    event_id        TEXT NOT NULL,
    PRIMARY KEY (main_account_id, word, event_id)
) WITHOUT ROWID
