-- Identifier columns use COLLATE "C" so that equality and ordering are
-- byte-wise, as on the other databases and in the memory adapter.
CREATE TABLE IF NOT EXISTS accountkit_accounts (
    id          VARCHAR(36)  COLLATE "C" NOT NULL PRIMARY KEY,
    parent_id   VARCHAR(36)  COLLATE "C",
    path        VARCHAR(255) COLLATE "C" NOT NULL,
    name        TEXT         NOT NULL,
    slug        VARCHAR(255) COLLATE "C" NOT NULL,
    status      VARCHAR(32)  COLLATE "C" NOT NULL,
    search_text TEXT         NOT NULL,
    created_at  TIMESTAMPTZ  NOT NULL,
    updated_at  TIMESTAMPTZ  NOT NULL
)

--bun:split

CREATE UNIQUE INDEX IF NOT EXISTS accountkit_accounts_slug_key ON accountkit_accounts (slug)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_accounts_parent_idx ON accountkit_accounts (parent_id, slug)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_accounts_path_idx ON accountkit_accounts (path)

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_audit_events (
    id                VARCHAR(36)  COLLATE "C" NOT NULL PRIMARY KEY,
    main_account_id   VARCHAR(36)  COLLATE "C" NOT NULL,
    account_id        VARCHAR(36)  COLLATE "C" NOT NULL,
    occurred_at       TIMESTAMPTZ  NOT NULL,
    actor_id          VARCHAR(255) COLLATE "C" NOT NULL,
    actor_name        TEXT         COLLATE "C" NOT NULL,
    item              VARCHAR(128) COLLATE "C" NOT NULL,
    action            VARCHAR(128) COLLATE "C" NOT NULL,
    status            VARCHAR(32)  COLLATE "C" NOT NULL,
    description       TEXT         NOT NULL,
    description_lower TEXT         NOT NULL,
    target_type       TEXT         NOT NULL,
    target_id         TEXT         NOT NULL,
    target_name       TEXT         NOT NULL,
    ip                TEXT         NOT NULL,
    user_agent        TEXT         NOT NULL,
    details           TEXT,
    seq               BIGINT       NOT NULL,
    prev_hash         TEXT         NOT NULL,
    hash              TEXT         NOT NULL
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
    main_account_id VARCHAR(36) COLLATE "C" NOT NULL PRIMARY KEY,
    seq             BIGINT      NOT NULL,
    hash            TEXT        NOT NULL
)
