package memory

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/accountkit/accountkit/account"
)

// copyAccount returns a deep copy of a with its times in UTC at microsecond
// precision, the precision every adapter keeps.
func copyAccount(a *account.Account) *account.Account {
	c := *a
	c.Ancestry = slices.Clone(a.Ancestry)
	c.CreatedAt = normTime(a.CreatedAt)
	c.UpdatedAt = normTime(a.UpdatedAt)
	return &c
}

// normTime returns t in UTC, truncated to microseconds.
func normTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// addSlug records slug in the sorted index.
func (s *Store) addSlug(slug, id string) {
	s.slugs[slug] = id
	i, _ := slices.BinarySearch(s.sorted, slug)
	s.sorted = slices.Insert(s.sorted, i, slug)
}

// removeSlug drops slug from the sorted index.
func (s *Store) removeSlug(slug string) {
	delete(s.slugs, slug)
	if i, ok := slices.BinarySearch(s.sorted, slug); ok {
		s.sorted = slices.Delete(s.sorted, i, i+1)
	}
}

// CreateAccount implements account.Store.
func (s *Store) CreateAccount(ctx context.Context, a *account.Account) error {
	return s.write(ctx, func(t *tx) error {
		if _, ok := s.accounts[a.ID]; ok {
			return conflict("account")
		}
		if _, ok := s.slugs[a.Slug]; ok {
			return conflict("account")
		}
		c := copyAccount(a)
		s.accounts[c.ID] = c
		s.addSlug(c.Slug, c.ID)
		if c.ParentID != "" {
			s.children[c.ParentID] = append(s.children[c.ParentID], c.ID)
		}
		t.onRollback(func() {
			delete(s.accounts, c.ID)
			s.removeSlug(c.Slug)
			if c.ParentID != "" {
				kids := s.children[c.ParentID]
				if i := slices.Index(kids, c.ID); i >= 0 {
					kids = slices.Delete(kids, i, i+1)
				}
				if len(kids) == 0 {
					delete(s.children, c.ParentID)
				} else {
					s.children[c.ParentID] = kids
				}
			}
		})
		return nil
	})
}

// GetAccount implements account.Store.
func (s *Store) GetAccount(ctx context.Context, id string) (*account.Account, error) {
	var out *account.Account
	err := s.read(ctx, func() error {
		a, ok := s.accounts[id]
		if !ok {
			return notFound("account")
		}
		out = copyAccount(a)
		return nil
	})
	return out, err
}

// GetAccountBySlug implements account.Store.
func (s *Store) GetAccountBySlug(ctx context.Context, slug string) (*account.Account, error) {
	var out *account.Account
	err := s.read(ctx, func() error {
		id, ok := s.slugs[slug]
		if !ok {
			return notFound("account")
		}
		out = copyAccount(s.accounts[id])
		return nil
	})
	return out, err
}

// UpdateAccount implements account.Store. It saves Name, Slug, Status and
// UpdatedAt; the other fields of a are ignored.
func (s *Store) UpdateAccount(ctx context.Context, a *account.Account) error {
	return s.write(ctx, func(t *tx) error {
		prev, ok := s.accounts[a.ID]
		if !ok {
			return notFound("account")
		}
		if id, ok := s.slugs[a.Slug]; ok && id != a.ID {
			return conflict("account")
		}
		next := copyAccount(prev)
		next.Name, next.Slug, next.Status, next.UpdatedAt = a.Name, a.Slug, a.Status, normTime(a.UpdatedAt)
		s.accounts[next.ID] = next
		if next.Slug != prev.Slug {
			s.removeSlug(prev.Slug)
			s.addSlug(next.Slug, next.ID)
		}
		t.onRollback(func() {
			s.accounts[prev.ID] = prev
			if next.Slug != prev.Slug {
				s.removeSlug(next.Slug)
				s.addSlug(prev.Slug, prev.ID)
			}
		})
		return nil
	})
}

// descendants returns the IDs of every account below id, breadth first.
func (s *Store) descendants(id string) []string {
	var out []string
	for i, next := 0, s.children[id]; ; i++ {
		out = append(out, next...)
		if i >= len(out) {
			return out
		}
		next = s.children[out[i]]
	}
}

// isBelow reports whether a lies below the account ancestorID.
func isBelow(a *account.Account, ancestorID string) bool {
	return slices.Contains(a.Ancestry[:len(a.Ancestry)-1], ancestorID)
}

// ListAccounts implements account.Store. Without ParentID or DescendantOf
// it walks the slug index from AfterSlug, so a page costs what it returns
// and skips; with them it sorts the children or the subtree.
func (s *Store) ListAccounts(ctx context.Context, f account.Filter) ([]*account.Account, error) {
	limit := limitOrAll(f.Limit)
	search := strings.ToLower(f.Search)
	keep := func(a *account.Account) bool {
		switch {
		case f.ParentID != nil && a.ParentID != *f.ParentID,
			f.DescendantOf != nil && !isBelow(a, *f.DescendantOf),
			f.Status != nil && a.Status != *f.Status,
			search != "" && !strings.Contains(a.SearchText(), search),
			a.Slug <= f.AfterSlug:
			return false
		}
		return true
	}
	var out []*account.Account
	err := s.read(ctx, func() error {
		if f.ParentID == nil && f.DescendantOf == nil {
			i, found := slices.BinarySearch(s.sorted, f.AfterSlug)
			if found {
				i++
			}
			for ; i < len(s.sorted) && len(out) < limit; i++ {
				if a := s.accounts[s.slugs[s.sorted[i]]]; keep(a) {
					out = append(out, copyAccount(a))
				}
			}
			return nil
		}
		var ids []string
		if f.ParentID != nil {
			ids = s.children[*f.ParentID]
		} else {
			ids = s.descendants(*f.DescendantOf)
		}
		var match []*account.Account
		for _, id := range ids {
			if a := s.accounts[id]; keep(a) {
				match = append(match, a)
			}
		}
		slices.SortFunc(match, func(a, b *account.Account) int { return strings.Compare(a.Slug, b.Slug) })
		for _, a := range match[:min(len(match), limit)] {
			out = append(out, copyAccount(a))
		}
		return nil
	})
	return out, err
}

// AccountAncestry implements account.Store.
func (s *Store) AccountAncestry(ctx context.Context, id string) ([]string, error) {
	var out []string
	err := s.read(ctx, func() error {
		a, ok := s.accounts[id]
		if !ok {
			return notFound("account")
		}
		out = slices.Clone(a.Ancestry)
		return nil
	})
	return out, err
}

// AccountSubtree implements account.Store. The IDs come breadth first: id,
// its children, their children, and so on.
func (s *Store) AccountSubtree(ctx context.Context, id string) ([]string, error) {
	var out []string
	err := s.read(ctx, func() error {
		if _, ok := s.accounts[id]; !ok {
			return notFound("account")
		}
		out = append([]string{id}, s.descendants(id)...)
		return nil
	})
	return out, err
}
