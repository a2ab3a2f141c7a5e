-- Leases of the background jobs (jobs.Runner): each replica of the host
-- runs the job runner, and the one that takes a job's lease (a
-- conditional UPDATE, or an INSERT that loses on the primary key) runs
-- it for that period.
CREATE TABLE IF NOT EXISTS accountkit_job_leases (
    job        VARCHAR(64)  COLLATE "C" NOT NULL PRIMARY KEY,
    holder     VARCHAR(128) COLLATE "C" NOT NULL,
    expires_at TIMESTAMPTZ  NOT NULL
)

--bun:split

-- The purge jobs delete by expiry.
CREATE INDEX IF NOT EXISTS accountkit_sessions_expires_idx ON accountkit_sessions (expires_at)

--bun:split

CREATE INDEX IF NOT EXISTS accountkit_tokens_expires_idx ON accountkit_tokens (expires_at)
