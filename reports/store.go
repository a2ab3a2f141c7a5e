package reports

import (
	"context"
	"time"

	"github.com/accountkit/accountkit/apikeys"
)

// Store is what the reports package needs from storage: reports, the
// chunks of the default BlobStore, and through apikeys.Store the users,
// accounts and audit log. Adapters implement it; storagetest checks them.
type Store interface {
	apikeys.Store
	ChunkStore

	// CreateReport stores r. Errors: Conflict when the ID exists.
	CreateReport(ctx context.Context, r *Report) error
	// GetReport returns a report by ID. Errors: NotFound.
	GetReport(ctx context.Context, id string) (*Report, error)
	// ListReports returns the reports matching f, newest first (CreatedAt,
	// then ID, descending).
	ListReports(ctx context.Context, f Filter) ([]*Report, error)
	// ListRunnableReports returns up to limit reports that a runner may
	// claim, oldest first: pending ones, and running ones whose UpdatedAt
	// is before staleBefore (their runner died).
	ListRunnableReports(ctx context.Context, staleBefore time.Time, limit int) ([]*Report, error)
	// ClaimReport marks the report running for one more attempt (Attempt
	// + 1, StartedAt and UpdatedAt now) with one conditional update, if it
	// is pending, or running with an UpdatedAt before staleBefore, and
	// still at attempt; it reports whether it did. Of concurrent claims of
	// one report exactly one returns true, on every adapter.
	ClaimReport(ctx context.Context, id string, attempt int, now, staleBefore time.Time) (bool, error)
	// UpdateReportProgress sets Rows, Size and UpdatedAt of a report that
	// is running at attempt, and reports whether it did (false: another
	// runner claimed it since, or it was deleted).
	UpdateReportProgress(ctx context.Context, id string, attempt int, rows, size int64, now time.Time) (bool, error)
	// FinishReport saves the outcome f of a report running at f.Attempt
	// (Status, Rows, Size, Error, BlobKey, FinishedAt = f.At, UpdatedAt,
	// ExpiresAt) and reports whether it did.
	FinishReport(ctx context.Context, f Finish) (bool, error)
	// ListExpiredReports returns up to limit done reports whose ExpiresAt
	// is at or before now, oldest expiry first.
	ListExpiredReports(ctx context.Context, now time.Time, limit int) ([]*Report, error)
	// ExpireReport marks a done report expired (its content deleted) and
	// reports whether it did.
	ExpireReport(ctx context.Context, id string, now time.Time) (bool, error)
	// DeleteReport deletes a report. Errors: NotFound.
	DeleteReport(ctx context.Context, id string) error
}

// ChunkStore keeps content in numbered chunks under a key: the storage of
// the default BlobStore (StoreBlobs), so that no adapter needs one large
// value in memory or in one statement.
type ChunkStore interface {
	// PutChunk stores chunk seq (0, 1, ...) of key. Errors: Conflict when
	// it exists.
	PutChunk(ctx context.Context, key string, seq int, data []byte) error
	// GetChunk returns chunk seq of key. Errors: NotFound.
	GetChunk(ctx context.Context, key string, seq int) ([]byte, error)
	// DeleteChunks deletes every chunk of key and returns how many there
	// were.
	DeleteChunks(ctx context.Context, key string) (int, error)
}
