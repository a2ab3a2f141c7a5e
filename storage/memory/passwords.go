package memory

import (
	"context"
	"slices"
	"time"
)

// pastPassword is one entry of a user's password history.
type pastPassword struct {
	hash string
	at   time.Time
}

// AddPasswordHistory implements auth.Store.
func (s *Store) AddPasswordHistory(ctx context.Context, userID, hash string, at time.Time) error {
	return s.write(ctx, func(t *tx) error {
		prev := s.passwords[userID]
		s.passwords[userID] = append(slices.Clone(prev), pastPassword{hash: hash, at: normTime(at)})
		t.onRollback(func() { s.passwords[userID] = prev })
		return nil
	})
}

// ListPasswordHistory implements auth.Store.
func (s *Store) ListPasswordHistory(ctx context.Context, userID string, limit int) ([]string, error) {
	var out []string
	err := s.read(ctx, func() error {
		list := s.passwords[userID]
		for i := len(list) - 1; i >= 0 && len(out) < limit; i-- {
			out = append(out, list[i].hash)
		}
		return nil
	})
	return out, err
}

// TrimPasswordHistory implements auth.Store.
func (s *Store) TrimPasswordHistory(ctx context.Context, userID string, keep int) error {
	return s.write(ctx, func(t *tx) error {
		prev := s.passwords[userID]
		if len(prev) <= keep {
			return nil
		}
		s.passwords[userID] = slices.Clone(prev[len(prev)-keep:])
		t.onRollback(func() { s.passwords[userID] = prev })
		return nil
	})
}
