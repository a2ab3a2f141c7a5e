-- The indexes of the audit log page (issue 18). Each holds, after the
-- order of the page (occurred_at, id), every column the page's filters
-- test: the account, status, item, action and actor. MariaDB pushes no
-- condition into a descending index scan (no index condition pushdown
-- backwards), so ListAuditEvents first reads the page's ids by an
-- index-only scan of one of these, then the rows by primary key.
-- main_list serves a tree (account_id IN the tree's accounts),
-- account_list one account, actor_list a filter on the actor (it starts
-- with the actor, so a page reads that actor's entries only). They replace
-- the indexes of 001 that held the order alone (and the actor's), of
-- which they are extensions. One ALTER: one rebuild pass.
ALTER TABLE accountkit_audit_events
    ADD INDEX IF NOT EXISTS accountkit_audit_events_main_list_idx (main_account_id, occurred_at, id, account_id, status, item, action, actor_id),
    ADD INDEX IF NOT EXISTS accountkit_audit_events_account_list_idx (account_id, occurred_at, id, main_account_id, status, item, action, actor_id),
    ADD INDEX IF NOT EXISTS accountkit_audit_events_actor_list_idx (main_account_id, actor_id, occurred_at, id, account_id, status, item, action),
    DROP INDEX IF EXISTS accountkit_audit_events_main_time_idx,
    DROP INDEX IF EXISTS accountkit_audit_events_actor_idx,
    DROP INDEX IF EXISTS accountkit_audit_events_account_time_idx
