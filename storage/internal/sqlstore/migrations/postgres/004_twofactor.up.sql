-- TOTP enrollments, one per user. secret holds the AES-256-GCM sealed
-- secret (version, key ID, nonce, ciphertext, tag), never the secret in
-- clear. last_step is the time step of the last accepted code; it only
-- grows, through a conditional UPDATE.
CREATE TABLE IF NOT EXISTS accountkit_two_factor (
    user_id    VARCHAR(36) COLLATE "C" NOT NULL PRIMARY KEY,
    secret     BYTEA       NOT NULL,
    enabled    BOOLEAN     NOT NULL,
    last_step  BIGINT      NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    enabled_at TIMESTAMPTZ
)
