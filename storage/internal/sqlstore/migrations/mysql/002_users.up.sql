-- Users, their role grants, custom roles, single-use tokens, sessions and
-- account security settings. Identifiers are ASCII with ascii_bin;
-- usernames, emails, role keys and lower-cased role names use
-- utf8mb4_nopad_bin, so equality is byte-wise and trailing spaces count
-- (utf8mb4_bin pads). search_text is lower-cased in Go. Times are
-- DATETIME(6) in UTC; durations are microseconds. Every statement is
-- idempotent, as MariaDB commits DDL implicitly.
CREATE TABLE IF NOT EXISTS accountkit_users (
    id                  CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    account_id          CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    main_account_id     CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    username            VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
    first_name          TEXT         NOT NULL,
    last_name           TEXT         NOT NULL,
    email               VARCHAR(320) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
    email_verified      BOOLEAN      NOT NULL,
    phone               VARCHAR(32)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    phone_verified      BOOLEAN      NOT NULL,
    status              VARCHAR(32)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    locked              BOOLEAN      NOT NULL,
    locked_at           DATETIME(6)  NULL,
    failed_logins       INT          NOT NULL,
    search_text         TEXT         NOT NULL,
    created_at          DATETIME(6)  NOT NULL,
    updated_at          DATETIME(6)  NOT NULL,
    activated_at        DATETIME(6)  NULL,
    password_hash       TEXT         NOT NULL,
    password_changed_at DATETIME(6)  NULL,
    last_login_at       DATETIME(6)  NULL,
    last_login_ip       TEXT         NOT NULL,
    last_login_agent    TEXT         NOT NULL,
    last_login_method   VARCHAR(32)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY accountkit_users_username_key (username),
    UNIQUE KEY accountkit_users_email_key (email, main_account_id),
    KEY accountkit_users_account_status_idx (account_id, status),
    KEY accountkit_users_account_username_idx (account_id, username),
    KEY accountkit_users_account_created_idx (account_id, created_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_user_roles (
    user_id  CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    role_key VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
    PRIMARY KEY (user_id, role_key),
    KEY accountkit_user_roles_role_idx (role_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_roles (
    id          CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    account_id  CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    name        TEXT         NOT NULL,
    name_lower  VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
    description TEXT         NOT NULL,
    permissions MEDIUMTEXT   NOT NULL,
    created_at  DATETIME(6)  NOT NULL,
    updated_at  DATETIME(6)  NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY accountkit_roles_name_key (account_id, name_lower)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_tokens (
    hash       VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    kind       VARCHAR(32)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    user_id    CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    created_at DATETIME(6)  NOT NULL,
    expires_at DATETIME(6)  NOT NULL,
    attempts   INT          NOT NULL,
    target     TEXT         NOT NULL,
    PRIMARY KEY (hash),
    KEY accountkit_tokens_user_idx (user_id, kind, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_sessions (
    id              CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    token_hash      VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    csrf_hash       VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    user_id         CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    account_id      CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    method          VARCHAR(32)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    created_at      DATETIME(6)  NOT NULL,
    last_seen_at    DATETIME(6)  NOT NULL,
    idle_timeout_us BIGINT       NOT NULL,
    expires_at      DATETIME(6)  NOT NULL,
    ip              TEXT         NOT NULL,
    user_agent      TEXT         NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY accountkit_sessions_token_key (token_hash),
    KEY accountkit_sessions_user_idx (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_security_settings (
    account_id             CHAR(36)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    two_factor_required    BOOLEAN     NOT NULL,
    max_inactivity_days    INT         NULL,
    max_login_attempts     INT         NOT NULL,
    password_validity_days INT         NULL,
    session_idle_minutes   INT         NOT NULL,
    session_max_hours      INT         NOT NULL,
    updated_at             DATETIME(6) NOT NULL,
    PRIMARY KEY (account_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
