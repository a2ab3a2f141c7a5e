-- SCIM enterprise extension (scim.Enterprise): a user's employeeNumber,
-- costCenter, organization, division, department and manager, one row
-- per user that has any.
CREATE TABLE IF NOT EXISTS accountkit_scim_enterprise (
    user_id         VARCHAR(36)  COLLATE "C" NOT NULL PRIMARY KEY,
    account_id      VARCHAR(36)  COLLATE "C" NOT NULL,
    employee_number VARCHAR(255) NOT NULL,
    cost_center     VARCHAR(255) NOT NULL,
    organization    VARCHAR(255) NOT NULL,
    division        VARCHAR(255) NOT NULL,
    department      VARCHAR(255) NOT NULL,
    manager_id      VARCHAR(36)  COLLATE "C" NOT NULL,
    updated_at      TIMESTAMPTZ  NOT NULL
)
