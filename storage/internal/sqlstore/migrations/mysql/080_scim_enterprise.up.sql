-- SCIM enterprise extension (scim.Enterprise): a user's employeeNumber,
-- costCenter, organization, division, department and manager, one row
-- per user that has any.
CREATE TABLE IF NOT EXISTS accountkit_scim_enterprise (
    user_id         CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    account_id      CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    employee_number VARCHAR(255) NOT NULL,
    cost_center     VARCHAR(255) NOT NULL,
    organization    VARCHAR(255) NOT NULL,
    division        VARCHAR(255) NOT NULL,
    department      VARCHAR(255) NOT NULL,
    manager_id      VARCHAR(36)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    updated_at      DATETIME(6)  NOT NULL,
    PRIMARY KEY (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
