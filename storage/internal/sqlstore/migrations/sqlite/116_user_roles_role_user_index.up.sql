-- The users list's role filter (issue 18): a role with few grants is read
-- from its grants and counted on them (sqlstore users_page.go), both
-- covered by (role_key, user_id), which replaces the (role_key) index.
CREATE INDEX IF NOT EXISTS accountkit_user_roles_role_user_idx ON accountkit_user_roles (role_key, user_id)

--bun:split

DROP INDEX IF EXISTS accountkit_user_roles_role_idx
