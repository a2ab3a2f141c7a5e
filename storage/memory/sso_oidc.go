package memory

import (
	"context"
	"slices"

	"github.com/accountkit/accountkit/sso"
)

func copyOIDCConfig(c *sso.OIDCConfig) *sso.OIDCConfig {
	out := *c
	out.Scopes = slices.Clone(c.Scopes)
	if out.Scopes == nil {
		out.Scopes = []string{}
	}
	out.ClientSecretSealed = slices.Clone(c.ClientSecretSealed)
	if out.ClientSecretSealed == nil {
		out.ClientSecretSealed = []byte{}
	}
	out.CreatedAt = normTime(c.CreatedAt)
	out.UpdatedAt = normTime(c.UpdatedAt)
	return &out
}

// GetOIDCConfig implements sso.Store.
func (s *Store) GetOIDCConfig(ctx context.Context, accountID string) (*sso.OIDCConfig, error) {
	var out *sso.OIDCConfig
	err := s.read(ctx, func() error {
		c, ok := s.sso.oidc[accountID]
		if !ok {
			return notFound("OIDC connection")
		}
		out = copyOIDCConfig(c)
		return nil
	})
	return out, err
}

// PutOIDCConfig implements sso.Store.
func (s *Store) PutOIDCConfig(ctx context.Context, c *sso.OIDCConfig) error {
	return s.write(ctx, func(t *tx) error {
		prev, had := s.sso.oidc[c.AccountID]
		cp := copyOIDCConfig(c)
		s.sso.oidc[cp.AccountID] = cp
		t.onRollback(func() {
			if had {
				s.sso.oidc[cp.AccountID] = prev
			} else {
				delete(s.sso.oidc, cp.AccountID)
			}
		})
		return nil
	})
}
