-- Users lists ordered by name, email and last sign-in (users.SortName,
-- SortEmail, SortLastLogin). name_key is users.User.NameKey() (last name,
-- first name, username, lower-cased in Go without spaces, at most 480
-- bytes), written by the store from that one Go definition and compared
-- byte-wise (utf8mb4_nopad_bin), like username; existing rows are filled
-- in by the Go migration 111 and indexed by 112. Each order on one
-- account is a range scan of an (account_id, key, id) index, read
-- backwards for descending orders, without a filesort; users who never
-- signed in (last_login_at NULL) are read from the same last-login index
-- with IS NULL. Every statement is idempotent, as MariaDB commits DDL
-- implicitly.
ALTER TABLE accountkit_users ADD COLUMN IF NOT EXISTS name_key VARCHAR(512) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL DEFAULT ''

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_users_account_email_idx ON accountkit_users (account_id, email, id)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_users_account_last_login_idx ON accountkit_users (account_id, last_login_at, id)
