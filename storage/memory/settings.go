package memory

import (
	"context"
	"slices"
	"strings"

	"github.com/accountkit/accountkit/account"
)

// copySettings returns a deep copy of st with its time normalized.
func copySettings(st *account.SecuritySettings) *account.SecuritySettings {
	c := *st
	if st.MaxInactivityDays != nil {
		c.MaxInactivityDays = ptrTo(*st.MaxInactivityDays)
	}
	if st.PasswordValidityDays != nil {
		c.PasswordValidityDays = ptrTo(*st.PasswordValidityDays)
	}
	c.Enforced = nil // as the SQL adapters: no groups reads back as nil
	if len(st.Enforced) > 0 {
		c.Enforced = slices.Clone(st.Enforced)
	}
	c.UpdatedAt = normTime(st.UpdatedAt)
	return &c
}

func ptrTo[T any](v T) *T { return &v }

// GetSecuritySettings implements account.SettingsStore.
func (s *Store) GetSecuritySettings(ctx context.Context, accountID string) (*account.SecuritySettings, error) {
	var out *account.SecuritySettings
	err := s.read(ctx, func() error {
		st, ok := s.settings[accountID]
		if !ok {
			return notFound("security settings")
		}
		out = copySettings(st)
		return nil
	})
	return out, err
}

// PutSecuritySettings implements account.SettingsStore.
func (s *Store) PutSecuritySettings(ctx context.Context, st *account.SecuritySettings) error {
	return s.write(ctx, func(t *tx) error {
		prev, had := s.settings[st.AccountID]
		c := copySettings(st)
		s.settings[c.AccountID] = c
		t.onRollback(func() {
			if had {
				s.settings[c.AccountID] = prev
			} else {
				delete(s.settings, c.AccountID)
			}
		})
		return nil
	})
}

// ListInactivitySettings implements account.SettingsStore.
func (s *Store) ListInactivitySettings(ctx context.Context) ([]*account.SecuritySettings, error) {
	out := []*account.SecuritySettings{}
	err := s.read(ctx, func() error {
		for _, st := range s.settings {
			if st.MaxInactivityDays != nil {
				out = append(out, copySettings(st))
			}
		}
		return nil
	})
	slices.SortFunc(out, func(a, b *account.SecuritySettings) int { return strings.Compare(a.AccountID, b.AccountID) })
	return out, err
}

// ListSecuritySettings implements account.SettingsStore.
func (s *Store) ListSecuritySettings(ctx context.Context, accountIDs []string) ([]*account.SecuritySettings, error) {
	out := []*account.SecuritySettings{}
	err := s.read(ctx, func() error {
		for _, id := range accountIDs {
			if st, ok := s.settings[id]; ok && !slices.ContainsFunc(out, func(x *account.SecuritySettings) bool { return x.AccountID == id }) {
				out = append(out, copySettings(st))
			}
		}
		return nil
	})
	slices.SortFunc(out, func(a, b *account.SecuritySettings) int { return strings.Compare(a.AccountID, b.AccountID) })
	return out, err
}

// LockAccount implements account.Store. Transactions of the memory store
// never interleave, so it only checks that the account exists.
func (s *Store) LockAccount(ctx context.Context, id string) error {
	return s.read(ctx, func() error {
		if _, ok := s.accounts[id]; !ok {
			return notFound("account")
		}
		return nil
	})
}
