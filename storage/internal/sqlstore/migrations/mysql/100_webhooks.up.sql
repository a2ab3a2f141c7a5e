-- Webhook, audit stream and sink endpoints (package webhooks). secret and
-- previous_secret hold AES-256-GCM sealed signing keys, never the secret
-- in clear; event_types is a JSON array. Idempotent, as MariaDB commits
-- DDL implicitly.
CREATE TABLE IF NOT EXISTS accountkit_webhook_endpoints (
    id              CHAR(36)       CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    account_id      CHAR(36)       CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    kind            VARCHAR(16)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    url             TEXT           NOT NULL,
    sink            VARCHAR(64)    CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    description     TEXT           NOT NULL,
    event_types     TEXT           NOT NULL,
    enabled         BOOLEAN        NOT NULL,
    secret          VARBINARY(255) NOT NULL,
    previous_secret VARBINARY(255) NULL,
    previous_until  DATETIME(6)    NULL,
    created_at      DATETIME(6)    NOT NULL,
    updated_at      DATETIME(6)    NOT NULL,
    PRIMARY KEY (id),
    KEY accountkit_webhook_endpoints_account_idx (account_id, created_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin

--bun:split

-- The outbox: one row per event and type some endpoint wants, written in
-- the transaction of the audited change.
CREATE TABLE IF NOT EXISTS accountkit_webhook_messages (
    id         VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    account_id CHAR(36)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    type       VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    event_time DATETIME(6) NOT NULL,
    data       LONGTEXT    NOT NULL,
    created_at DATETIME(6) NOT NULL,
    PRIMARY KEY (id),
    KEY accountkit_webhook_messages_created_idx (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin

--bun:split

-- One row per message and endpoint; the indexes serve the worker's heads
-- (pending by due time, the order of one endpoint and account) and the
-- API's newest-first list.
CREATE TABLE IF NOT EXISTS accountkit_webhook_deliveries (
    id              CHAR(36)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    endpoint_id     CHAR(36)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    message_id      VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    account_id      CHAR(36)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    status          VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    attempts        INT         NOT NULL,
    next_attempt_at DATETIME(6) NOT NULL,
    last_attempt_at DATETIME(6) NULL,
    last_result     VARCHAR(64) NOT NULL,
    batch_id        VARCHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    delivered_at    DATETIME(6) NULL,
    created_at      DATETIME(6) NOT NULL,
    updated_at      DATETIME(6) NOT NULL,
    PRIMARY KEY (id),
    KEY accountkit_webhook_deliveries_due_idx (status, next_attempt_at),
    KEY accountkit_webhook_deliveries_order_idx (endpoint_id, account_id, status, created_at, id),
    KEY accountkit_webhook_deliveries_list_idx (endpoint_id, created_at, id),
    KEY accountkit_webhook_deliveries_message_idx (message_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
