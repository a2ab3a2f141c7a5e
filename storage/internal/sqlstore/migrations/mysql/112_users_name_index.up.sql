-- The index of the name order, built once migration 111 has filled
-- name_key in (see 110).
CREATE INDEX IF NOT EXISTS accountkit_users_account_name_idx ON accountkit_users (account_id, name_key, id)
