-- users.User.LastActivity() (last sign-in, else activation, else creation),
-- written by the store from that one Go definition, so "inactive" filters
-- compare a plain indexed column. Existing rows are filled in once. SQLite
-- cannot add a NOT NULL column without a default, so the empty default is
-- replaced at once and every write sets the column.
ALTER TABLE accountkit_users ADD COLUMN last_active_at TIMESTAMP NOT NULL DEFAULT ''

--bun:split

UPDATE accountkit_users SET last_active_at = COALESCE(last_login_at, activated_at, created_at) WHERE last_active_at = ''

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_users_account_active_idx ON accountkit_users (account_id, last_active_at)
