-- The indexes of the audit log page (issue 18). Each holds, after the
-- order of the page (occurred_at, id), every column the page's filters
-- test: the account, status, item, action and actor. A filter is then
-- checked in the index, and only the rows of the page are read from the
-- table (on MariaDB the page's ids are read by an index-only scan first,
-- see ListAuditEvents). main_list serves a tree (account_id IN the tree's
-- accounts), account_list one account. They replace the indexes of 001
-- that held the order alone, of which they are extensions. The actor and
-- item indexes of 001 end in occurred_at; with id after it they give the
-- page order whole, where PostgreSQL added an Incremental Sort (MariaDB's
-- secondary indexes end in the primary key already).
CREATE INDEX IF NOT EXISTS accountkit_audit_events_main_list_idx ON accountkit_audit_events (main_account_id, occurred_at, id, account_id, status, item, action, actor_id)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_audit_events_account_list_idx ON accountkit_audit_events (account_id, occurred_at, id, main_account_id, status, item, action, actor_id)

--bun:split

DROP INDEX IF EXISTS accountkit_audit_events_main_time_idx

--bun:split

DROP INDEX IF EXISTS accountkit_audit_events_account_time_idx

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_audit_events_actor_time_idx ON accountkit_audit_events (main_account_id, actor_id, occurred_at, id)

--bun:split

DROP INDEX IF EXISTS accountkit_audit_events_actor_idx

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_audit_events_item_time_idx ON accountkit_audit_events (main_account_id, item, action, occurred_at, id)

--bun:split

DROP INDEX IF EXISTS accountkit_audit_events_item_idx
