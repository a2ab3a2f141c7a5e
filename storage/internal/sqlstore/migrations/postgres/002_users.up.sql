-- Users, their role grants, custom roles, single-use tokens, sessions and
-- account security settings. Identifier, username and email columns use
-- COLLATE "C" so that equality and ordering are byte-wise; search_text is
-- lower-cased in Go. Durations are stored as microseconds.
CREATE TABLE IF NOT EXISTS accountkit_users (
    id                  VARCHAR(36)  COLLATE "C" NOT NULL PRIMARY KEY,
    account_id          VARCHAR(36)  COLLATE "C" NOT NULL,
    main_account_id     VARCHAR(36)  COLLATE "C" NOT NULL,
    username            VARCHAR(255) COLLATE "C" NOT NULL,
    first_name          TEXT         NOT NULL,
    last_name           TEXT         NOT NULL,
    email               VARCHAR(320) COLLATE "C" NOT NULL,
    email_verified      BOOLEAN      NOT NULL,
    phone               VARCHAR(32)  COLLATE "C" NOT NULL,
    phone_verified      BOOLEAN      NOT NULL,
    status              VARCHAR(32)  COLLATE "C" NOT NULL,
    locked              BOOLEAN      NOT NULL,
    locked_at           TIMESTAMPTZ,
    failed_logins       INTEGER      NOT NULL,
    search_text         TEXT         NOT NULL,
    created_at          TIMESTAMPTZ  NOT NULL,
    updated_at          TIMESTAMPTZ  NOT NULL,
    activated_at        TIMESTAMPTZ,
    password_hash       TEXT         NOT NULL,
    password_changed_at TIMESTAMPTZ,
    last_login_at       TIMESTAMPTZ,
    last_login_ip       TEXT         NOT NULL,
    last_login_agent    TEXT         NOT NULL,
    last_login_method   VARCHAR(32)  COLLATE "C" NOT NULL
)

--bun:split

CREATE UNIQUE INDEX IF NOT EXISTS accountkit_users_username_key ON accountkit_users (username)

--bun:split

CREATE UNIQUE INDEX IF NOT EXISTS accountkit_users_email_key ON accountkit_users (email, main_account_id)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_users_account_status_idx ON accountkit_users (account_id, status)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_users_account_username_idx ON accountkit_users (account_id, username)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_users_account_created_idx ON accountkit_users (account_id, created_at, id)

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_user_roles (
    user_id  VARCHAR(36)  COLLATE "C" NOT NULL,
    role_key VARCHAR(255) COLLATE "C" NOT NULL,
    PRIMARY KEY (user_id, role_key)
)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_user_roles_role_idx ON accountkit_user_roles (role_key)

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_roles (
    id          VARCHAR(36)  COLLATE "C" NOT NULL PRIMARY KEY,
    account_id  VARCHAR(36)  COLLATE "C" NOT NULL,
    name        TEXT         NOT NULL,
    name_lower  VARCHAR(255) COLLATE "C" NOT NULL,
    description TEXT         NOT NULL,
    permissions TEXT         NOT NULL,
    created_at  TIMESTAMPTZ  NOT NULL,
    updated_at  TIMESTAMPTZ  NOT NULL
)

--bun:split

CREATE UNIQUE INDEX IF NOT EXISTS accountkit_roles_name_key ON accountkit_roles (account_id, name_lower)

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_tokens (
    hash       VARCHAR(128) COLLATE "C" NOT NULL PRIMARY KEY,
    kind       VARCHAR(32)  COLLATE "C" NOT NULL,
    user_id    VARCHAR(36)  COLLATE "C" NOT NULL,
    created_at TIMESTAMPTZ  NOT NULL,
    expires_at TIMESTAMPTZ  NOT NULL,
    attempts   INTEGER      NOT NULL,
    target     TEXT         NOT NULL
)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_tokens_user_idx ON accountkit_tokens (user_id, kind, created_at)

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_sessions (
    id              VARCHAR(36)  COLLATE "C" NOT NULL PRIMARY KEY,
    token_hash      VARCHAR(128) COLLATE "C" NOT NULL,
    csrf_hash       VARCHAR(128) COLLATE "C" NOT NULL,
    user_id         VARCHAR(36)  COLLATE "C" NOT NULL,
    account_id      VARCHAR(36)  COLLATE "C" NOT NULL,
    method          VARCHAR(32)  COLLATE "C" NOT NULL,
    created_at      TIMESTAMPTZ  NOT NULL,
    last_seen_at    TIMESTAMPTZ  NOT NULL,
    idle_timeout_us BIGINT       NOT NULL,
    expires_at      TIMESTAMPTZ  NOT NULL,
    ip              TEXT         NOT NULL,
    user_agent      TEXT         NOT NULL
)

--bun:split

CREATE UNIQUE INDEX IF NOT EXISTS accountkit_sessions_token_key ON accountkit_sessions (token_hash)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_sessions_user_idx ON accountkit_sessions (user_id)

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_security_settings (
    account_id             VARCHAR(36) COLLATE "C" NOT NULL PRIMARY KEY,
    two_factor_required    BOOLEAN     NOT NULL,
    max_inactivity_days    INTEGER,
    max_login_attempts     INTEGER     NOT NULL,
    password_validity_days INTEGER,
    session_idle_minutes   INTEGER     NOT NULL,
    session_max_hours      INTEGER     NOT NULL,
    updated_at             TIMESTAMPTZ NOT NULL
)
