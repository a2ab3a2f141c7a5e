package memory

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/audit"
)

// auditLog holds the events of one main account twice over: by (Time, ID)
// for listing and by Seq for reading the chain. Events are appended in both
// orders in the common case, so inserting costs a binary search.
type auditLog struct {
	byTime []*audit.Event // ascending (Time, ID)
	bySeq  []*audit.Event // ascending Seq, unique
	// words holds each event's description words (accountkit.SearchWords),
	// cut once at insert, by event ID.
	words map[string][]string
}

// chainHead is the last position of a main account's chain.
type chainHead struct {
	seq  int64
	hash string
}

// copyEvent returns a deep copy of e with its time in UTC at microsecond
// precision. A nil Details stays nil.
func copyEvent(e *audit.Event) *audit.Event {
	c := *e
	c.Time = normTime(e.Time)
	c.Details = maps.Clone(e.Details)
	return &c
}

// compareTimeID orders events by (Time, ID) ascending.
func compareTimeID(e *audit.Event, tm time.Time, id string) int {
	if c := e.Time.Compare(tm); c != 0 {
		return c
	}
	return strings.Compare(e.ID, id)
}

func compareSeq(e *audit.Event, seq int64) int { return cmp.Compare(e.Seq, seq) }

// InsertAuditEvent implements audit.Store. Besides a taken ID, a taken
// chain position (the same Seq in the same main account) is a Conflict, as
// on the SQL adapters.
func (s *Store) InsertAuditEvent(ctx context.Context, e *audit.Event) error {
	return s.write(ctx, func(t *tx) error {
		if _, ok := s.eventIDs[e.ID]; ok {
			return conflict("audit event")
		}
		log := s.logs[e.MainAccountID]
		if log == nil {
			log = &auditLog{words: map[string][]string{}}
		}
		j, taken := slices.BinarySearchFunc(log.bySeq, e.Seq, compareSeq)
		if taken {
			return conflict("audit event")
		}
		c := copyEvent(e)
		i, _ := slices.BinarySearchFunc(log.byTime, c, func(x, c *audit.Event) int { return compareTimeID(x, c.Time, c.ID) })
		log.byTime = slices.Insert(log.byTime, i, c)
		log.bySeq = slices.Insert(log.bySeq, j, c)
		log.words[c.ID] = accountkit.SearchWords(c.Description)
		s.logs[c.MainAccountID] = log
		s.eventIDs[c.ID] = struct{}{}
		t.onRollback(func() {
			delete(s.eventIDs, c.ID)
			delete(log.words, c.ID)
			if i, ok := slices.BinarySearchFunc(log.byTime, c, func(x, c *audit.Event) int { return compareTimeID(x, c.Time, c.ID) }); ok {
				log.byTime = slices.Delete(log.byTime, i, i+1)
			}
			if j, ok := slices.BinarySearchFunc(log.bySeq, c.Seq, compareSeq); ok {
				log.bySeq = slices.Delete(log.bySeq, j, j+1)
			}
			if len(log.byTime) == 0 {
				delete(s.logs, c.MainAccountID)
			}
		})
		return nil
	})
}

// ListAuditEvents implements audit.Store. It finds the end of the page
// (the Before cursor or To, whichever comes first) by binary search and
// scans backwards until the page is full or From is passed, so a page costs
// what it returns and skips, not the size of the log.
func (s *Store) ListAuditEvents(ctx context.Context, f audit.Filter) ([]*audit.Event, error) {
	limit := limitOrAll(f.Limit)
	var accounts map[string]bool
	if f.AccountIDs != nil {
		accounts = make(map[string]bool, len(f.AccountIDs))
		for _, id := range f.AccountIDs {
			accounts[id] = true
		}
	}
	search := accountkit.SearchWords(f.Search)
	var out []*audit.Event
	err := s.read(ctx, func() error {
		log := s.logs[f.MainAccountID]
		if log == nil || accounts != nil && len(accounts) == 0 {
			return nil
		}
		list := log.byTime
		end := len(list)
		if f.Before != nil {
			// The first event at or after the cursor ends the page.
			end, _ = slices.BinarySearchFunc(list, f.Before, func(e *audit.Event, c *audit.Cursor) int {
				return compareTimeID(e, c.Time, c.ID)
			})
		}
		if f.To != nil {
			to, _ := slices.BinarySearchFunc(list[:end], *f.To, func(e *audit.Event, tm time.Time) int {
				if e.Time.Before(tm) {
					return -1
				}
				return 1
			})
			end = to
		}
		for i := end - 1; i >= 0 && len(out) < limit; i-- {
			e := list[i]
			if f.From != nil && e.Time.Before(*f.From) {
				break
			}
			switch {
			case accounts != nil && !accounts[e.AccountID],
				f.ActorID != nil && e.ActorID != *f.ActorID,
				f.ActorName != nil && e.ActorName != *f.ActorName,
				f.Item != nil && e.Item != *f.Item,
				f.Action != nil && e.Action != *f.Action,
				f.Status != nil && e.Status != *f.Status,
				!accountkit.MatchSearchWords(log.words[e.ID], search):
				continue
			}
			out = append(out, copyEvent(e))
		}
		return nil
	})
	return out, err
}

// LockAuditChain implements audit.Store. The transaction already holds the
// store's write lock, which serializes every writer; the head is created
// on first use (and removed again if the transaction rolls back).
func (s *Store) LockAuditChain(ctx context.Context, mainAccountID string) (int64, string, error) {
	t := s.txFrom(ctx)
	if t == nil {
		return 0, "", errTxNeeded
	}
	if t.ended.Load() {
		return 0, "", errTxEnded
	}
	h, ok := s.chains[mainAccountID]
	if !ok {
		h = &chainHead{}
		s.chains[mainAccountID] = h
		t.onRollback(func() { delete(s.chains, mainAccountID) })
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
		t.onRollback(func() { *h = prev })
		return nil
	})
}

// ListAuditChain implements audit.Store. A limit <= 0 means no limit, as
// for the other lists.
func (s *Store) ListAuditChain(ctx context.Context, mainAccountID string, afterSeq int64, limit int) ([]*audit.Event, error) {
	limit = limitOrAll(limit)
	var out []*audit.Event
	err := s.read(ctx, func() error {
		log := s.logs[mainAccountID]
		if log == nil {
			return nil
		}
		i, found := slices.BinarySearchFunc(log.bySeq, afterSeq, compareSeq)
		if found {
			i++
		}
		for _, e := range log.bySeq[i:min(len(log.bySeq), i+limit)] {
			out = append(out, copyEvent(e))
		}
		return nil
	})
	return out, err
}

// streamPage is how many events StreamAuditEvents reads under the read
// lock at a time: a slow consumer never holds up writers.
const streamPage = 1000

// StreamAuditEvents implements audit.Store, one page of events at a time.
func (s *Store) StreamAuditEvents(ctx context.Context, f audit.Filter, fn func(*audit.Event) error) error {
	return audit.StreamPages(ctx, s.ListAuditEvents, f, streamPage, fn)
}
