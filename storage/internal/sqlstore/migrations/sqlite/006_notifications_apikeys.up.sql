-- Published notifications of an account, newest first by (created_at, id).
CREATE TABLE IF NOT EXISTS accountkit_notifications (
    id         TEXT NOT NULL PRIMARY KEY,
    account_id TEXT NOT NULL,
    type       TEXT NOT NULL,
    title      TEXT        NOT NULL,
    body       TEXT        NOT NULL,
    recipients INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL
)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_notifications_account_idx ON accountkit_notifications (account_id, created_at, id)

--bun:split

-- One row per (user, notification) in a user's inbox; created_at copies the
-- notification's so the inbox pages on its own index.
CREATE TABLE IF NOT EXISTS accountkit_notification_deliveries (
    user_id         TEXT NOT NULL,
    notification_id TEXT NOT NULL,
    account_id      TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    read_at         TIMESTAMP,
    PRIMARY KEY (user_id, notification_id)
)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_notification_deliveries_inbox_idx ON accountkit_notification_deliveries (user_id, created_at, notification_id)

--bun:split

-- Users are subscribed to every type unless a row here says otherwise.
CREATE TABLE IF NOT EXISTS accountkit_notification_optouts (
    user_id    TEXT NOT NULL,
    type       TEXT NOT NULL,
    account_id TEXT NOT NULL,
    PRIMARY KEY (user_id, type)
)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_notification_optouts_account_idx ON accountkit_notification_optouts (account_id, type, user_id)

--bun:split

-- API keys: only the SHA-256 of the secret is stored; permissions as JSON.
CREATE TABLE IF NOT EXISTS accountkit_api_keys (
    id              TEXT NOT NULL PRIMARY KEY,
    account_id      TEXT NOT NULL,
    name            TEXT        NOT NULL,
    prefix          TEXT NOT NULL,
    hash            TEXT NOT NULL,
    permissions     TEXT        NOT NULL,
    created_by      TEXT NOT NULL,
    created_by_name TEXT        NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    valid_from      TIMESTAMP NOT NULL,
    expires_at      TIMESTAMP NOT NULL,
    revoked_at      TIMESTAMP,
    last_used_at    TIMESTAMP
)

--bun:split

CREATE UNIQUE INDEX IF NOT EXISTS accountkit_api_keys_hash_key ON accountkit_api_keys (hash)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_api_keys_account_idx ON accountkit_api_keys (account_id, created_at, id)
