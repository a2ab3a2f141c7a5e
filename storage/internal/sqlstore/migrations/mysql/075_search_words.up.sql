-- Word search (accountkit.SearchWords): the words of each user (username,
-- names, email) and of each audit event's description, lower-cased and cut
-- in Go, one row per distinct word. A q= search is one B-tree range per
-- query word (word LIKE 'prefix%' on a utf8mb4_nopad_bin column) inside the
-- tenant, instead of a full scan of a LIKE '%text%'. FULLTEXT is not used:
-- its tokenizer, stopwords ("com") and minimum word length differ from the
-- other stores. Existing rows are indexed by the Go migration 076 that
-- follows. IF NOT EXISTS keeps it idempotent, as MariaDB commits DDL
-- implicitly.
CREATE TABLE IF NOT EXISTS accountkit_user_words (
    account_id CHAR(36)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    word       VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
    user_id    CHAR(36)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    PRIMARY KEY (account_id, word, user_id),
    KEY accountkit_user_words_user_idx (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_audit_words (
    main_account_id CHAR(36)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    word            VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
    event_id        CHAR(36)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    PRIMARY KEY (main_account_id, word, event_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
