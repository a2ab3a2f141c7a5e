-- users.User.LastActivity() (last sign-in, else activation, else creation),
-- written by the store from that one Go definition, so "inactive" filters
-- compare a plain indexed column. Existing rows are filled in once.
ALTER TABLE accountkit_users ADD COLUMN IF NOT EXISTS last_active_at TIMESTAMPTZ

--bun:split

UPDATE accountkit_users SET last_active_at = COALESCE(last_login_at, activated_at, created_at) WHERE last_active_at IS NULL

--bun:split

ALTER TABLE accountkit_users ALTER COLUMN last_active_at SET NOT NULL

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_users_account_active_idx ON accountkit_users (account_id, last_active_at)
