// Package memory is the in-memory storage adapter: the embedded default and
// the fastest store for tests. It is a real adapter, held to the same
// conformance suite as the SQL ones.
//
// Transactions are real: InTx takes the store-wide write lock for the whole
// transaction, every write inside it records how to undo itself, and a
// failed or panicking transaction undoes them all. Reads outside a
// transaction take the read lock. Returned records are copies; callers
// cannot change stored state through them.
package memory

import (
	"context"
	"errors"
	"sort"
	"strings"
	"sync"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/storage"
)

// Store keeps everything in maps guarded by one lock.
type Store struct {
	mu     sync.RWMutex
	closed bool

	accounts map[string]*account.Account
	slugs    map[string]string // slug -> id

	events   map[string][]*audit.Event // by main account, sorted by (Time, ID)
	eventIDs map[string]bool
	chains   map[string]*chainHead
}

type chainHead struct {
	seq  int64
	hash string
}

var _ storage.Store = (*Store)(nil)

// New returns an empty Store.
func New() *Store {
	return &Store{
		accounts: map[string]*account.Account{},
		slugs:    map[string]string{},
		events:   map[string][]*audit.Event{},
		eventIDs: map[string]bool{},
		chains:   map[string]*chainHead{},
	}
}

// Close marks the store closed; later calls fail.
func (s *Store) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	return nil
}

// tx is the state of the transaction carried by a context.
type tx struct {
	store *Store
	undo  []func()
}

type txKey struct{}

func txFrom(ctx context.Context, s *Store) *tx {
	t, _ := ctx.Value(txKey{}).(*tx)
	if t != nil && t.store == s {
		return t
	}
	return nil
}

var errClosed = accountkit.Errorf(accountkit.Internal, "store closed")

// InTx implements accountkit.Transactor.
func (s *Store) InTx(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	if txFrom(ctx, s) != nil {
		return fn(ctx) // join the outer transaction
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errClosed
	}
	t := &tx{store: s}
	defer func() {
		if v := recover(); v != nil {
			t.rollback()
			panic(v)
		}
		if err != nil {
			t.rollback()
		}
	}()
	return fn(context.WithValue(ctx, txKey{}, t))
}

func (t *tx) rollback() {
	for i := len(t.undo) - 1; i >= 0; i-- {
		t.undo[i]()
	}
	t.undo = nil
}

// read runs fn under the read lock, or directly inside a transaction.
func (s *Store) read(ctx context.Context, fn func() error) error {
	if txFrom(ctx, s) != nil {
		return fn()
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return errClosed
	}
	return fn()
}

// write runs fn with a transaction: the caller's, or an implicit one.
func (s *Store) write(ctx context.Context, fn func(t *tx) error) error {
	if t := txFrom(ctx, s); t != nil {
		return fn(t)
	}
	return s.InTx(ctx, func(ctx context.Context) error { return fn(txFrom(ctx, s)) })
}

func notFound(what string) error { return accountkit.Errorf(accountkit.NotFound, "%s not found", what) }

func conflict(what string) error {
	return accountkit.Errorf(accountkit.Conflict, "%s already exists", what)
}

func copyAccount(a *account.Account) *account.Account {
	c := *a
	c.Ancestry = append([]string(nil), a.Ancestry...)
	return &c
}

func copyEvent(e *audit.Event) *audit.Event {
	c := *e
	if e.Details != nil {
		c.Details = make(map[string]string, len(e.Details))
		for k, v := range e.Details {
			c.Details[k] = v
		}
	}
	return &c
}

