-- Report jobs (reports.Report): a requested export, its requester, status,
-- progress and the key of its content; params is a JSON object.
CREATE TABLE IF NOT EXISTS accountkit_reports (
    id                VARCHAR(36)  COLLATE "C" NOT NULL PRIMARY KEY,
    account_id        VARCHAR(36)  COLLATE "C" NOT NULL,
    kind              VARCHAR(16)  COLLATE "C" NOT NULL,
    format            VARCHAR(8)   COLLATE "C" NOT NULL,
    params            TEXT         NOT NULL,
    requester_user_id VARCHAR(36)  COLLATE "C" NOT NULL,
    requester_key_id  VARCHAR(36)  COLLATE "C" NOT NULL,
    requester_name    VARCHAR(255) NOT NULL,
    status            VARCHAR(16)  COLLATE "C" NOT NULL,
    attempt           INTEGER      NOT NULL,
    row_count         BIGINT       NOT NULL,
    size_bytes        BIGINT       NOT NULL,
    error_message     VARCHAR(255) NOT NULL,
    blob_key          VARCHAR(100) COLLATE "C" NOT NULL,
    created_at        TIMESTAMPTZ  NOT NULL,
    updated_at        TIMESTAMPTZ  NOT NULL,
    started_at        TIMESTAMPTZ,
    finished_at       TIMESTAMPTZ,
    expires_at        TIMESTAMPTZ
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
    blob_key VARCHAR(100) COLLATE "C" NOT NULL,
    seq      INTEGER      NOT NULL,
    data     BYTEA        NOT NULL,
    PRIMARY KEY (blob_key, seq)
)
