package audit

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/security"
)

// Audit retention (see docs/audit-retention.md). The events of a main
// account and its sub-accounts form one hash chain, so retention is a
// setting of the main account, the chain's owner: the purge deletes a
// prefix of the chain (its oldest events, whichever account of the tree
// they belong to) and leaves a signed Checkpoint in their place, from
// which Verify checks the rest. Deleting one sub-account's events from the
// middle of the chain could only be proven with a signed stand-in per
// deleted event; a prefix needs one.

// The bounds of a retention in days; 0 keeps events forever (the default).
const (
	MinRetentionDays = 30
	MaxRetentionDays = 3650
)

// RetentionMessage returns "" when days is a valid retention (0, or
// MinRetentionDays to MaxRetentionDays), else what is wrong, for the
// field's error.
func RetentionMessage(days int) string {
	if days == 0 || days >= MinRetentionDays && days <= MaxRetentionDays {
		return ""
	}
	return fmt.Sprintf("must be between %d and %d days, or 0 to keep events forever", MinRetentionDays, MaxRetentionDays)
}

// Retention is a main account's audit retention.
type Retention struct {
	MainAccountID string
	// Days > 0 makes the purge job delete events older than that many
	// days; 0 keeps them forever.
	Days      int
	UpdatedAt time.Time
}

// RetentionStore persists retentions and checkpoints, and deletes the
// purged events. It is part of Store.
type RetentionStore interface {
	// GetAuditRetention returns the main account's retention. Errors:
	// NotFound when it never saved one.
	GetAuditRetention(ctx context.Context, mainAccountID string) (*Retention, error)
	// PutAuditRetention inserts or replaces the main account's retention.
	PutAuditRetention(ctx context.Context, r *Retention) error
	// ListAuditRetentions returns every retention with Days > 0, ordered
	// by main account ID.
	ListAuditRetentions(ctx context.Context) ([]*Retention, error)
	// InsertAuditCheckpoint stores c. Errors: Conflict when c.ID, or c.Seq
	// within c.MainAccountID, exists.
	InsertAuditCheckpoint(ctx context.Context, c *Checkpoint) error
	// ListAuditCheckpoints returns the main account's checkpoints with
	// Seq < beforeSeq (all when beforeSeq <= 0), highest Seq first, at
	// most limit of them (all when limit <= 0).
	ListAuditCheckpoints(ctx context.Context, mainAccountID string, beforeSeq int64, limit int) ([]*Checkpoint, error)
	// DeleteAuditEvents deletes the main account's events with Seq <=
	// throughSeq (and what indexes them, such as their search words) and
	// returns how many it deleted.
	DeleteAuditEvents(ctx context.Context, mainAccountID string, throughSeq int64) (int64, error)
}

// Catalogue entries of retention (see Catalogue).
const (
	// ItemAuditLog is the item of events about the audit log itself.
	ItemAuditLog Item = "Audit log"
	// ActionPurge records events deleted by retention.
	ActionPurge Action = "Purge"
)

// retentionBatch is the default Options.RetentionBatch.
const retentionBatch = 1000

// PurgeRetention is the retention job: for every main account with a
// retention, it deletes the events older than the retention from the start
// of the chain, in batches of Options.RetentionBatch. Each batch is one
// transaction that holds the chain's lock, checks the links of the events
// it deletes (a chain already broken is not purged: that would hide the
// evidence), stores a Checkpoint signed with Options.CheckpointKey, deletes
// the events and records "Audit events purged by retention." as the system
// in the same chain. The chain is a prefix: an event is kept, and with it
// every later one, as soon as one is not older than the retention (events
// are near enough in time order for that to cost nothing). Without a
// CheckpointKey nothing is deleted and an error says why (unsigned
// deletion would make the chain unverifiable). It requires the system
// principal and returns how many events it deleted; an account that fails
// does not stop the others, and every failure is in the returned error.
func (s *Service) PurgeRetention(ctx context.Context) (int, error) {
	p := security.PrincipalFrom(ctx)
	if p == nil || !p.System {
		return 0, accountkit.Errorf(accountkit.Forbidden, "only the system runs the retention job")
	}
	list, err := s.store.ListAuditRetentions(ctx)
	if err != nil || len(list) == 0 {
		return 0, err
	}
	if s.keys.signer == nil {
		return 0, accountkit.Errorf(accountkit.Internal,
			"audit retention: %d main accounts have a retention but no checkpoint key is configured (audit.Options.CheckpointKey, kit.Options.Audit): no event deleted, since deleting without a signed checkpoint would make the hash chain unverifiable", len(list))
	}
	total := 0
	var errs []error
	for _, r := range list {
		if ctx.Err() != nil {
			errs = append(errs, ctx.Err())
			break
		}
		cutoff := s.rt.Now().UTC().AddDate(0, 0, -r.Days)
		for {
			n, more, err := s.purgeBatch(ctx, r, cutoff)
			total += n
			if err != nil {
				errs = append(errs, fmt.Errorf("audit retention of account %s: %w", r.MainAccountID, err))
				break
			}
			if !more {
				break
			}
		}
	}
	return total, errors.Join(errs...)
}

