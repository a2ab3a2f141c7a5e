-- Assigned-seat counters (seats.Pool.Assigned, seats.Limit.Assigned): how
-- many seats the tree and a limited account hold, kept by the store's code
-- with every seat it adds or removes, so an assignment checks and takes a
-- seat with one conditional UPDATE of the pool row instead of locking it
-- and counting the seats. Backfilled from the seats; every statement is
-- idempotent, as MariaDB commits DDL implicitly.
ALTER TABLE accountkit_seat_pools ADD COLUMN IF NOT EXISTS assigned INT NOT NULL DEFAULT 0

--bun:split

ALTER TABLE accountkit_seat_limits ADD COLUMN IF NOT EXISTS assigned INT NOT NULL DEFAULT 0

--bun:split

UPDATE accountkit_seat_pools SET assigned = (SELECT COUNT(*) FROM accountkit_seats AS s WHERE s.main_account_id = accountkit_seat_pools.main_account_id)

--bun:split

UPDATE accountkit_seat_limits SET assigned = (SELECT COUNT(*) FROM accountkit_seats AS s WHERE s.account_id = accountkit_seat_limits.account_id)
