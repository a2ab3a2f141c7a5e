-- Users lists ordered by name, email and last sign-in (users.SortName,
-- SortEmail, SortLastLogin). name_key is users.User.NameKey() (last name,
-- first name, username, lower-cased in Go without spaces), written by the
-- store from that one Go definition and compared byte-wise (BINARY), like
-- username; existing rows are filled in by the Go migration 111 and
-- indexed by 112. SQLite cannot add a NOT NULL column without a default,
-- so every write sets it.
ALTER TABLE accountkit_users ADD COLUMN name_key TEXT NOT NULL DEFAULT ''

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_users_account_email_idx ON accountkit_users (account_id, email, id)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_users_account_last_login_idx ON accountkit_users (account_id, last_login_at, id)