// purgeBatch deletes at most one batch of r's chain's events older than
// cutoff, and reports whether a full batch was deleted (more may follow).
func (s *Service) purgeBatch(ctx context.Context, r *Retention, cutoff time.Time) (int, bool, error) {
	main := r.MainAccountID
	var n int
	var more bool
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		n, more = 0, false
		if _, _, err := s.store.LockAuditChain(ctx, main); err != nil {
			return err
		}
		events, err := s.store.ListAuditChain(ctx, main, 0, s.opts.RetentionBatch)
		if err != nil {
			return err
		}
		k := 0
		for k < len(events) && events[k].Time.Before(cutoff) {
			k++
		}
		if k == 0 {
			return nil
		}
		prev, err := s.store.ListAuditCheckpoints(ctx, main, 0, 1)
		if err != nil {
			return err
		}
		seq, hash := int64(0), ""
		if len(prev) > 0 {
			seq, hash = prev[0].Seq, prev[0].Hash
		}
		for _, e := range events[:k] {
			switch {
			case e.Seq != seq+1:
				return accountkit.Errorf(accountkit.Internal, "the chain is broken at %d (event missing): not purged", seq+1)
			case e.PrevHash != hash || e.ComputeHash() != e.Hash:
				return accountkit.Errorf(accountkit.Internal, "the chain is broken at %d (hash mismatch): not purged", e.Seq)
			}
			seq, hash = e.Seq, e.Hash
		}
		cp := &Checkpoint{ID: s.rt.IDs.NewID(), MainAccountID: main, Seq: seq, Hash: hash, Count: int64(k),
			Time: s.rt.Now().UTC().Truncate(time.Microsecond)}
		if err := s.keys.sign(cp); err != nil {
			return err
		}
		if err := s.store.InsertAuditCheckpoint(ctx, cp); err != nil {
			return err
		}
		deleted, err := s.store.DeleteAuditEvents(ctx, main, seq)
		if err != nil {
			return err
		}
		if deleted != int64(k) {
			return accountkit.Errorf(accountkit.Internal, "deleted %d events, expected %d", deleted, k)
		}
		n, more = k, k == len(events)
		return s.recorder.Record(ctx, Entry{AccountID: main, Item: ItemAuditLog, Action: ActionPurge,
			Description: "Audit events purged by retention.", TargetType: "account", TargetID: main,
			Details: map[string]string{
				"count": strconv.Itoa(k), "first_seq": strconv.FormatInt(seq-int64(k)+1, 10),
				"through_seq": strconv.FormatInt(seq, 10), "retention_days": strconv.Itoa(r.Days),
				"checkpoint_id": cp.ID, "key_id": cp.KeyID,
			}})
	})
	if err != nil {
		return 0, false, err
	}
	return n, more, nil
}

// CheckpointQuery selects a page of a chain's checkpoints.
type CheckpointQuery struct {
	// AccountID is any account of the tree; default the principal's.
	AccountID string
	Cursor    string
	Limit     int
}

// CheckpointPage is a page of checkpoints, newest first, with the keys
// that verify them.
type CheckpointPage struct {
	Checkpoints []*Checkpoint
	NextCursor  string
	// Keys are the installation's trusted public keys.
	Keys []TrustedKey
}

// Checkpoints lists the retention checkpoints of the chain of the main
// account that q.AccountID belongs to, newest first, with the trusted
// public keys, so that anyone can verify them (docs/audit-retention.md).
// It requires PermAuditRead in the main account, as Verify. Errors:
// Unauthenticated, NotFound, Forbidden, Invalid.
func (s *Service) Checkpoints(ctx context.Context, q CheckpointQuery) (*CheckpointPage, error) {
	main, err := s.chainOwner(ctx, q.AccountID)
	if err != nil {
		return nil, err
	}
	var v accountkit.Validation
	limit, after := v.Page(accountkit.PageRequest{Limit: q.Limit, Cursor: q.Cursor})
	var before int64
	if after != nil {
		n, err := strconv.ParseInt(after.Key, 10, 64)
		if err != nil || n <= 0 {
			v.BadCursor()
		}
		before = n
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	list, err := s.store.ListAuditCheckpoints(ctx, main, before, limit+1)
	if err != nil {
		return nil, err
	}
	page := &CheckpointPage{Keys: s.TrustedKeys()}
	page.Checkpoints, page.NextCursor = accountkit.NextPage(list, limit, func(c *Checkpoint) accountkit.Cursor {
		return accountkit.Cursor{Key: strconv.FormatInt(c.Seq, 10), ID: c.ID}
	})
	return page, nil
}

// TrustedKeys returns the public keys Verify accepts checkpoints from: the
// signing key's first, then Options.TrustedCheckpointKeys.
func (s *Service) TrustedKeys() []TrustedKey {
	return append([]TrustedKey(nil), s.keys.trusted...)
}

// chainOwner returns the main account of accountID's tree (default: the
// principal's account) after checking PermAuditRead on it.
func (s *Service) chainOwner(ctx context.Context, accountID string) (string, error) {
	p := security.PrincipalFrom(ctx)
	if p == nil {
		return "", accountkit.Errorf(accountkit.Unauthenticated, "authentication required")
	}
	if accountID == "" {
		accountID = p.AccountID
	}
	if err := s.authz.InTree(ctx, accountID); err != nil {
		return "", err
	}
	main, err := s.mainOf(ctx, accountID)
	if err != nil {
		return "", err
	}
	if _, err := s.authz.Require(ctx, security.PermAuditRead, main); err != nil {
		return "", err
	}
	return main, nil
}
