-- SCIM lists sorted by meta.lastModified (sortBy) read this index.
CREATE INDEX IF NOT EXISTS accountkit_users_account_updated_idx ON accountkit_users (account_id, updated_at, id)
