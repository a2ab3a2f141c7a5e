-- Users, their role grants, custom roles, single-use tokens, sessions and
-- account security settings. SQLite compares text byte-wise (BINARY);
-- search_text is lower-cased in Go. Times are stored as bun writes them
-- (UTC text whose order is time order); durations as microseconds.
CREATE TABLE IF NOT EXISTS accountkit_users (
    id                  TEXT      NOT NULL PRIMARY KEY,
    account_id          TEXT      NOT NULL,
    main_account_id     TEXT      NOT NULL,
    username            TEXT      NOT NULL,
    first_name          TEXT      NOT NULL,
    last_name           TEXT      NOT NULL,
    email               TEXT      NOT NULL,
    email_verified      BOOLEAN   NOT NULL,
    phone               TEXT      NOT NULL,
    phone_verified      BOOLEAN   NOT NULL,
    status              TEXT      NOT NULL,
    locked              BOOLEAN   NOT NULL,
    locked_at           TIMESTAMP,
    failed_logins       INTEGER   NOT NULL,
    search_text         TEXT      NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    activated_at        TIMESTAMP,
    password_hash       TEXT      NOT NULL,
    password_changed_at TIMESTAMP,
    last_login_at       TIMESTAMP,
    last_login_ip       TEXT      NOT NULL,
    last_login_agent    TEXT      NOT NULL,
    last_login_method   TEXT      NOT NULL
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
    user_id  TEXT NOT NULL,
    role_key TEXT NOT NULL,
    PRIMARY KEY (user_id, role_key)
)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_user_roles_role_idx ON accountkit_user_roles (role_key)

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_roles (
    id          TEXT      NOT NULL PRIMARY KEY,
    account_id  TEXT      NOT NULL,
    name        TEXT      NOT NULL,
    name_lower  TEXT      NOT NULL,
    description TEXT      NOT NULL,
    permissions TEXT      NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
)

--bun:split

CREATE UNIQUE INDEX IF NOT EXISTS accountkit_roles_name_key ON accountkit_roles (account_id, name_lower)

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_tokens (
    hash       TEXT      NOT NULL PRIMARY KEY,
    kind       TEXT      NOT NULL,
    user_id    TEXT      NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    attempts   INTEGER   NOT NULL,
    target     TEXT      NOT NULL
)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_tokens_user_idx ON accountkit_tokens (user_id, kind, created_at)

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_sessions (
    id              TEXT      NOT NULL PRIMARY KEY,
    token_hash      TEXT      NOT NULL,
    csrf_hash       TEXT      NOT NULL,
    user_id         TEXT      NOT NULL,
    account_id      TEXT      NOT NULL,
    method          TEXT      NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    last_seen_at    TIMESTAMP NOT NULL,
    idle_timeout_us INTEGER   NOT NULL,
    expires_at      TIMESTAMP NOT NULL,
    ip              TEXT      NOT NULL,
    user_agent      TEXT      NOT NULL
)

--bun:split

CREATE UNIQUE INDEX IF NOT EXISTS accountkit_sessions_token_key ON accountkit_sessions (token_hash)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_sessions_user_idx ON accountkit_sessions (user_id)

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_security_settings (
    account_id             TEXT      NOT NULL PRIMARY KEY,
    two_factor_required    BOOLEAN   NOT NULL,
    max_inactivity_days    INTEGER,
    max_login_attempts     INTEGER   NOT NULL,
    password_validity_days INTEGER,
    session_idle_minutes   INTEGER   NOT NULL,
    session_max_hours      INTEGER   NOT NULL,
    updated_at             TIMESTAMP NOT NULL
)
