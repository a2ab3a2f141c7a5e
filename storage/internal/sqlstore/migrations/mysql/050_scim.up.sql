-- SCIM external IDs (scim.ExternalID): the identifier a provisioning
-- client gave a user or a team, unique per account and kind, case-exact
-- (binary collation).
CREATE TABLE IF NOT EXISTS accountkit_scim_external_ids (
    kind        VARCHAR(16)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    resource_id CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    account_id  CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    external_id VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    created_at  DATETIME(6)  NOT NULL,
    PRIMARY KEY (kind, resource_id),
    UNIQUE KEY accountkit_scim_external_ids_key (account_id, kind, external_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
