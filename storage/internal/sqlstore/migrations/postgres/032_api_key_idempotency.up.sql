-- API keys remember the hash of the Idempotency-Key they were created
-- with, so that a retried creation (after an answer lost in transit)
-- creates nothing twice; unique per account where set.
ALTER TABLE accountkit_api_keys ADD COLUMN IF NOT EXISTS idempotency_key VARCHAR(64) COLLATE "C"

--bun:split

CREATE UNIQUE INDEX IF NOT EXISTS accountkit_api_keys_idempotency_key ON accountkit_api_keys (account_id, idempotency_key)