// CreateAccount implements account.Store.
func (s *Store) CreateAccount(ctx context.Context, a *account.Account) error {
	return s.write(ctx, func(t *tx) error {
		if _, ok := s.accounts[a.ID]; ok {
			return conflict("account")
		}
		if _, ok := s.slugs[a.Slug]; ok {
			return conflict("slug")
		}
		s.accounts[a.ID] = copyAccount(a)
		s.slugs[a.Slug] = a.ID
		t.undo = append(t.undo, func() { delete(s.accounts, a.ID); delete(s.slugs, a.Slug) })
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

// UpdateAccount implements account.Store.
func (s *Store) UpdateAccount(ctx context.Context, a *account.Account) error {
	return s.write(ctx, func(t *tx) error {
		old, ok := s.accounts[a.ID]
		if !ok {
			return notFound("account")
		}
		if id, ok := s.slugs[a.Slug]; ok && id != a.ID {
			return conflict("slug")
		}
		prev := copyAccount(old)
		next := copyAccount(old)
		next.Name, next.Slug, next.Status, next.UpdatedAt = a.Name, a.Slug, a.Status, a.UpdatedAt
		delete(s.slugs, prev.Slug)
		s.slugs[next.Slug] = next.ID
		s.accounts[a.ID] = next
		t.undo = append(t.undo, func() {
			delete(s.slugs, next.Slug)
			s.slugs[prev.Slug] = prev.ID
			s.accounts[prev.ID] = prev
		})
		return nil
	})
}

func isBelow(a *account.Account, ancestorID string) bool {
	for _, id := range a.Ancestry[:len(a.Ancestry)-1] {
		if id == ancestorID {
			return true
		}
	}
	return false
}

// ListAccounts implements account.Store.
func (s *Store) ListAccounts(ctx context.Context, f account.Filter) ([]*account.Account, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	search := strings.ToLower(f.Search)
	var out []*account.Account
	err := s.read(ctx, func() error {
		for _, a := range s.accounts {
			switch {
			case f.ParentID != nil && a.ParentID != *f.ParentID,
				f.DescendantOf != nil && !isBelow(a, *f.DescendantOf),
				f.Status != nil && a.Status != *f.Status,
				search != "" && !strings.Contains(a.SearchText(), search),
				f.AfterSlug != "" && a.Slug <= f.AfterSlug:
				continue
			}
			out = append(out, a)
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Slug < out[j].Slug })
		if len(out) > limit {
			out = out[:limit]
		}
		for i, a := range out {
			out[i] = copyAccount(a)
		}
		return nil
	})
	return out, err
}

// AccountAncestry implements account.Store and security.AccountTree.
func (s *Store) AccountAncestry(ctx context.Context, id string) ([]string, error) {
	var out []string
	err := s.read(ctx, func() error {
		a, ok := s.accounts[id]
		if !ok {
			return notFound("account")
		}
		out = append([]string(nil), a.Ancestry...)
		return nil
	})
	return out, err
}

// AccountSubtree implements account.Store.
func (s *Store) AccountSubtree(ctx context.Context, id string) ([]string, error) {
	var out []string
	err := s.read(ctx, func() error {
		if _, ok := s.accounts[id]; !ok {
			return notFound("account")
		}
		out = append(out, id)
		for _, a := range s.accounts {
			if isBelow(a, id) {
				out = append(out, a.ID)
			}
		}
		sort.Strings(out[1:])
		return nil
	})
	return out, err
}

// eventLess orders events by (Time, ID) ascending.
func eventLess(a, b *audit.Event) bool {
	if !a.Time.Equal(b.Time) {
		return a.Time.Before(b.Time)
	}
	return a.ID < b.ID
}

// InsertAuditEvent implements audit.Store.
func (s *Store) InsertAuditEvent(ctx context.Context, e *audit.Event) error {
	return s.write(ctx, func(t *tx) error {
		if s.eventIDs[e.ID] {
			return conflict("audit event")
		}
		for _, other := range s.events[e.MainAccountID] {
			if other.Seq == e.Seq && e.Seq != 0 {
				return conflict("audit chain position")
			}
		}
		c := copyEvent(e)
		c.Time = c.Time.UTC()
		list := s.events[e.MainAccountID]
		i := sort.Search(len(list), func(i int) bool { return eventLess(c, list[i]) })
		list = append(list, nil)
		copy(list[i+1:], list[i:])
		list[i] = c
		s.events[e.MainAccountID] = list
		s.eventIDs[e.ID] = true
		t.undo = append(t.undo, func() {
			l := s.events[c.MainAccountID]
			for j, x := range l {
				if x == c {
					s.events[c.MainAccountID] = append(l[:j], l[j+1:]...)
					break
				}
			}
			delete(s.eventIDs, c.ID)
		})
		return nil
	})
}

// ListAuditEvents implements audit.Store. It starts at the cursor (a binary
// search) and scans backwards, so a page costs what it skips, not the size
// of the log.
func (s *Store) ListAuditEvents(ctx context.Context, f audit.Filter) ([]*audit.Event, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	var ids map[string]bool
	if f.AccountIDs != nil {
		ids = make(map[string]bool, len(f.AccountIDs))
		for _, id := range f.AccountIDs {
			ids[id] = true
		}
	}
	search := strings.ToLower(f.Search)
	var out []*audit.Event
	err := s.read(ctx, func() error {
		list := s.events[f.MainAccountID]
		end := len(list)
		if f.Before != nil {
			cur := &audit.Event{Time: f.Before.Time, ID: f.Before.ID}
			end = sort.Search(len(list), func(i int) bool { return !eventLess(list[i], cur) })
		}
		if f.To != nil {
			to := *f.To
			if e := sort.Search(len(list), func(i int) bool { return !list[i].Time.Before(to) }); e < end {
				end = e
			}
		}
		for i := end - 1; i >= 0 && len(out) < limit; i-- {
			e := list[i]
			if f.From != nil && e.Time.Before(*f.From) {
				break
			}
			switch {
			case ids != nil && !ids[e.AccountID],
				f.ActorID != nil && e.ActorID != *f.ActorID,
				f.ActorName != nil && e.ActorName != *f.ActorName,
				f.Item != nil && e.Item != *f.Item,
				f.Action != nil && e.Action != *f.Action,
				f.Status != nil && e.Status != *f.Status,
				search != "" && !strings.Contains(strings.ToLower(e.Description), search):
				continue
			}
			out = append(out, copyEvent(e))
		}
		return nil
	})
	return out, err
}

// LockAuditChain implements audit.Store. The store-wide transaction lock
// already serializes writers; the head is created on first use.
func (s *Store) LockAuditChain(ctx context.Context, mainAccountID string) (int64, string, error) {
	t := txFrom(ctx, s)
	if t == nil {
		return 0, "", errors.New("memory: LockAuditChain needs a transaction")
	}
	h, ok := s.chains[mainAccountID]
	if !ok {
		h = &chainHead{}
		s.chains[mainAccountID] = h
		t.undo = append(t.undo, func() { delete(s.chains, mainAccountID) })
	}
	return h.seq, h.hash, nil
}

// AdvanceAuditChain implements audit.Store.
func (s *Store) AdvanceAuditChain(ctx context.Context, mainAccountID string, seq int64, hash string) error {
	return s.write(ctx, func(t *tx) error {
		h, ok := s.chains[mainAccountID]
		if !ok {
			return notFound("audit chain")
		}
		prev := *h
		h.seq, h.hash = seq, hash
		t.undo = append(t.undo, func() { *h = prev })
		return nil
	})
}

// ListAuditChain implements audit.Store.
func (s *Store) ListAuditChain(ctx context.Context, mainAccountID string, afterSeq int64, limit int) ([]*audit.Event, error) {
	if limit <= 0 {
		limit = 50
	}
	var out []*audit.Event
	err := s.read(ctx, func() error {
		for _, e := range s.events[mainAccountID] {
			if e.Seq > afterSeq {
				out = append(out, e)
			}
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
		if len(out) > limit {
			out = out[:limit]
		}
		for i, e := range out {
			out[i] = copyEvent(e)
		}
		return nil
	})
	return out, err
}
