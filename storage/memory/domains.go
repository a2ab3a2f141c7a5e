package memory

import (
	"context"
	"slices"
	"strings"

	"github.com/accountkit/accountkit/sso"
)

func copyDomain(d *sso.Domain) *sso.Domain {
	out := *d
	out.CheckedAt = normTimePtr(d.CheckedAt)
	out.VerifiedAt = normTimePtr(d.VerifiedAt)
	out.CreatedAt = normTime(d.CreatedAt)
	out.UpdatedAt = normTime(d.UpdatedAt)
	return &out
}

// verifiedElsewhere reports whether a claim other than d holds d's domain
// verified: the memory form of the unique constraint on verified domains.
func (s *Store) verifiedElsewhere(d *sso.Domain) bool {
	if d.Status != sso.DomainVerified {
		return false
	}
	for _, o := range s.sso.domains {
		if o.ID != d.ID && o.Domain == d.Domain && o.Status == sso.DomainVerified {
			return true
		}
	}
	return false
}

// CreateSSODomain implements sso.DomainStore.
func (s *Store) CreateSSODomain(ctx context.Context, d *sso.Domain) error {
	return s.write(ctx, func(t *tx) error {
		if _, ok := s.sso.domains[d.ID]; ok {
			return conflict("domain")
		}
		for _, o := range s.sso.domains {
			if o.AccountID == d.AccountID && o.Domain == d.Domain {
				return conflict("domain")
			}
		}
		if s.verifiedElsewhere(d) {
			return conflict("verified domain")
		}
		s.sso.domains[d.ID] = copyDomain(d)
		t.onRollback(func() { delete(s.sso.domains, d.ID) })
		return nil
	})
}

// GetSSODomain implements sso.DomainStore.
func (s *Store) GetSSODomain(ctx context.Context, id string) (*sso.Domain, error) {
	var out *sso.Domain
	err := s.read(ctx, func() error {
		d, ok := s.sso.domains[id]
		if !ok {
			return notFound("domain")
		}
		out = copyDomain(d)
		return nil
	})
	return out, err
}

// ListSSODomains implements sso.DomainStore.
func (s *Store) ListSSODomains(ctx context.Context, accountID string) ([]*sso.Domain, error) {
	out := []*sso.Domain{}
	err := s.read(ctx, func() error {
		for _, d := range s.sso.domains {
			if d.AccountID == accountID {
				out = append(out, copyDomain(d))
			}
		}
		return nil
	})
	slices.SortFunc(out, func(a, b *sso.Domain) int { return strings.Compare(a.Domain, b.Domain) })
	return out, err
}

// GetVerifiedSSODomain implements sso.DomainStore.
func (s *Store) GetVerifiedSSODomain(ctx context.Context, domain string) (*sso.Domain, error) {
	var out *sso.Domain
	err := s.read(ctx, func() error {
		for _, d := range s.sso.domains {
			if domain != "" && d.Domain == domain && d.Status == sso.DomainVerified {
				out = copyDomain(d)
				return nil
			}
		}
		return notFound("domain")
	})
	return out, err
}

// UpdateSSODomain implements sso.DomainStore.
func (s *Store) UpdateSSODomain(ctx context.Context, d *sso.Domain) error {
	return s.write(ctx, func(t *tx) error {
		prev, ok := s.sso.domains[d.ID]
		if !ok {
			return notFound("domain")
		}
		next := copyDomain(prev)
		next.Status, next.Token, next.Error = d.Status, d.Token, d.Error
		next.CheckedAt, next.VerifiedAt, next.UpdatedAt = normTimePtr(d.CheckedAt), normTimePtr(d.VerifiedAt), normTime(d.UpdatedAt)
		if s.verifiedElsewhere(next) {
			return conflict("verified domain")
		}
		s.sso.domains[d.ID] = next
		t.onRollback(func() { s.sso.domains[d.ID] = prev })
		return nil
	})
}

// DeleteSSODomain implements sso.DomainStore.
func (s *Store) DeleteSSODomain(ctx context.Context, id string) error {
	return s.write(ctx, func(t *tx) error {
		prev, ok := s.sso.domains[id]
		if !ok {
			return notFound("domain")
		}
		delete(s.sso.domains, id)
		t.onRollback(func() { s.sso.domains[id] = prev })
		return nil
	})
}
