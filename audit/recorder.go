package audit

import (
	"context"
	"errors"
	"maps"
	"slices"
	"time"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/security"
)

// Entry is what a service tells the Recorder about an action. The actor,
// time, ID and chain fields are filled in by the Recorder.
type Entry struct {
	// AccountID is the account the action concerns.
	AccountID string
	Item      Item
	Action    Action
	// Description is recorded on success, FailureDescription on failure.
	Description        string
	FailureDescription string
	TargetType         string
	TargetID           string
	TargetName         string
	Details            map[string]string
}

// Recorder writes audit events. Services call Record inside the transaction
// of the change it describes, so both land or neither does, and
// RecordFailure after a refused change. Every service builds its own from
// its Deps; Recorders on one store share the hash chains.
type Recorder struct {
	store Store
	rt    accountkit.Runtime
}

// NewRecorder returns a Recorder writing to store. It fails when rt has no
// Events (see accountkit.Runtime.WithDefaults).
func NewRecorder(store Store, rt accountkit.Runtime) (*Recorder, error) {
	rt, err := rt.WithDefaults()
	if err != nil {
		return nil, err
	}
	if store == nil {
		return nil, errors.New("audit: a Store is required")
	}
	return &Recorder{store: store, rt: rt}, nil
}

// Record writes a success event for e in the transaction carried by ctx
// (or a transaction of its own when ctx carries none).
func (r *Recorder) Record(ctx context.Context, e Entry) error {
	return r.write(ctx, e, StatusSuccess, e.Description, nil, nil, nil)
}

// RecordFailureTx writes a failure event for e in the transaction carried
// by ctx, for failures whose side effects commit (a failed sign-in that
// counts toward lockout). The safe message and code of cause go into the
// details.
func (r *Recorder) RecordFailureTx(ctx context.Context, e Entry, cause error) error {
	desc := e.FailureDescription
	if desc == "" {
		desc = e.Description
	}
	return r.write(ctx, e, StatusFailure, desc, map[string]string{
		"error_code": string(accountkit.ErrorCode(cause)), "error": accountkit.ErrorMessage(cause)}, nil, nil)
}

// RecordFailure is the one way to audit a refused attempt: it writes a
// failure event for e in a transaction of its own (call it after the
// failed transaction has ended), attributed to the principal in ctx. The
// safe message and code of cause are kept in the event's details. The
// event goes into the target's account only when that lies in the actor's
// tree, else into the actor's own account, so no tenant sees another's
// probes. Recording finishes even when the caller has gone, within the
// Runtime's DetachTimeout. A failure to record is logged, not returned, so
// it never hides cause.
func (r *Recorder) RecordFailure(ctx context.Context, e Entry, cause error) {
	p := security.PrincipalFrom(ctx)
	if p == nil {
		return // nobody to attribute it to; authentication failures are recorded by the login flows
	}
	// Record in the target's account only when it lies in the actor's tree;
	// otherwise in the actor's own account, so no tenant sees another's probes.
	if e.AccountID == "" || !r.inTree(ctx, p, e.AccountID) {
		if p.System || p.AccountID == "" {
			r.rt.Logger.WarnContext(ctx, "audit: failure not recorded: no account", "item", e.Item, "action", e.Action, "code", accountkit.ErrorCode(cause))
			return
		}
		e.AccountID = p.AccountID
		e.TargetID = ""
		e.TargetName = ""
	}
	details := map[string]string{"error_code": string(accountkit.ErrorCode(cause)), "error": accountkit.ErrorMessage(cause)}
	desc := e.FailureDescription
	if desc == "" {
		desc = e.Description
	}
	dctx, cancel := r.rt.Detach(ctx)
	defer cancel()
	err := r.store.InTx(dctx, func(ctx context.Context) error {
		return r.write(ctx, e, StatusFailure, desc, details, nil, nil)
	})
	if err != nil {
		r.rt.Logger.ErrorContext(ctx, "audit: recording failure event failed", "item", e.Item, "action", e.Action, "err", err)
	}
}

// Run runs fn in a transaction and records e as a success in the same
// transaction; when fn (or recording) fails, it records e as a failure in a
// transaction of its own and returns fn's error. fn may fill in e's target
// fields as it learns them.
//
// When e's account is known before fn runs, its ancestry is read before
// the transaction, so that the transaction (which may hold a row lock such
// as a seat pool's by then) spends no statement on it; it is read again
// inside only when fn changed the account. With the ancestry it publishes
// Preparing, so that subscribers of Recorded (the webhooks outbox) read
// before the transaction too.
func (r *Recorder) Run(ctx context.Context, e *Entry, fn func(ctx context.Context) error) error {
	var path []string
	var prepared map[string]any
	account := e.AccountID
	if accountkit.ValidID(account) {
		path, _ = r.store.AccountAncestry(ctx, account) // on error, read again inside
	}
	if len(path) > 0 && accountkit.Subscribed[Preparing](r.rt.Events) {
		prepared = map[string]any{}
		// A subscriber's error only costs its read inside the transaction.
		_ = accountkit.Publish(ctx, r.rt.Events, Preparing{AccountID: account, Item: e.Item, Action: e.Action, Path: slices.Clone(path), values: prepared})
	}
	err := r.store.InTx(ctx, func(ctx context.Context) error {
		if err := fn(ctx); err != nil {
			return err
		}
		known, prep := path, prepared
		if e.AccountID != account {
			known, prep = nil, nil
		}
		return r.write(ctx, *e, StatusSuccess, e.Description, nil, known, prep)
	})
	if err != nil {
		r.RecordFailure(ctx, *e, err)
	}
	return err
}

