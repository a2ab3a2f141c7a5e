-- SCIM settings of an account (scim.Settings): whether deactivation frees
-- the seat, and the attribute -> role mappings as a JSON array.
CREATE TABLE IF NOT EXISTS accountkit_scim_settings (
    account_id              TEXT      NOT NULL PRIMARY KEY,
    deactivation_frees_seat BOOLEAN   NOT NULL,
    role_mappings           TEXT      NOT NULL,
    updated_at              TIMESTAMP NOT NULL
)
