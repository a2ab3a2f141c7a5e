package audit

import (
	"context"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/security"
)

// Store is what the audit package needs from storage: the transactor, the
// account tree and the audit events. Adapters implement it; storagetest
// checks them.
type Store interface {
	accountkit.Transactor
	security.AccountTree
	Subtree
	// RetentionStore keeps retentions and checkpoints (retention.go).
	RetentionStore

	// InsertAuditEvent stores e. Errors: Conflict when e.ID, or e.Seq within
	// e.MainAccountID, exists.
	InsertAuditEvent(ctx context.Context, e *Event) error
	// ListAuditEvents returns the events matching f, newest first (by Time,
	// then ID, both descending), at most f.Limit of them.
	ListAuditEvents(ctx context.Context, f Filter) ([]*Event, error)
	// StreamAuditEvents calls fn with each event matching f, in the order
	// of ListAuditEvents, ignoring f.Limit; it stops at the first error fn
	// returns and returns it. The exports use it: the SQL stores read the
	// events through one cursor on PostgreSQL and MariaDB (fn runs while
	// that connection streams; it may use the store, which takes another
	// connection), in pages on SQLite and inside a transaction; the memory
	// store reads pages, so that writers are never held up by a slow
	// reader. fn must not keep the event after it returns.
	StreamAuditEvents(ctx context.Context, f Filter, fn func(*Event) error) error
	// LockAuditChain returns the sequence number and hash of the last event
	// of the main account's chain (0 and "" for an empty chain), creating the
	// chain head if needed, and locks it until the transaction in ctx ends.
	// It must be called inside a transaction.
	LockAuditChain(ctx context.Context, mainAccountID string) (seq int64, hash string, err error)
	// AdvanceAuditChain records the new last event of the chain. It must
	// follow LockAuditChain in the same transaction. Errors: NotFound.
	AdvanceAuditChain(ctx context.Context, mainAccountID string, seq int64, hash string) error
	// ListAuditChain returns the main account's events with Seq > afterSeq in
	// ascending Seq order, at most limit of them.
	ListAuditChain(ctx context.Context, mainAccountID string, afterSeq int64, limit int) ([]*Event, error)
}

// StreamPages implements StreamAuditEvents with list, which must behave as
// ListAuditEvents: it reads the events matching f in pages of size events,
// each page continuing after the last event of the previous one. Stores
// that cannot hold a cursor open while fn runs use it.
func StreamPages(ctx context.Context, list func(context.Context, Filter) ([]*Event, error), f Filter, size int, fn func(*Event) error) error {
	f.Limit = max(size, 1)
	for {
		events, err := list(ctx, f)
		if err != nil {
			return err
		}
		for _, e := range events {
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(events) < f.Limit {
			return nil
		}
		last := events[len(events)-1]
		f.Before = &Cursor{Time: last.Time, ID: last.ID}
	}
}

// WordsFirstStore is implemented by a Store that keeps an event's search
// words in rows of their own (the SQL stores). The Recorder then writes
// them, in the transaction of the event, before it locks the hash chain,
// since they depend on nothing the chain decides (the event's ID, main
// account and description are known before), and the event row after it
// without them, together with the chain's advance (AppendAuditEvent): the
// chain lock is held for fewer statements. A rollback removes all. A store that does not implement it (the memory store,
// which indexes words with the event) gets InsertAuditEvent.
type WordsFirstStore interface {
	// InsertAuditWords stores the search words of e's Description for e.ID
	// in e.MainAccountID, in the transaction carried by ctx.
	InsertAuditWords(ctx context.Context, e *Event) error
	// AppendAuditEvent stores e like InsertAuditEvent, except its search
	// words, which InsertAuditWords wrote before, and advances the chain
	// to e (AdvanceAuditChain(e.MainAccountID, e.Seq, e.Hash)). It must
	// follow LockAuditChain in the same transaction. Errors: Conflict,
	// NotFound (no chain).
	AppendAuditEvent(ctx context.Context, e *Event) error
}
