package jobs

import (
	"context"
	"time"
)

// Lease is who runs a job until when.
type Lease struct {
	Job       string
	Holder    string
	ExpiresAt time.Time
}

// Store keeps the job leases that elect one runner per job among the
// replicas of a host. It is part of storage.Store.
type Store interface {
	// TakeLease gives the lease of job to holder until until if nobody
	// holds it at now (no lease, or one that expired at or before now),
	// with one conditional UPDATE or INSERT, and reports whether it did.
	// Of any number of concurrent calls for a free lease exactly one
	// returns true, on every adapter; a lease still held (by anyone,
	// holder included) is left as it is and answers false.
	TakeLease(ctx context.Context, job, holder string, now, until time.Time) (bool, error)
	// GetLease returns the lease of job. Errors: NotFound.
	GetLease(ctx context.Context, job string) (*Lease, error)
}
