-- SCIM enterprise extension (scim.Enterprise): a user's employeeNumber,
-- costCenter, organization, division, department and manager, one row
-- per user that has any.
CREATE TABLE IF NOT EXISTS accountkit_scim_enterprise (
    user_id         TEXT      NOT NULL PRIMARY KEY,
    account_id      TEXT      NOT NULL,
    employee_number TEXT      NOT NULL,
    cost_center     TEXT      NOT NULL,
    organization    TEXT      NOT NULL,
    division        TEXT      NOT NULL,
    department      TEXT      NOT NULL,
    manager_id      TEXT      NOT NULL,
    updated_at      TIMESTAMP NOT NULL
)
