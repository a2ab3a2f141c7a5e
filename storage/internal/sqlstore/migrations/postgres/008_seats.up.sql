-- Seats: the pool a main account purchased, per-account limits, the seats
-- held by users and the seat log. Identifier columns use COLLATE "C" so that
-- equality and ordering are byte-wise; search_text is lower-cased in Go.
-- Every statement is idempotent.
CREATE TABLE IF NOT EXISTS accountkit_seat_pools (
    main_account_id VARCHAR(36) COLLATE "C" NOT NULL PRIMARY KEY,
    purchased       INTEGER     NOT NULL,
    warned          BOOLEAN     NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
)

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_seat_limits (
    account_id      VARCHAR(36) COLLATE "C" NOT NULL PRIMARY KEY,
    main_account_id VARCHAR(36) COLLATE "C" NOT NULL,
    seat_limit      INTEGER     NOT NULL,
    warned          BOOLEAN     NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_seat_limits_main_idx ON accountkit_seat_limits (main_account_id, account_id)

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_seats (
    user_id          VARCHAR(36) COLLATE "C" NOT NULL PRIMARY KEY,
    account_id       VARCHAR(36) COLLATE "C" NOT NULL,
    main_account_id  VARCHAR(36) COLLATE "C" NOT NULL,
    assigned_at      TIMESTAMPTZ NOT NULL,
    assigned_by_id   VARCHAR(64) COLLATE "C" NOT NULL,
    assigned_by_name TEXT        NOT NULL
)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_seats_main_account_idx ON accountkit_seats (main_account_id, account_id)

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_seat_log (
    id              VARCHAR(36)  COLLATE "C" NOT NULL PRIMARY KEY,
    main_account_id VARCHAR(36)  COLLATE "C" NOT NULL,
    account_id      VARCHAR(36)  COLLATE "C" NOT NULL,
    logged_at       TIMESTAMPTZ  NOT NULL,
    actor_id        VARCHAR(64)  COLLATE "C" NOT NULL,
    actor_name      TEXT         NOT NULL,
    event_type      VARCHAR(32)  COLLATE "C" NOT NULL,
    status          VARCHAR(16)  COLLATE "C" NOT NULL,
    user_id         VARCHAR(36)  COLLATE "C" NOT NULL,
    username        VARCHAR(255) COLLATE "C" NOT NULL,
    old_value       INTEGER,
    new_value       INTEGER,
    description     TEXT         NOT NULL,
    error_message   TEXT         NOT NULL,
    search_text     TEXT         NOT NULL
)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_seat_log_main_time_idx ON accountkit_seat_log (main_account_id, logged_at, id)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_seat_log_account_time_idx ON accountkit_seat_log (account_id, logged_at, id)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_seat_log_user_idx ON accountkit_seat_log (main_account_id, user_id, logged_at)
