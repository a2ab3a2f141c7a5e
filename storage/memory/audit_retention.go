package memory

import (
	"context"
	"slices"
	"strings"

	"github.com/accountkit/accountkit/audit"
)

// retentionState holds the audit retentions and checkpoints.
type retentionState struct {
	settings    map[string]*audit.Retention    // by main account ID
	checkpoints map[string][]*audit.Checkpoint // by main account ID, ascending Seq
	cpIDs       map[string]struct{}
}

func (r *retentionState) init() {
	if r.settings == nil {
		r.settings = map[string]*audit.Retention{}
		r.checkpoints = map[string][]*audit.Checkpoint{}
		r.cpIDs = map[string]struct{}{}
	}
}

func copyCheckpoint(c *audit.Checkpoint) *audit.Checkpoint {
	x := *c
	x.Time = normTime(c.Time)
	x.Signature = slices.Clone(c.Signature)
	return &x
}

// GetAuditRetention implements audit.RetentionStore.
func (s *Store) GetAuditRetention(ctx context.Context, mainAccountID string) (*audit.Retention, error) {
	var out *audit.Retention
	err := s.read(ctx, func() error {
		r, ok := s.retention.settings[mainAccountID]
		if !ok {
			return notFound("audit retention")
		}
		c := *r
		out = &c
		return nil
	})
	return out, err
}

// PutAuditRetention implements audit.RetentionStore.
func (s *Store) PutAuditRetention(ctx context.Context, r *audit.Retention) error {
	return s.write(ctx, func(t *tx) error {
		s.retention.init()
		old, had := s.retention.settings[r.MainAccountID]
		c := *r
		c.UpdatedAt = normTime(r.UpdatedAt)
		s.retention.settings[r.MainAccountID] = &c
		t.onRollback(func() {
			if had {
				s.retention.settings[r.MainAccountID] = old
			} else {
				delete(s.retention.settings, r.MainAccountID)
			}
		})
		return nil
	})
}

// ListAuditRetentions implements audit.RetentionStore.
func (s *Store) ListAuditRetentions(ctx context.Context) ([]*audit.Retention, error) {
	var out []*audit.Retention
	err := s.read(ctx, func() error {
		for _, r := range s.retention.settings {
			if r.Days > 0 {
				c := *r
				out = append(out, &c)
			}
		}
		return nil
	})
	slices.SortFunc(out, func(a, b *audit.Retention) int { return strings.Compare(a.MainAccountID, b.MainAccountID) })
	return out, err
}

// InsertAuditCheckpoint implements audit.RetentionStore.
func (s *Store) InsertAuditCheckpoint(ctx context.Context, c *audit.Checkpoint) error {
	return s.write(ctx, func(t *tx) error {
		s.retention.init()
		if _, ok := s.retention.cpIDs[c.ID]; ok {
			return conflict("audit checkpoint")
		}
		list := s.retention.checkpoints[c.MainAccountID]
		i, taken := slices.BinarySearchFunc(list, c.Seq, func(x *audit.Checkpoint, seq int64) int { return compareInt(x.Seq, seq) })
		if taken {
			return conflict("audit checkpoint")
		}
		s.retention.checkpoints[c.MainAccountID] = slices.Insert(slices.Clone(list), i, copyCheckpoint(c))
		s.retention.cpIDs[c.ID] = struct{}{}
		t.onRollback(func() {
			delete(s.retention.cpIDs, c.ID)
			if list == nil {
				delete(s.retention.checkpoints, c.MainAccountID)
			} else {
				s.retention.checkpoints[c.MainAccountID] = list
			}
		})
		return nil
	})
}

func compareInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// ListAuditCheckpoints implements audit.RetentionStore.
func (s *Store) ListAuditCheckpoints(ctx context.Context, mainAccountID string, beforeSeq int64, limit int) ([]*audit.Checkpoint, error) {
	limit = limitOrAll(limit)
	var out []*audit.Checkpoint
	err := s.read(ctx, func() error {
		list := s.retention.checkpoints[mainAccountID]
		for i := len(list) - 1; i >= 0 && len(out) < limit; i-- {
			if beforeSeq > 0 && list[i].Seq >= beforeSeq {
				continue
			}
			out = append(out, copyCheckpoint(list[i]))
		}
		return nil
	})
	return out, err
}

// DeleteAuditEvents implements audit.RetentionStore. The deleted events
// leave both orders of the log and the search words; a rollback puts the
// old slices back.
func (s *Store) DeleteAuditEvents(ctx context.Context, mainAccountID string, throughSeq int64) (int64, error) {
	var n int64
	err := s.write(ctx, func(t *tx) error {
		log := s.logs[mainAccountID]
		if log == nil {
			return nil
		}
		j, found := slices.BinarySearchFunc(log.bySeq, throughSeq, compareSeq)
		if found {
			j++
		}
		if j == 0 {
			return nil
		}
		gone := log.bySeq[:j]
		ids := make(map[string]struct{}, j)
		for _, e := range gone {
			ids[e.ID] = struct{}{}
		}
		oldSeq, oldTime := log.bySeq, log.byTime
		words := make(map[string][]string, j)
		log.bySeq = slices.Clone(log.bySeq[j:])
		log.byTime = slices.DeleteFunc(slices.Clone(log.byTime), func(e *audit.Event) bool { _, ok := ids[e.ID]; return ok })
		for id := range ids {
			words[id] = log.words[id]
			delete(log.words, id)
			delete(s.eventIDs, id)
		}
		t.onRollback(func() {
			log.bySeq, log.byTime = oldSeq, oldTime
			for id, w := range words {
				log.words[id] = w
				s.eventIDs[id] = struct{}{}
			}
		})
		n = int64(j)
		return nil
	})
	return n, err
}
