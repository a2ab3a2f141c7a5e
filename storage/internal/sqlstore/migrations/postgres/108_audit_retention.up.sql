-- Audit retention (docs/audit-retention.md): the retention of each main
-- account's audit log (one hash chain per main account), and the signed
-- checkpoints the purge job leaves in place of the events it deletes from
-- the start of a chain. Verify starts each chain from its latest
-- checkpoint.
CREATE TABLE IF NOT EXISTS accountkit_audit_retention (
    main_account_id VARCHAR(36) COLLATE "C" NOT NULL PRIMARY KEY,
    days            INTEGER     NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
)

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_audit_checkpoints (
    id              VARCHAR(36)  COLLATE "C" NOT NULL PRIMARY KEY,
    main_account_id VARCHAR(36)  COLLATE "C" NOT NULL,
    seq             BIGINT       NOT NULL,
    hash            VARCHAR(128) COLLATE "C" NOT NULL,
    event_count     BIGINT       NOT NULL,
    created_at      TIMESTAMPTZ  NOT NULL,
    key_id          VARCHAR(64)  COLLATE "C" NOT NULL,
    signature       VARCHAR(128) COLLATE "C" NOT NULL
)

--bun:split

CREATE UNIQUE INDEX IF NOT EXISTS accountkit_audit_checkpoints_seq_key ON accountkit_audit_checkpoints (main_account_id, seq)

--bun:split

-- The purge deletes the search words of the events it deletes, by event.
CREATE INDEX IF NOT EXISTS accountkit_audit_words_event_idx ON accountkit_audit_words (event_id)
