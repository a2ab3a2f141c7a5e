-- Audit retention (docs/audit-retention.md): the retention of each main
-- account's audit log (one hash chain per main account), and the signed
-- checkpoints the purge job leaves in place of the events it deletes from
-- the start of a chain. Verify starts each chain from its latest
-- checkpoint. Idempotent, as MariaDB commits DDL implicitly.
CREATE TABLE IF NOT EXISTS accountkit_audit_retention (
    main_account_id CHAR(36)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    days            INT         NOT NULL,
    updated_at      DATETIME(6) NOT NULL,
    PRIMARY KEY (main_account_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_audit_checkpoints (
    id              CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    main_account_id CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    seq             BIGINT       NOT NULL,
    hash            VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    event_count     BIGINT       NOT NULL,
    created_at      DATETIME(6)  NOT NULL,
    key_id          VARCHAR(64)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    signature       VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY accountkit_audit_checkpoints_seq_key (main_account_id, seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin

--bun:split

-- The purge deletes the search words of the events it deletes, by event.
CREATE INDEX IF NOT EXISTS accountkit_audit_words_event_idx ON accountkit_audit_words (event_id)
