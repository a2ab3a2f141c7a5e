package memory

import (
	"context"
	"maps"
	"slices"

	"github.com/accountkit/accountkit/account"
)

// customizationState holds customizations, the hostname index and logos.
type customizationState struct {
	byAccount map[string]*account.Customization
	hostnames map[string]string // hostname -> account ID
	logos     map[string]*account.Logo
}

func newCustomizationState() customizationState {
	return customizationState{byAccount: map[string]*account.Customization{}, hostnames: map[string]string{}, logos: map[string]*account.Logo{}}
}

func copyCustomization(c *account.Customization) *account.Customization {
	out := *c
	out.Colors = maps.Clone(c.Colors)
	out.HostnameCheckedAt = normTimePtr(c.HostnameCheckedAt)
	out.HostnameVerifiedAt = normTimePtr(c.HostnameVerifiedAt)
	out.UpdatedAt = normTime(c.UpdatedAt)
	return &out
}

func copyLogo(l *account.Logo) *account.Logo {
	out := *l
	out.Data = slices.Clone(l.Data)
	out.UpdatedAt = normTime(l.UpdatedAt)
	return &out
}

// GetCustomization implements account.CustomizationStore.
func (s *Store) GetCustomization(ctx context.Context, accountID string) (*account.Customization, error) {
	var out *account.Customization
	err := s.read(ctx, func() error {
		c, ok := s.custom.byAccount[accountID]
		if !ok {
			return notFound("customization")
		}
		out = copyCustomization(c)
		return nil
	})
	return out, err
}

// GetCustomizationByHostname implements account.CustomizationStore.
func (s *Store) GetCustomizationByHostname(ctx context.Context, host string) (*account.Customization, error) {
	var out *account.Customization
	err := s.read(ctx, func() error {
		id, ok := s.custom.hostnames[host]
		if !ok || host == "" {
			return notFound("customization")
		}
		out = copyCustomization(s.custom.byAccount[id])
		return nil
	})
	return out, err
}

// PutCustomization implements account.CustomizationStore.
func (s *Store) PutCustomization(ctx context.Context, c *account.Customization) error {
	return s.write(ctx, func(t *tx) error {
		if c.Hostname != "" {
			if owner, ok := s.custom.hostnames[c.Hostname]; ok && owner != c.AccountID {
				return conflict("hostname")
			}
		}
		prev, had := s.custom.byAccount[c.AccountID]
		next := copyCustomization(c)
		if had && prev.Hostname != "" {
			delete(s.custom.hostnames, prev.Hostname)
		}
		if next.Hostname != "" {
			s.custom.hostnames[next.Hostname] = next.AccountID
		}
		s.custom.byAccount[next.AccountID] = next
		t.onRollback(func() {
			if next.Hostname != "" {
				delete(s.custom.hostnames, next.Hostname)
			}
			if had {
				s.custom.byAccount[next.AccountID] = prev
				if prev.Hostname != "" {
					s.custom.hostnames[prev.Hostname] = prev.AccountID
				}
			} else {
				delete(s.custom.byAccount, next.AccountID)
			}
		})
		return nil
	})
}

// GetLogo implements account.CustomizationStore.
func (s *Store) GetLogo(ctx context.Context, accountID string) (*account.Logo, error) {
	var out *account.Logo
	err := s.read(ctx, func() error {
		l, ok := s.custom.logos[accountID]
		if !ok {
			return notFound("logo")
		}
		out = copyLogo(l)
		return nil
	})
	return out, err
}

// PutLogo implements account.CustomizationStore.
func (s *Store) PutLogo(ctx context.Context, l *account.Logo) error {
	return s.write(ctx, func(t *tx) error {
		prev, had := s.custom.logos[l.AccountID]
		s.custom.logos[l.AccountID] = copyLogo(l)
		t.onRollback(func() {
			if had {
				s.custom.logos[l.AccountID] = prev
			} else {
				delete(s.custom.logos, l.AccountID)
			}
		})
		return nil
	})
}

// DeleteLogo implements account.CustomizationStore.
func (s *Store) DeleteLogo(ctx context.Context, accountID string) error {
	return s.write(ctx, func(t *tx) error {
		prev, ok := s.custom.logos[accountID]
		if !ok {
			return notFound("logo")
		}
		delete(s.custom.logos, accountID)
		t.onRollback(func() { s.custom.logos[accountID] = prev })
		return nil
	})
}
