-- Seats: the pool a main account purchased, per-account limits, the seats
-- held by users and the seat log. Identifiers are ASCII with ascii_bin;
-- usernames use utf8mb4_nopad_bin so equality and order are byte-wise.
-- search_text is lower-cased in Go. Times are DATETIME(6) in UTC. Every
-- statement is idempotent, as MariaDB commits DDL implicitly.
CREATE TABLE IF NOT EXISTS accountkit_seat_pools (
    main_account_id CHAR(36)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    purchased       INT         NOT NULL,
    warned          BOOLEAN     NOT NULL,
    updated_at      DATETIME(6) NOT NULL,
    PRIMARY KEY (main_account_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_seat_limits (
    account_id      CHAR(36)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    main_account_id CHAR(36)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    seat_limit      INT         NOT NULL,
    warned          BOOLEAN     NOT NULL,
    updated_at      DATETIME(6) NOT NULL,
    PRIMARY KEY (account_id),
    KEY accountkit_seat_limits_main_idx (main_account_id, account_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_seats (
    user_id          CHAR(36)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    account_id       CHAR(36)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    main_account_id  CHAR(36)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    assigned_at      DATETIME(6) NOT NULL,
    assigned_by_id   VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    assigned_by_name TEXT        NOT NULL,
    PRIMARY KEY (user_id),
    KEY accountkit_seats_main_account_idx (main_account_id, account_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin

--bun:split

CREATE TABLE IF NOT EXISTS accountkit_seat_log (
    id              CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    main_account_id CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    account_id      CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    logged_at       DATETIME(6)  NOT NULL,
    actor_id        VARCHAR(64)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    actor_name      TEXT         NOT NULL,
    event_type      VARCHAR(32)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    status          VARCHAR(16)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    user_id         VARCHAR(36)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    username        VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
    old_value       INT          NULL,
    new_value       INT          NULL,
    description     TEXT         NOT NULL,
    error_message   TEXT         NOT NULL,
    search_text     TEXT         NOT NULL,
    PRIMARY KEY (id),
    KEY accountkit_seat_log_main_time_idx (main_account_id, logged_at, id),
    KEY accountkit_seat_log_account_time_idx (account_id, logged_at, id),
    KEY accountkit_seat_log_user_idx (main_account_id, user_id, logged_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
