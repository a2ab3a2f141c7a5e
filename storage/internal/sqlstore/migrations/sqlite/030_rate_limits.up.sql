-- Token buckets of the rate limits (security.Throttle): the key is a hash
-- of the limit's scope and the limited value; tokens and the time of the
-- last update (Unix microseconds) are the bucket's state.
CREATE TABLE IF NOT EXISTS accountkit_rate_limits (
    key        TEXT    NOT NULL PRIMARY KEY,
    tokens     REAL    NOT NULL,
    updated_us INTEGER NOT NULL
)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_rate_limits_updated_idx ON accountkit_rate_limits (updated_us)
