package memory

import (
	"context"
	"time"

	"github.com/accountkit/accountkit/jobs"
)

// TakeLease implements jobs.Store: transactions are serialized, so the
// check and the write are one step.
func (s *Store) TakeLease(ctx context.Context, job, holder string, now, until time.Time) (bool, error) {
	taken := false
	err := s.write(ctx, func(t *tx) error {
		if s.leases == nil {
			s.leases = map[string]jobs.Lease{}
		}
		old, held := s.leases[job]
		if held && now.Before(old.ExpiresAt) {
			return nil
		}
		s.leases[job] = jobs.Lease{Job: job, Holder: holder, ExpiresAt: until.UTC()}
		t.onRollback(func() {
			if held {
				s.leases[job] = old
			} else {
				delete(s.leases, job)
			}
		})
		taken = true
		return nil
	})
	return taken && err == nil, err
}

// GetLease implements jobs.Store.
func (s *Store) GetLease(ctx context.Context, job string) (*jobs.Lease, error) {
	var out *jobs.Lease
	err := s.read(ctx, func() error {
		l, ok := s.leases[job]
		if !ok {
			return notFound("job lease")
		}
		out = &l
		return nil
	})
	return out, err
}
