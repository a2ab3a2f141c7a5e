-- The users list's role filter (issue 18): a role with few grants is read
-- from its grants (sqlstore users_page.go), and whether it has few is
-- counted on them, both index-only range scans of (role_key, user_id)
-- that never visit the grants table. It replaces the (role_key) index,
-- whose entries lack the user. MariaDB needs no such index: its
-- secondary index on role_key already ends with the primary key
-- (user_id, role_key).
CREATE INDEX IF NOT EXISTS accountkit_user_roles_role_user_idx ON accountkit_user_roles (role_key, user_id)

--bun:split

DROP INDEX IF EXISTS accountkit_user_roles_role_idx
