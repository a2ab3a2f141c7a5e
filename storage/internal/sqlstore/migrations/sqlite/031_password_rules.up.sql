-- Per-account password rules and timed lockout (account.SecuritySettings:
-- PasswordMinLength, PasswordHistory, LockoutMinutes), the number of
-- consecutive lockouts a user had (users.User.LockCount, for the timed
-- lockout's backoff), the users' previous password hashes (refused for
-- reuse), and an index to end an account's sessions.
ALTER TABLE accountkit_security_settings ADD COLUMN password_min_length INTEGER NOT NULL DEFAULT 8

--bun:split

ALTER TABLE accountkit_security_settings ADD COLUMN password_history INTEGER NOT NULL DEFAULT 0

--bun:split

ALTER TABLE accountkit_security_settings ADD COLUMN lockout_minutes INTEGER NOT NULL DEFAULT 0

--bun:split

ALTER TABLE accountkit_users ADD COLUMN lock_count INTEGER NOT NULL DEFAULT 0

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_password_history (
    user_id    TEXT      NOT NULL,
    hash       TEXT      NOT NULL,
    created_at TIMESTAMP NOT NULL
)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_password_history_user_idx ON accountkit_password_history (user_id, created_at)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_sessions_account_idx ON accountkit_sessions (account_id)
