-- Report jobs (reports.Report): a requested export, its requester, status,
-- progress and the key of its content; params is a JSON object.
CREATE TABLE IF NOT EXISTS accountkit_reports (
    id                CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    account_id        CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    kind              VARCHAR(16)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    format            VARCHAR(8)   CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    params            LONGTEXT     NOT NULL,
    requester_user_id VARCHAR(36)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    requester_key_id  VARCHAR(36)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    requester_name    VARCHAR(255) NOT NULL,
    status            VARCHAR(16)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    attempt           INT          NOT NULL,
    row_count         BIGINT       NOT NULL,
    size_bytes        BIGINT       NOT NULL,
    error_message     VARCHAR(255) NOT NULL,
    blob_key          VARCHAR(100) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    created_at        DATETIME(6)  NOT NULL,
    updated_at        DATETIME(6)  NOT NULL,
    started_at        DATETIME(6)  NULL,
    finished_at       DATETIME(6)  NULL,
    expires_at        DATETIME(6)  NULL,
    PRIMARY KEY (id),
    KEY accountkit_reports_account (account_id, created_at, id),
    KEY accountkit_reports_status (status, created_at),
    KEY accountkit_reports_expiry (status, expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
--bun:split
-- The content of reports in the default BlobStore, in chunks of at most
-- 256 KiB, one row each (reports.StoreBlobs), far below max_allowed_packet.
CREATE TABLE IF NOT EXISTS accountkit_report_chunks (
    blob_key VARCHAR(100) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    seq      INT          NOT NULL,
    data     LONGBLOB     NOT NULL,
    PRIMARY KEY (blob_key, seq)
) ENGINE=InnoDB
