-- Tables default to utf8mb4_bin so that every text comparison is exact
-- (byte-wise), as on the other databases; identifiers are ASCII with
-- ascii_bin. Times are DATETIME(6) in UTC. MariaDB commits DDL implicitly,
-- so every statement is idempotent instead.
CREATE TABLE IF NOT EXISTS accountkit_accounts (
    id          CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    parent_id   CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NULL,
    path        VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    name        TEXT         NOT NULL,
    slug        VARCHAR(255) NOT NULL,
    status      VARCHAR(32)  NOT NULL,
    search_text TEXT         NOT NULL,
    created_at  DATETIME(6)  NOT NULL,
    updated_at  DATETIME(6)  NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY accountkit_accounts_slug_key (slug),
    KEY accountkit_accounts_parent_idx (parent_id, slug),
    KEY accountkit_accounts_path_idx (path)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_audit_events (
    id                CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    main_account_id   CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    account_id        CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    occurred_at       DATETIME(6)  NOT NULL,
    actor_id          VARCHAR(255) NOT NULL,
    actor_name        TEXT         NOT NULL,
    item              VARCHAR(128) NOT NULL,
    action            VARCHAR(128) NOT NULL,
    status            VARCHAR(32)  NOT NULL,
    description       TEXT         NOT NULL,
    description_lower TEXT         NOT NULL,
    target_type       TEXT         NOT NULL,
    target_id         TEXT         NOT NULL,
    target_name       TEXT         NOT NULL,
    ip                TEXT         NOT NULL,
    user_agent        TEXT         NOT NULL,
    details           MEDIUMTEXT   NULL,
    seq               BIGINT       NOT NULL,
    prev_hash         VARCHAR(128) NOT NULL,
    hash              VARCHAR(128) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY accountkit_audit_events_seq_key (main_account_id, seq),
    KEY accountkit_audit_events_main_time_idx (main_account_id, occurred_at, id),
    KEY accountkit_audit_events_account_time_idx (account_id, occurred_at, id),
    KEY accountkit_audit_events_actor_idx (main_account_id, actor_id, occurred_at),
    KEY accountkit_audit_events_item_idx (main_account_id, item, action, occurred_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_audit_chains (
    main_account_id CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    seq             BIGINT       NOT NULL,
    hash            VARCHAR(128) NOT NULL,
    PRIMARY KEY (main_account_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
