-- Published notifications of an account, newest first by (created_at, id).
CREATE TABLE IF NOT EXISTS accountkit_notifications (
    id         CHAR(36)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    account_id CHAR(36)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    type       VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    title      TEXT        NOT NULL,
    body       TEXT        NOT NULL,
    recipients INT         NOT NULL,
    created_at DATETIME(6) NOT NULL,
    PRIMARY KEY (id),
    KEY accountkit_notifications_account_idx (account_id, created_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin

--bun:split

-- One row per (user, notification) in a user's inbox; created_at copies the
-- notification's so the inbox pages on its own index.
CREATE TABLE IF NOT EXISTS accountkit_notification_deliveries (
    user_id         CHAR(36)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    notification_id CHAR(36)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    account_id      CHAR(36)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    created_at      DATETIME(6) NOT NULL,
    read_at         DATETIME(6) NULL,
    PRIMARY KEY (user_id, notification_id),
    KEY accountkit_notification_deliveries_inbox_idx (user_id, created_at, notification_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin

--bun:split

-- Users are subscribed to every type unless a row here says otherwise.
CREATE TABLE IF NOT EXISTS accountkit_notification_optouts (
    user_id    CHAR(36)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    type       VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    account_id CHAR(36)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    PRIMARY KEY (user_id, type),
    KEY accountkit_notification_optouts_account_idx (account_id, type, user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin

--bun:split

-- API keys: only the SHA-256 of the secret is stored; permissions as JSON.
CREATE TABLE IF NOT EXISTS accountkit_api_keys (
    id              CHAR(36)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    account_id      CHAR(36)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    name            TEXT        NOT NULL,
    prefix          VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    hash            VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    permissions     TEXT        NOT NULL,
    created_by      VARCHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    created_by_name TEXT        NOT NULL,
    created_at      DATETIME(6) NOT NULL,
    updated_at      DATETIME(6) NOT NULL,
    valid_from      DATETIME(6) NOT NULL,
    expires_at      DATETIME(6) NOT NULL,
    revoked_at      DATETIME(6) NULL,
    last_used_at    DATETIME(6) NULL,
    PRIMARY KEY (id),
    UNIQUE KEY accountkit_api_keys_hash_key (hash),
    KEY accountkit_api_keys_account_idx (account_id, created_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
