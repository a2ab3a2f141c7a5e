package reports

import (
	"context"
	"io"
	"strconv"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/users"
)

// Safe messages of failed reports.
const (
	msgNoAccess = "the requester may no longer export this data"
	msgFailed   = "the report could not be generated"
)

// RunPending claims and runs up to Options.Batch reports that wait
// (pending, or running without progress for Options.Stale), one after
// the other, and returns how many it ran. A claim is a conditional update
// in the store, so two runners (replicas) never run one report at the
// same time. Each run streams the export into the BlobStore, saving
// progress after each batch of rows, and ends done ("Report generated"
// recorded, as the system acting for the requester) or failed with a
// safe message ("Report generation failed"). It is the kit's reports
// job; ctx must carry the system principal (kit's jobs do).
func (s *Service) RunPending(ctx context.Context) (int, error) {
	now := s.rt.Now()
	list, err := s.store.ListRunnableReports(ctx, now.Add(-s.opts.Stale), s.opts.Batch)
	if err != nil {
		return 0, err
	}
	ran := 0
	for _, r := range list {
		if ctx.Err() != nil {
			break
		}
		now := s.rt.Now()
		ok, err := s.store.ClaimReport(ctx, r.ID, r.Attempt, now, now.Add(-s.opts.Stale))
		if err != nil {
			return ran, err
		}
		if !ok {
			continue
		}
		r.Attempt++
		r.Status = StatusRunning
		if err := s.run(ctx, r); err != nil {
			return ran, err
		}
		ran++
	}
	return ran, nil
}

// requester rebuilds the principal of q as it would be now. A user must
// exist, not be disabled or invited, and belong to an enabled account (a
// locked user may still: anyone can lock a user with wrong passwords);
// an API key must still authenticate. Errors: Unauthenticated when the
// requester may no longer act.
func (s *Service) requester(ctx context.Context, q Requester) (*security.Principal, error) {
	gone := accountkit.Errorf(accountkit.Unauthenticated, "requester may no longer act")
	switch {
	case q.APIKeyID != "":
		if s.apikeys == nil {
			return nil, gone
		}
		return s.apikeys.Principal(ctx, q.APIKeyID)
	case q.UserID != "":
		u, err := s.store.GetUser(ctx, q.UserID)
		if err != nil {
			return nil, accountkit.Answer(err, gone)
		}
		if u.Status != users.StatusActive {
			return nil, gone
		}
		enabled, err := account.PathEnabled(ctx, s.store, u.AccountID)
		if err != nil {
			return nil, accountkit.Answer(err, gone)
		}
		if !enabled {
			return nil, gone
		}
		perms, err := s.users.EffectivePermissions(ctx, u)
		if err != nil {
			return nil, err
		}
		return &security.Principal{UserID: u.ID, Username: u.Username, AccountID: u.AccountID, Permissions: perms}, nil
	}
	return &security.Principal{System: true}, nil
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// run writes claimed report r and saves its outcome. It returns only the
// errors that should stop the pass (saving the outcome failed).
func (s *Service) run(ctx context.Context, r *Report) error {
	key := r.ID + "/" + strconv.Itoa(r.Attempt)
	p, err := s.requester(ctx, r.Requester)
	var write users.ExportFunc
	if err == nil {
		write, err = s.writer(security.WithPrincipal(ctx, p), r)
	}
	if err != nil {
		return s.fail(ctx, r, key, err, false)
	}
	rctx := security.WithPrincipal(ctx, p)
	pr, pw := io.Pipe()
	put := make(chan error, 1)
	go func() {
		err := s.opts.Blobs.Put(ctx, key, pr)
		if err != nil {
			pr.CloseWithError(err)
		} else {
			pr.Close()
		}
		put <- err
	}()
	cw := &countingWriter{w: pw}
	lost := false
	rows, werr := write(rctx, cw, func(rows int) {
		ok, err := s.store.UpdateReportProgress(ctx, r.ID, r.Attempt, int64(rows), cw.n, s.rt.Now())
		if err == nil && !ok {
			lost = true // deleted or claimed again: the rest is wasted, but harmless
		}
	})
	pw.CloseWithError(werr)
	perr := <-put
	if werr == nil {
		werr = perr
	}
	if werr != nil || lost {
		if err := s.opts.Blobs.Delete(context.WithoutCancel(ctx), key); err != nil {
			s.rt.Logger.ErrorContext(ctx, "reports: deleting a failed report's content failed", "report", r.ID, "err", err)
		}
		if lost {
			return nil
		}
		return s.fail(ctx, r, key, werr, true)
	}
	now := s.rt.Now()
	expires := now.Add(s.opts.Expiry)
	e := entry(r.AccountID, audit.ActionCreate, r)
	e.Details = map[string]string{"requested_by": r.Requester.Name, "rows": strconv.Itoa(rows), "size": strconv.FormatInt(cw.n, 10)}
	done := false
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		ok, err := s.store.FinishReport(ctx, Finish{ID: r.ID, Attempt: r.Attempt, Status: StatusDone, Rows: int64(rows), Size: cw.n,
			BlobKey: key, At: now, ExpiresAt: &expires})
		if err != nil || !ok {
			return err
		}
		done = true
		return s.rec.Record(system(ctx), e)
	})
	if err != nil || !done {
		if derr := s.opts.Blobs.Delete(context.WithoutCancel(ctx), key); derr != nil {
			s.rt.Logger.ErrorContext(ctx, "reports: deleting an unsaved report's content failed", "report", r.ID, "err", derr)
		}
	}
	return err
}

