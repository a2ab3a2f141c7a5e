-- SCIM external IDs (scim.ExternalID): the identifier a provisioning
-- client gave a user or a team, unique per account and kind, case-exact.
CREATE TABLE IF NOT EXISTS accountkit_scim_external_ids (
    kind        TEXT      NOT NULL,
    resource_id TEXT      NOT NULL,
    account_id  TEXT      NOT NULL,
    external_id TEXT      NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (kind, resource_id)
)

--bun:split

CREATE UNIQUE INDEX IF NOT EXISTS accountkit_scim_external_ids_key ON accountkit_scim_external_ids (account_id, kind, external_id)
