-- Seat holder pages of a whole tree (the Seats page's inactive holders,
-- ListSeatHolders without an account filter) walk the tree's users in
-- username order from this index and probe each user's seat by primary
-- key, reading about one page of rows instead of sorting every seat of
-- the tree; one account's holders use (account_id, username) from 002.
-- Idempotent, as MariaDB commits DDL implicitly.
CREATE INDEX IF NOT EXISTS accountkit_users_main_username_idx ON accountkit_users (main_account_id, username, id)
