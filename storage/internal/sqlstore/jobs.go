package sqlstore

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/accountkit/accountkit/jobs"
)

// leaseRow is a job's lease in accountkit_job_leases.
type leaseRow struct {
	bun.BaseModel `bun:"table:accountkit_job_leases"`

	Job       string    `bun:"job,pk"`
	Holder    string    `bun:"holder,notnull"`
	ExpiresAt time.Time `bun:"expires_at,notnull"`
}

// TakeLease takes an expired lease with a conditional UPDATE (PostgreSQL
// and MariaDB re-check the condition on the latest row version after
// waiting for its lock, so of two racers one changes the row and the
// other matches nothing), else creates it with an INSERT that does
// nothing when the row exists (ON CONFLICT DO NOTHING, INSERT IGNORE):
// of two racers one inserts, the other waits on the key and inserts
// nothing.
func (s *Store) TakeLease(ctx context.Context, job, holder string, now, until time.Time) (bool, error) {
	db := s.idb(ctx)
	res, err := db.NewUpdate().Model((*leaseRow)(nil)).
		Set("holder = ?", holder).
		Set("expires_at = ?", until.UTC()).
		Where("job = ?", job).
		Where("expires_at <= ?", now.UTC()).
		Exec(ctx)
	if err != nil {
		return false, translate(err, "job lease")
	}
	if n, err := res.RowsAffected(); err != nil {
		return false, translate(err, "job lease")
	} else if n == 1 {
		return true, nil
	}
	q := db.NewInsert().Model(&leaseRow{Job: job, Holder: holder, ExpiresAt: until.UTC()})
	if s.dialect == MySQL {
		q = q.Ignore()
	} else {
		q = q.On("CONFLICT (job) DO NOTHING")
	}
	res, err = q.Exec(ctx)
	if err != nil {
		return false, translate(err, "job lease")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, translate(err, "job lease")
	}
	return n == 1, nil
}

// GetLease returns the lease of job. Errors: NotFound.
func (s *Store) GetLease(ctx context.Context, job string) (*jobs.Lease, error) {
	r := new(leaseRow)
	if err := s.idb(ctx).NewSelect().Model(r).Where("job = ?", job).Scan(ctx); err != nil {
		return nil, translate(err, "job lease")
	}
	return &jobs.Lease{Job: r.Job, Holder: r.Holder, ExpiresAt: r.ExpiresAt.UTC()}, nil
}

var _ jobs.Store = (*Store)(nil)
