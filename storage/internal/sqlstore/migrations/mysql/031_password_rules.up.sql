-- Per-account password rules and timed lockout (account.SecuritySettings:
-- PasswordMinLength, PasswordHistory, LockoutMinutes), the number of
-- consecutive lockouts a user had (users.User.LockCount, for the timed
-- lockout's backoff), the users' previous password hashes (refused for
-- reuse), and an index to end an account's sessions. Idempotent, as
-- MariaDB commits DDL implicitly.
ALTER TABLE accountkit_security_settings ADD COLUMN IF NOT EXISTS password_min_length INT NOT NULL DEFAULT 8

--bun:split

ALTER TABLE accountkit_security_settings ADD COLUMN IF NOT EXISTS password_history INT NOT NULL DEFAULT 0

--bun:split

ALTER TABLE accountkit_security_settings ADD COLUMN IF NOT EXISTS lockout_minutes INT NOT NULL DEFAULT 0

--bun:split

ALTER TABLE accountkit_users ADD COLUMN IF NOT EXISTS lock_count INT NOT NULL DEFAULT 0

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_password_history (
    user_id    CHAR(36)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    hash       TEXT        NOT NULL,
    created_at DATETIME(6) NOT NULL,
    KEY accountkit_password_history_user_idx (user_id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_sessions_account_idx ON accountkit_sessions (account_id)
