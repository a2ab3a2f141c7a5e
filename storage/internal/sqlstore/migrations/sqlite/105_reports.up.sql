-- Report jobs (reports.Report): a requested export, its requester, status,
-- progress and the key of its content; params is a JSON object.
CREATE TABLE IF NOT EXISTS accountkit_reports (
    id                TEXT      NOT NULL PRIMARY KEY,
    account_id        TEXT      NOT NULL,
    kind              TEXT      NOT NULL,
    format            TEXT      NOT NULL,
    params            TEXT      NOT NULL,
    requester_user_id TEXT      NOT NULL,
    requester_key_id  TEXT      NOT NULL,
    requester_name    TEXT      NOT NULL,
    status            TEXT      NOT NULL,
    attempt           INTEGER   NOT NULL,
    row_count         INTEGER   NOT NULL,
    size_bytes        INTEGER   NOT NULL,
    error_message     TEXT      NOT NULL,
    blob_key          TEXT      NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    started_at        TIMESTAMP,
    finished_at       TIMESTAMP,
    expires_at        TIMESTAMP
)
--bun:split
CREATE INDEX IF NOT EXISTS accountkit_reports_account ON accountkit_reports (account_id, created_at, id)
--bun:split
CREATE INDEX IF NOT EXISTS accountkit_reports_status ON accountkit_reports (status, created_at)
--bun:split
CREATE INDEX IF NOT EXISTS accountkit_reports_expiry ON accountkit_reports (status, expires_at)
--bun:split
-- The content of reports in the default BlobStore, in chunks of at most
-- 256 KiB, one row each (reports.StoreBlobs).
CREATE TABLE IF NOT EXISTS accountkit_report_chunks (
    blob_key TEXT    NOT NULL,
    seq      INTEGER NOT NULL,
    data     BLOB    NOT NULL,
    PRIMARY KEY (blob_key, seq)
)
