-- Leases of the background jobs (jobs.Runner): each replica of the host
-- runs the job runner, and the one that takes a job's lease (a
-- conditional UPDATE, or an INSERT IGNORE that loses on the primary key)
-- runs it for that period. Idempotent, as MariaDB commits DDL implicitly.
CREATE TABLE IF NOT EXISTS accountkit_job_leases (
    job        VARCHAR(64)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    holder     VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    expires_at DATETIME(6)  NOT NULL,
    PRIMARY KEY (job)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin

--bun:split

-- The purge jobs delete by expiry.
CREATE INDEX IF NOT EXISTS accountkit_sessions_expires_idx ON accountkit_sessions (expires_at)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_tokens_expires_idx ON accountkit_tokens (expires_at)
