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
