-- SQLite compares text with the BINARY collation (byte-wise) by default.
-- Times are stored as bun writes them: 'YYYY-MM-DD HH:MM:SS.ffffff+00:00'
-- in UTC, whose text order is time order.
CREATE TABLE IF NOT EXISTS accountkit_accounts (
    id          TEXT      NOT NULL PRIMARY KEY,
    parent_id   TEXT,
    path        TEXT      NOT NULL,
    name        TEXT      NOT NULL,
    slug        TEXT      NOT NULL,
    status      TEXT      NOT NULL,
    search_text TEXT      NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
)

--bun:split

CREATE UNIQUE INDEX IF NOT EXISTS accountkit_accounts_slug_key ON accountkit_accounts (slug)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_accounts_parent_idx ON accountkit_accounts (parent_id, slug)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_accounts_path_idx ON accountkit_accounts (path)

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_audit_events (
    id                TEXT      NOT NULL PRIMARY KEY,
    main_account_id   TEXT      NOT NULL,
    account_id        TEXT      NOT NULL,
    occurred_at       TIMESTAMP NOT NULL,
    actor_id          TEXT      NOT NULL,
    actor_name        TEXT      NOT NULL,
    item              TEXT      NOT NULL,
    action            TEXT      NOT NULL,
    status            TEXT      NOT NULL,
    description       TEXT      NOT NULL,
    description_lower TEXT      NOT NULL,
    target_type       TEXT      NOT NULL,
    target_id         TEXT      NOT NULL,
    target_name       TEXT      NOT NULL,
    ip                TEXT      NOT NULL,
    user_agent        TEXT      NOT NULL,
    details           TEXT,
    seq               INTEGER   NOT NULL,
    prev_hash         TEXT      NOT NULL,
    hash              TEXT      NOT NULL
)

--bun:split

CREATE UNIQUE INDEX IF NOT EXISTS accountkit_audit_events_seq_key ON accountkit_audit_events (main_account_id, seq)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_audit_events_main_time_idx ON accountkit_audit_events (main_account_id, occurred_at, id)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_audit_events_account_time_idx ON accountkit_audit_events (account_id, occurred_at, id)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_audit_events_actor_idx ON accountkit_audit_events (main_account_id, actor_id, occurred_at)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_audit_events_item_idx ON accountkit_audit_events (main_account_id, item, action, occurred_at)

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_audit_chains (
    main_account_id TEXT    NOT NULL PRIMARY KEY,
    seq             INTEGER NOT NULL,
    hash            TEXT    NOT NULL
)
