-- Audit retention (docs/audit-retention.md): the retention of each main
-- account's audit log (one hash chain per main account), and the signed
-- checkpoints the purge job leaves in place of the events it deletes from
-- the start of a chain. Verify starts each chain from its latest
-- checkpoint.
CREATE TABLE IF NOT EXISTS accountkit_audit_retention (
    main_account_id TEXT      NOT NULL PRIMARY KEY,
    days            INTEGER   NOT NULL,
    updated_at      TIMESTAMP NOT NULL
)

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_audit_checkpoints (
    id              TEXT      NOT NULL PRIMARY KEY,
    main_account_id TEXT      NOT NULL,
    seq             INTEGER   NOT NULL,
    hash            TEXT      NOT NULL,
    event_count     INTEGER   NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    key_id          TEXT      NOT NULL,
    signature       TEXT      NOT NULL
)

--bun:split

CREATE UNIQUE INDEX IF NOT EXISTS accountkit_audit_checkpoints_seq_key ON accountkit_audit_checkpoints (main_account_id, seq)

--bun:split

-- The purge deletes the search words of the events it deletes, by event.
CREATE INDEX IF NOT EXISTS accountkit_audit_words_event_idx ON accountkit_audit_words (event_id)
