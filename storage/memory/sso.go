package memory

import (
	"context"
	"slices"
	"time"

	"github.com/accountkit/accountkit/sso"
)

var _ sso.Store = (*Store)(nil)

// ssoState is what the memory store keeps for sso.Store.
type ssoState struct {
	configs    map[string]*sso.Config // by account ID
	links      map[linkKey]*sso.Link
	requests   map[string]samlRequest     // by request ID
	assertions map[string]time.Time       // replay key -> expiry
	domains    map[string]*sso.Domain     // claimed email domains by ID (domains.go)
	oidc       map[string]*sso.OIDCConfig // OIDC connections by account ID (sso_oidc.go)
}

type linkKey struct{ account, idp, nameID string }

type samlRequest struct {
	idp       string
	expiresAt time.Time
}

func newSSOState() ssoState {
	return ssoState{
		configs:    map[string]*sso.Config{},
		links:      map[linkKey]*sso.Link{},
		requests:   map[string]samlRequest{},
		assertions: map[string]time.Time{},
		domains:    map[string]*sso.Domain{},
		oidc:       map[string]*sso.OIDCConfig{},
	}
}

func copySSOConfig(c *sso.Config) *sso.Config {
	out := *c
	out.IdPCertificates = slices.Clone(c.IdPCertificates)
	if out.IdPCertificates == nil {
		out.IdPCertificates = []string{}
	}
	out.CreatedAt = normTime(c.CreatedAt)
	out.UpdatedAt = normTime(c.UpdatedAt)
	return &out
}

// GetSSOConfig implements sso.Store.
func (s *Store) GetSSOConfig(ctx context.Context, accountID string) (*sso.Config, error) {
	var out *sso.Config
	err := s.read(ctx, func() error {
		c, ok := s.sso.configs[accountID]
		if !ok {
			return notFound("SSO configuration")
		}
		out = copySSOConfig(c)
		return nil
	})
	return out, err
}

// PutSSOConfig implements sso.Store.
func (s *Store) PutSSOConfig(ctx context.Context, c *sso.Config) error {
	return s.write(ctx, func(t *tx) error {
		prev, had := s.sso.configs[c.AccountID]
		cp := copySSOConfig(c)
		s.sso.configs[cp.AccountID] = cp
		t.onRollback(func() {
			if had {
				s.sso.configs[cp.AccountID] = prev
			} else {
				delete(s.sso.configs, cp.AccountID)
			}
		})
		return nil
	})
}

// GetSSOLink implements sso.Store.
func (s *Store) GetSSOLink(ctx context.Context, accountID, idpEntityID, nameID string) (*sso.Link, error) {
	var out *sso.Link
	err := s.read(ctx, func() error {
		l, ok := s.sso.links[linkKey{accountID, idpEntityID, nameID}]
		if !ok {
			return notFound("SSO link")
		}
		c := *l
		out = &c
		return nil
	})
	return out, err
}

// PutSSOLink implements sso.Store: it inserts the link or repoints the
// existing one, keeping its CreatedAt.
func (s *Store) PutSSOLink(ctx context.Context, l *sso.Link) error {
	return s.write(ctx, func(t *tx) error {
		k := linkKey{l.AccountID, l.IdPEntityID, l.NameID}
		prev, had := s.sso.links[k]
		c := *l
		c.CreatedAt = normTime(l.CreatedAt)
		if had {
			c.CreatedAt = prev.CreatedAt
		}
		s.sso.links[k] = &c
		t.onRollback(func() {
			if had {
				s.sso.links[k] = prev
			} else {
				delete(s.sso.links, k)
			}
		})
		return nil
	})
}

// SaveSAMLRequest implements sso.Store.
func (s *Store) SaveSAMLRequest(ctx context.Context, id, idpEntityID string, expiresAt time.Time) error {
	return s.write(ctx, func(t *tx) error {
		if _, ok := s.sso.requests[id]; ok {
			return conflict("SAML request")
		}
		s.sso.requests[id] = samlRequest{idp: idpEntityID, expiresAt: normTime(expiresAt)}
		t.onRollback(func() { delete(s.sso.requests, id) })
		return nil
	})
}

// ConsumeSAMLRequest implements sso.Store. Writers are serialized by the
// store's lock, so the lookup and the delete are atomic.
func (s *Store) ConsumeSAMLRequest(ctx context.Context, id string, now time.Time) (string, bool, error) {
	var idp string
	var ok bool
	err := s.write(ctx, func(t *tx) error {
		r, found := s.sso.requests[id]
		if !found {
			return nil
		}
		delete(s.sso.requests, id)
		t.onRollback(func() { s.sso.requests[id] = r })
		if now.Before(r.expiresAt) {
			idp, ok = r.idp, true
		}
		return nil
	})
	return idp, ok, err
}

// MarkSAMLAssertionUsed implements sso.Store.
func (s *Store) MarkSAMLAssertionUsed(ctx context.Context, key string, expiresAt, now time.Time) (bool, error) {
	first := false
	err := s.write(ctx, func(t *tx) error {
		prev, had := s.sso.assertions[key]
		if had && now.Before(prev) {
			return nil
		}
		s.sso.assertions[key] = normTime(expiresAt)
		first = true
		t.onRollback(func() {
			if had {
				s.sso.assertions[key] = prev
			} else {
				delete(s.sso.assertions, key)
			}
		})
		return nil
	})
	return first, err
}

// PurgeSAMLState implements sso.Store.
func (s *Store) PurgeSAMLState(ctx context.Context, now time.Time) (int, error) {
	n := 0
	err := s.write(ctx, func(t *tx) error {
		for id, r := range s.sso.requests {
			if !now.Before(r.expiresAt) {
				delete(s.sso.requests, id)
				t.onRollback(func() { s.sso.requests[id] = r })
				n++
			}
		}
		for k, exp := range s.sso.assertions {
			if !now.Before(exp) {
				delete(s.sso.assertions, k)
				t.onRollback(func() { s.sso.assertions[k] = exp })
				n++
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
