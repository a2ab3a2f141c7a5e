-- Webhook, audit stream and sink endpoints (package webhooks). secret and
-- previous_secret hold AES-256-GCM sealed signing keys, never the secret
-- in clear; event_types is a JSON array.
CREATE TABLE IF NOT EXISTS accountkit_webhook_endpoints (
    id              TEXT  NOT NULL PRIMARY KEY,
    account_id      TEXT  NOT NULL,
    kind            TEXT  NOT NULL,
    url             TEXT         NOT NULL,
    sink            TEXT  NOT NULL,
    description     TEXT         NOT NULL,
    event_types     TEXT         NOT NULL,
    enabled         BOOLEAN      NOT NULL,
    secret          BLOB         NOT NULL,
    previous_secret BLOB ,
    previous_until  TIMESTAMP  ,
    created_at      TIMESTAMP    NOT NULL,
    updated_at      TIMESTAMP    NOT NULL
)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_webhook_endpoints_account_idx ON accountkit_webhook_endpoints (account_id, created_at, id)

--bun:split

-- The outbox: one row per event and type some endpoint wants, written in
-- the transaction of the audited change.
CREATE TABLE IF NOT EXISTS accountkit_webhook_messages (
    id         TEXT NOT NULL PRIMARY KEY,
    account_id TEXT NOT NULL,
    type       TEXT NOT NULL,
    event_time TIMESTAMP   NOT NULL,
    data       TEXT        NOT NULL,
    created_at TIMESTAMP   NOT NULL
)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_webhook_messages_created_idx ON accountkit_webhook_messages (created_at)

--bun:split

-- One row per message and endpoint.
CREATE TABLE IF NOT EXISTS accountkit_webhook_deliveries (
    id              TEXT NOT NULL PRIMARY KEY,
    endpoint_id     TEXT NOT NULL,
    message_id      TEXT NOT NULL,
    account_id      TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER     NOT NULL,
    next_attempt_at TIMESTAMP   NOT NULL,
    last_attempt_at TIMESTAMP  ,
    last_result     TEXT NOT NULL,
    batch_id        TEXT NOT NULL,
    delivered_at    TIMESTAMP  ,
    created_at      TIMESTAMP   NOT NULL,
    updated_at      TIMESTAMP   NOT NULL
)

--bun:split

-- The worker's heads: pending deliveries by due time, and the order of
-- one endpoint and account.
CREATE INDEX IF NOT EXISTS accountkit_webhook_deliveries_due_idx ON accountkit_webhook_deliveries (status, next_attempt_at)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_webhook_deliveries_order_idx ON accountkit_webhook_deliveries (endpoint_id, account_id, status, created_at, id)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_webhook_deliveries_list_idx ON accountkit_webhook_deliveries (endpoint_id, created_at, id)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_webhook_deliveries_message_idx ON accountkit_webhook_deliveries (message_id)
