-- Seat holder pages of a whole tree (the Seats page's inactive holders,
-- ListSeatHolders without an account filter) walk the tree's users in
-- username order from this index and probe each user's seat by primary
-- key, reading about one page of rows instead of sorting every seat of
-- the tree; one account's holders use (account_id, username) from 002.
-- Idempotent, as MariaDB commits DDL implicitly.
CREATE INDEX IF NOT EXISTS accountkit_users_main_username_idx ON accountkit_users (main_account_id, username, id)

--bun:split

-- One account's holders: (account_id, username) with the ID, so the walk
-- is an index-only scan. Without it PostgreSQL reads a heap row per user
-- and, on a deep page of a large account, costs that high enough to start
-- a parallel worker (hundreds of ms on a busy server) for 50 rows. (InnoDB
-- secondary indexes carry the primary key already.)
CREATE INDEX IF NOT EXISTS accountkit_users_account_username_id_idx ON accountkit_users (account_id, username, id)

--bun:split

-- An account lies in one tree: tell the planner, so that account_id = ?
-- AND main_account_id = ? is not estimated as two independent filters
-- (far too few rows, which makes a sort of the whole account look cheaper
-- than reading a page from the index in order).
CREATE STATISTICS IF NOT EXISTS accountkit_seats_tree_stats (dependencies) ON main_account_id, account_id FROM accountkit_seats

--bun:split

CREATE STATISTICS IF NOT EXISTS accountkit_users_tree_stats (dependencies) ON main_account_id, account_id FROM accountkit_users
