package memory

import (
	"context"
	"slices"
	"time"

	"github.com/accountkit/accountkit/auth"
)

// twoFactors holds the TOTP enrollments by user ID.
type twoFactors map[string]*auth.TwoFactor

// copyTwoFactor returns a deep copy of tf with its times normalized.
func copyTwoFactor(tf *auth.TwoFactor) *auth.TwoFactor {
	c := *tf
	c.Secret = slices.Clone(tf.Secret)
	c.CreatedAt = normTime(tf.CreatedAt)
	c.UpdatedAt = normTime(tf.UpdatedAt)
	c.EnabledAt = normTimePtr(tf.EnabledAt)
	return &c
}

// GetTwoFactor implements users.TwoFactorStore.
func (s *Store) GetTwoFactor(ctx context.Context, userID string) (*auth.TwoFactor, error) {
	var out *auth.TwoFactor
	err := s.read(ctx, func() error {
		tf, ok := s.twoFactor[userID]
		if !ok {
			return notFound("two-factor enrollment")
		}
		out = copyTwoFactor(tf)
		return nil
	})
	return out, err
}

// PutTwoFactor implements users.TwoFactorStore.
func (s *Store) PutTwoFactor(ctx context.Context, tf *auth.TwoFactor) error {
	return s.write(ctx, func(t *tx) error {
		prev, had := s.twoFactor[tf.UserID]
		c := copyTwoFactor(tf)
		s.twoFactor[c.UserID] = c
		t.onRollback(func() {
			if had {
				s.twoFactor[c.UserID] = prev
			} else {
				delete(s.twoFactor, c.UserID)
			}
		})
		return nil
	})
}

// AdvanceTwoFactorStep implements users.TwoFactorStore. Writers are
// serialized by the store's lock, so the compare and the set are atomic.
func (s *Store) AdvanceTwoFactorStep(ctx context.Context, userID string, step int64, at time.Time) (bool, error) {
	won := false
	err := s.write(ctx, func(t *tx) error {
		prev, ok := s.twoFactor[userID]
		if !ok {
			return notFound("two-factor enrollment")
		}
		if prev.LastStep >= step {
			return nil
		}
		next := copyTwoFactor(prev)
		next.LastStep, next.UpdatedAt = step, normTime(at)
		s.twoFactor[userID] = next
		t.onRollback(func() { s.twoFactor[userID] = prev })
		won = true
		return nil
	})
	return won, err
}

// DeleteTwoFactor implements users.TwoFactorStore.
func (s *Store) DeleteTwoFactor(ctx context.Context, userID string) error {
	return s.write(ctx, func(t *tx) error {
		prev, ok := s.twoFactor[userID]
		if !ok {
			return notFound("two-factor enrollment")
		}
		delete(s.twoFactor, userID)
		t.onRollback(func() { s.twoFactor[userID] = prev })
		return nil
	})
}
