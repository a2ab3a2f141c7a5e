-- TOTP enrollments, one per user. secret holds the AES-256-GCM sealed
-- secret (version, key ID, nonce, ciphertext, tag), never the secret in
-- clear. last_step is the time step of the last accepted code; it only
-- grows, through a conditional UPDATE.
CREATE TABLE IF NOT EXISTS accountkit_two_factor (
    user_id    CHAR(36)       CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    secret     VARBINARY(255) NOT NULL,
    enabled    BOOLEAN        NOT NULL,
    last_step  BIGINT         NOT NULL,
    created_at DATETIME(6)    NOT NULL,
    updated_at DATETIME(6)    NOT NULL,
    enabled_at DATETIME(6)    NULL,
    PRIMARY KEY (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
