-- TOTP enrollments, one per user. secret holds the AES-256-GCM sealed
-- secret (version, key ID, nonce, ciphertext, tag), never the secret in
-- clear. last_step is the time step of the last accepted code; it only
-- grows, through a conditional UPDATE.
CREATE TABLE IF NOT EXISTS accountkit_two_factor (
    user_id    TEXT      NOT NULL PRIMARY KEY,
    secret     BLOB      NOT NULL,
    enabled    BOOLEAN   NOT NULL,
    last_step  INTEGER   NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    enabled_at TIMESTAMP
)