func (r *Recorder) inTree(ctx context.Context, p *security.Principal, accountID string) bool {
	if !accountkit.ValidID(accountID) {
		return false
	}
	path, err := r.store.AccountAncestry(ctx, accountID)
	if err != nil {
		return false
	}
	return p.System || slices.Contains(path, p.AccountID)
}

// write records the event; path is e.AccountID's ancestry when the
// caller read it already, else nil; prepared is what subscribers of
// Preparing read for it, else nil.
//
// Under the hash chain's lock it runs only what depends on the chain: the
// event row and the chain's advance (and the subscribers of Recorded). A
// WordsFirstStore's search words are written before the lock, and its
// event row and chain advance in one call (one statement on PostgreSQL).
func (r *Recorder) write(ctx context.Context, e Entry, status Status, desc string, extra map[string]string, path []string, prepared map[string]any) error {
	if err := checkCatalogue(e.Item, e.Action, status, desc); err != nil {
		return err
	}
	return r.store.InTx(ctx, func(ctx context.Context) error {
		path := path
		if len(path) == 0 {
			var err error
			if path, err = r.store.AccountAncestry(ctx, e.AccountID); err != nil {
				return err
			}
		}
		ev := &Event{
			ID:            r.rt.IDs.NewID(),
			AccountID:     e.AccountID,
			MainAccountID: path[0],
			Time:          r.rt.Now().UTC().Truncate(time.Microsecond),
			Item:          e.Item,
			Action:        e.Action,
			Status:        status,
			Description:   desc,
			TargetType:    e.TargetType,
			TargetID:      e.TargetID,
			TargetName:    e.TargetName,
		}
		ev.Description = clip(ev.Description, MaxDescriptionLen)
		ev.TargetType = clip(ev.TargetType, MaxShortLen)
		ev.TargetID = clip(ev.TargetID, MaxShortLen)
		ev.TargetName = clip(ev.TargetName, MaxNameLen)
		ev.Item = Item(clip(string(ev.Item), MaxShortLen))
		ev.Action = Action(clip(string(ev.Action), MaxShortLen))
		if p := security.PrincipalFrom(ctx); p != nil {
			ev.ActorID = p.UserID
			ev.ActorName = p.ActorName()
			ev.ActorName = clip(ev.ActorName, MaxNameLen)
			ev.IP = clip(p.IP, MaxShortLen)
			ev.UserAgent = clip(p.UserAgent, MaxUserAgentLen)
		} else {
			ev.ActorName = "system"
		}
		if len(e.Details)+len(extra) > 0 {
			ev.Details = make(map[string]string, len(e.Details)+len(extra))
			keys := slices.Sorted(maps.Keys(e.Details))
			for _, k := range keys[:min(len(keys), maxDetails)] {
				ev.Details[clip(k, MaxShortLen)] = clip(e.Details[k], MaxDetailLen)
			}
			for k, v := range extra {
				ev.Details[k] = clip(v, MaxDetailLen)
			}
		}
		words, split := r.store.(WordsFirstStore)
		if split {
			if err := words.InsertAuditWords(ctx, ev); err != nil {
				return err
			}
		}
		seq, prev, err := r.store.LockAuditChain(ctx, ev.MainAccountID)
		if err != nil {
			return err
		}
		ev.Seq = seq + 1
		ev.PrevHash = prev
		ev.Hash = ev.ComputeHash()
		if split {
			if err := words.AppendAuditEvent(ctx, ev); err != nil {
				return err
			}
		} else {
			if err := r.store.InsertAuditEvent(ctx, ev); err != nil {
				return err
			}
			if err := r.store.AdvanceAuditChain(ctx, ev.MainAccountID, ev.Seq, ev.Hash); err != nil {
				return err
			}
		}
		// Subscribers (the webhooks outbox) write in this transaction: an
		// error of theirs aborts the change.
		return accountkit.Publish(ctx, r.rt.Events, Recorded{Event: *ev, Path: slices.Clone(path), Prepared: prepared})
	})
}

// Size limits of event fields, in bytes. The Recorder clips longer values
// (at a UTF-8 boundary) so that refused input of any size can be recorded.
const (
	MaxShortLen       = 64  // item, action, target type and ID, IP
	MaxNameLen        = 255 // actor and target names
	MaxUserAgentLen   = 512
	MaxDescriptionLen = 1024
	MaxDetailLen      = 512 // each details value
	maxDetails        = 16  // details kept from an Entry, by key order
)

func clip(s string, n int) string { return accountkit.Clip(s, n) }