// system returns ctx acting as the system (for the report's requester).
func system(ctx context.Context) context.Context { return security.AsSystem(ctx) }

// fail marks r failed with a safe message and records the failure. An
// accountkit error of the requester's access (Unauthenticated, NotFound,
// Forbidden) from before the export started means the requester lost
// access; any other error is logged and reported generically.
func (s *Service) fail(ctx context.Context, r *Report, key string, cause error, started bool) error {
	msg := msgFailed
	switch accountkit.ErrorCode(cause) {
	case accountkit.Unauthenticated, accountkit.NotFound, accountkit.Forbidden:
		if !started {
			msg = msgNoAccess
		}
	}
	if msg == msgFailed {
		s.rt.Logger.ErrorContext(ctx, "reports: report failed", "report", r.ID, "kind", r.Kind, "err", cause)
	}
	e := entry(r.AccountID, audit.ActionCreate, r)
	e.Details = map[string]string{"requested_by": r.Requester.Name, "error": msg}
	safe := accountkit.Errorf(accountkit.Forbidden, "%s", msg)
	if msg == msgFailed {
		safe = accountkit.Errorf(accountkit.Internal, "%s", msg)
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		ok, err := s.store.FinishReport(ctx, Finish{ID: r.ID, Attempt: r.Attempt, Status: StatusFailed, Error: msg, At: s.rt.Now()})
		if err != nil || !ok {
			return err
		}
		return s.rec.RecordFailureTx(system(ctx), e, safe)
	})
}

// PurgeExpired deletes the content of the reports past their expiry and
// marks them expired (their rows stay, listed as expired, until deleted),
// and returns how many it purged. It is the kit's report purge job.
func (s *Service) PurgeExpired(ctx context.Context) (int, error) {
	n := 0
	for {
		list, err := s.store.ListExpiredReports(ctx, s.rt.Now(), purgeBatch)
		if err != nil {
			return n, err
		}
		for _, r := range list {
			if r.BlobKey != "" {
				if err := s.opts.Blobs.Delete(ctx, r.BlobKey); err != nil {
					return n, err
				}
			}
			ok, err := s.store.ExpireReport(ctx, r.ID, s.rt.Now())
			if err != nil {
				return n, err
			}
			if ok {
				n++
			}
		}
		if len(list) < purgeBatch {
			return n, nil
		}
	}
}
