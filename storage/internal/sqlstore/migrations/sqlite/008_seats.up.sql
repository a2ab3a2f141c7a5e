-- Seats: the pool a main account purchased, per-account limits, the seats
-- held by users and the seat log. SQLite compares text byte-wise (BINARY);
-- search_text is lower-cased in Go. Times are stored as bun writes them (UTC
-- text whose order is time order).
CREATE TABLE IF NOT EXISTS accountkit_seat_pools (
    main_account_id TEXT      NOT NULL PRIMARY KEY,
    purchased       INTEGER   NOT NULL,
    warned          BOOLEAN   NOT NULL,
    updated_at      TIMESTAMP NOT NULL
)

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_seat_limits (
    account_id      TEXT      NOT NULL PRIMARY KEY,
    main_account_id TEXT      NOT NULL,
    seat_limit      INTEGER   NOT NULL,
    warned          BOOLEAN   NOT NULL,
    updated_at      TIMESTAMP NOT NULL
)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_seat_limits_main_idx ON accountkit_seat_limits (main_account_id, account_id)

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_seats (
    user_id          TEXT      NOT NULL PRIMARY KEY,
    account_id       TEXT      NOT NULL,
    main_account_id  TEXT      NOT NULL,
    assigned_at      TIMESTAMP NOT NULL,
    assigned_by_id   TEXT      NOT NULL,
    assigned_by_name TEXT      NOT NULL
)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_seats_main_account_idx ON accountkit_seats (main_account_id, account_id)

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_seat_log (
    id              TEXT      NOT NULL PRIMARY KEY,
    main_account_id TEXT      NOT NULL,
    account_id      TEXT      NOT NULL,
    logged_at       TIMESTAMP NOT NULL,
    actor_id        TEXT      NOT NULL,
    actor_name      TEXT      NOT NULL,
    event_type      TEXT      NOT NULL,
    status          TEXT      NOT NULL,
    user_id         TEXT      NOT NULL,
    username        TEXT      NOT NULL,
    old_value       INTEGER,
    new_value       INTEGER,
    description     TEXT      NOT NULL,
    error_message   TEXT      NOT NULL,
    search_text     TEXT      NOT NULL
)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_seat_log_main_time_idx ON accountkit_seat_log (main_account_id, logged_at, id)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_seat_log_account_time_idx ON accountkit_seat_log (account_id, logged_at, id)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_seat_log_user_idx ON accountkit_seat_log (main_account_id, user_id, logged_at)
