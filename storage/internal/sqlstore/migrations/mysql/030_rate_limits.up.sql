-- Token buckets of the rate limits (security.Throttle): the key is a hash
-- of the limit's scope and the limited value; tokens and the time of the
-- last update (Unix microseconds) are the bucket's state. Idempotent, as
-- MariaDB commits DDL implicitly.
CREATE TABLE IF NOT EXISTS accountkit_rate_limits (
    `key`      CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    tokens     DOUBLE   NOT NULL,
    updated_us BIGINT   NOT NULL,
    PRIMARY KEY (`key`),
    KEY accountkit_rate_limits_updated_idx (updated_us)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
