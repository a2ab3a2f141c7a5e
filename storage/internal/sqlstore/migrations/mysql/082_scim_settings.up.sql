-- SCIM settings of an account (scim.Settings): whether deactivation frees
-- the seat, and the attribute -> role mappings as a JSON array.
CREATE TABLE IF NOT EXISTS accountkit_scim_settings (
    account_id              CHAR(36)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    deactivation_frees_seat BOOLEAN     NOT NULL,
    role_mappings           LONGTEXT    NOT NULL,
    updated_at              DATETIME(6) NOT NULL,
    PRIMARY KEY (account_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
