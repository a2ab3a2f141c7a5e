package seats

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/users"
)

// MaxBulk is the most seats one bulk removal may remove.
const MaxBulk = 500

// Scope tells what a Warning is about.
type Scope string

// The scopes.
const (
	// ScopePool is the main account's purchased seats, counted over the
	// whole tree.
	ScopePool Scope = "pool"
	// ScopeLimit is one account's seat limit, counted over that account.
	ScopeLimit Scope = "limit"
)

// Warning tells that seat usage crossed its warning threshold upward.
type Warning struct {
	Scope         Scope
	MainAccountID string
	// AccountID is the account whose limit warns; the main account for
	// ScopePool.
	AccountID string
	Assigned  int
	// Capacity is the purchased seats or the limit.
	Capacity int
	// ThresholdPercent is the usage that triggers the warning (85, 95 or
	// 97, see WarningPercent).
	ThresholdPercent int
	Time             time.Time
}

// Options configures a Service. Zero fields take the documented defaults.
type Options struct {
	// SeatRoles are the role keys that need a seat, e.g. a host-registered
	// "conversations_agent". A seat holder holding none of them, directly
	// or through a team, counts as inactive. When empty, a holder counts
	// as inactive only when holding no role at all.
	SeatRoles []string
	// InactiveAfter is how long without a sign-in makes a seat holder
	// inactive; zero means three calendar months.
	InactiveAfter time.Duration
	// OnWarning, when set, is called after the transaction that made usage
	// of the pool or of a limit cross its warning threshold upward. It
	// fires once per crossing: usage must fall below the threshold again
	// before it fires again. It runs on the caller's goroutine and must
	// not block for long.
	OnWarning func(ctx context.Context, w Warning)
}

// Deps is what the service needs from the installation.
type Deps struct {
	accountkit.Runtime
	Store Store
}

// Service manages seats. Every seat rule lives here.
type Service struct {
	store Store
	authz *security.Authorizer
	audit *audit.Recorder
	rt    accountkit.Runtime
	opts  Options
}

// NewService returns a seats Service. It fails when deps lack the Store or
// the Runtime's Events, or InactiveAfter is negative. It subscribes to
// users.Leaving: a user deleted or moved frees their seat (ReleaseUser),
// however the services were built.
func NewService(deps Deps, opts Options) (*Service, error) {
	rec, err := audit.NewRecorder(deps.Store, deps.Runtime)
	if err != nil {
		return nil, err
	}
	if opts.InactiveAfter < 0 {
		return nil, errors.New("seats: Options.InactiveAfter must not be negative")
	}
	rt, _ := deps.Runtime.WithDefaults()
	opts.SeatRoles = slices.Clone(opts.SeatRoles)
	s := &Service{store: deps.Store, authz: security.NewAuthorizer(deps.Store), audit: rec, rt: rt, opts: opts}
	accountkit.Subscribe(rt.Events, users.ReactionSeats, func(ctx context.Context, e users.Leaving) error {
		return s.ReleaseUser(ctx, e.User.ID, e.Reason)
	})
	return s, nil
}

// SeatRoles returns the role keys that need a seat.
func (s *Service) SeatRoles() []string { return slices.Clone(s.opts.SeatRoles) }

func (s *Service) now() time.Time { return s.rt.Now() }

// inactiveCutoff is the last-activity time before which a holder is
// inactive.
func (s *Service) inactiveCutoff() time.Time {
	if s.opts.InactiveAfter > 0 {
		return s.now().Add(-s.opts.InactiveAfter)
	}
	return s.now().AddDate(0, -3, 0)
}

func (s *Service) criteria() *InactiveCriteria {
	return &InactiveCriteria{Statuses: []users.Status{users.StatusDisabled}, ActiveBefore: s.inactiveCutoff(),
		EligibleRoles: slices.Clone(s.opts.SeatRoles)}
}

func principal(ctx context.Context) (*security.Principal, error) {
	p := security.PrincipalFrom(ctx)
	if p == nil {
		return nil, accountkit.Errorf(accountkit.Unauthenticated, "authentication required")
	}
	return p, nil
}

var (
	errUserNotFound    = accountkit.Errorf(accountkit.NotFound, "user not found")
	errNoSeat          = accountkit.Errorf(accountkit.NotFound, "the user holds no seat")
	errAccountNotFound = accountkit.Errorf(accountkit.NotFound, "account not found")
)

// userInTree loads a user and checks the principal holds perm in the
// user's account (security.Resolve). A user outside the principal's tree
// is NotFound.
func (s *Service) userInTree(ctx context.Context, perm security.Permission, id string) (*users.User, *security.Principal, error) {
	return security.Resolve(ctx, s.authz, perm, id, errUserNotFound, s.store.GetUser, func(u *users.User) string { return u.AccountID })
}

// mainOf returns the main account of accountID's tree.
func (s *Service) mainOf(ctx context.Context, accountID string) (string, error) {
	path, err := s.store.AccountAncestry(ctx, accountID)
	if err != nil {
		return "", err
	}
	return path[0], nil
}

// userMain resolves, before a change's transaction, the user it acts on:
// the tree check with perm, then the main account whose pool the
// transaction locks first (see lockPool). A user outside the principal's
// tree is refused here, so no tenant ever locks another's pool.
func (s *Service) userMain(ctx context.Context, perm security.Permission, userID string) (string, error) {
	u, _, err := s.userInTree(ctx, perm, userID)
	if err != nil {
		return "", err
	}
	return u.MainAccountID, nil
}

// accountMain is userMain for an account.
func (s *Service) accountMain(ctx context.Context, perm security.Permission, accountID string) (string, error) {
	if _, err := s.authz.Require(ctx, perm, accountID); err != nil {
		return "", err
	}
	return s.mainOf(ctx, accountID)
}

// lockPool locks the main account's pool. Every seat change calls it as
// the first statement of its transaction: on MariaDB (REPEATABLE READ) the
// snapshot of plain reads is taken at the first plain read, so reading
// anything before the lock would let counts miss seats committed by the
// previous holder of the lock. The target was resolved (userMain,
// accountMain) before the transaction.
func (s *Service) lockPool(ctx context.Context, main string) (*Pool, error) {
	return s.store.LockSeatPool(ctx, main, s.now())
}

// samePool checks that the target found after the lock belongs to the
// locked pool (it does unless the target appeared or moved meanwhile).
func samePool(pool *Pool, mainAccountID string, notFound error) error {
	if pool == nil || pool.MainAccountID != mainAccountID {
		return notFound
	}
	return nil
}

// change is one auditable seat change: its audit entry, the template of its
// seat log entry (for the failure record) and the warnings it raised.
type change struct {
	entry    *audit.Entry
	log      LogEntry
	failDesc string
	warnings []Warning
}

func newChange(action audit.Action, desc, fail string, ev Event) *change {
	return &change{
		entry: &audit.Entry{Item: audit.ItemSeat, Action: action, Description: desc, FailureDescription: fail},
		log:   LogEntry{Event: ev, Description: desc}, failDesc: fail,
	}
}

// target names the impacted user and account in both logs.
func (c *change) target(u *users.User, accountID string) {
	c.entry.AccountID, c.log.AccountID = accountID, accountID
	if u != nil {
		c.entry.TargetType, c.entry.TargetID, c.entry.TargetName = "user", u.ID, u.Username
		c.log.UserID, c.log.Username = u.ID, u.Username
	}
}

// run runs fn in a transaction that also records the audit event; on
// failure it records the failure in the audit log and the seat log, each in
// a transaction of its own. Warnings raised by fn fire after the commit.
func (s *Service) run(ctx context.Context, c *change, fn func(ctx context.Context) error) error {
	err := s.audit.Run(ctx, c.entry, func(ctx context.Context) error {
		c.warnings = c.warnings[:0] // the transaction may be retried
		return fn(ctx)
	})
	if err != nil {
		s.logFailure(ctx, c, err)
		return err
	}
	s.fire(ctx, c.warnings)
	return nil
}

// refused records a change refused before it reached the service (a
// malformed body), in both logs.
func (s *Service) refused(ctx context.Context, c *change, err error) {
	s.audit.RecordFailure(ctx, *c.entry, err)
	s.logFailure(ctx, c, err)
}

// writeLog stores a success entry of the seat log in the transaction of
// ctx.
func (s *Service) writeLog(ctx context.Context, mainAccountID string, e LogEntry) error {
	p := security.PrincipalFrom(ctx)
	e.ID, e.MainAccountID, e.Time, e.Status = s.rt.IDs.NewID(), mainAccountID, s.now(), StatusSuccess
	e.ActorID, e.ActorName = actor(p)
	return s.store.InsertSeatLogEntry(ctx, &e)
}

func actor(p *security.Principal) (string, string) {
	if p == nil {
		return "", "system"
	}
	return p.UserID, p.ActorName()
}

// logFailure writes a failure entry to the seat log, in the target's
// account when it lies in the principal's tree, else in the principal's own
// account without the target, so no tenant sees another's probes.
func (s *Service) logFailure(ctx context.Context, c *change, cause error) {
	p := security.PrincipalFrom(ctx)
	if p == nil {
		return
	}
	e := c.log
	if e.AccountID == "" || s.authz.InTree(ctx, e.AccountID) != nil {
		if p.System || p.AccountID == "" {
			return
		}
		e.AccountID, e.UserID, e.Username = p.AccountID, "", ""
	}
	ctx, cancel := s.rt.Detach(ctx)
	defer cancel()
	main, err := s.mainOf(ctx, e.AccountID)
	if err != nil {
		s.rt.Logger.WarnContext(ctx, "seats: failure not logged", "err", err)
		return
	}
	e.ID, e.MainAccountID, e.Time, e.Status = s.rt.IDs.NewID(), main, s.now(), StatusFailure
	e.ActorID, e.ActorName = actor(p)
	e.Description, e.Error = c.failDesc, accountkit.ErrorMessage(cause)
	if err := s.store.InTx(ctx, func(ctx context.Context) error { return s.store.InsertSeatLogEntry(ctx, &e) }); err != nil {
		s.rt.Logger.ErrorContext(ctx, "seats: logging failure failed", "err", err)
	}
}

// fire calls OnWarning for each warning, recovering from a panicking hook.
func (s *Service) fire(ctx context.Context, ws []Warning) {
	if s.opts.OnWarning == nil {
		return
	}
	for _, w := range ws {
		func() {
			defer func() {
				if v := recover(); v != nil {
					s.rt.Logger.ErrorContext(ctx, "seats: OnWarning panicked", "panic", v)
				}
			}()
			s.opts.OnWarning(ctx, w)
		}()
	}
}

// rearm brings the persisted warning state of the pool (and of lim, when
// not nil) in line with the usage, and returns the warnings that crossed
// upward. The pool lock is held.
func (s *Service) rearm(ctx context.Context, c *change, pool *Pool, assigned int, lim *Limit, limAssigned int) error {
	now := s.now()
	if w := Warns(assigned, pool.Purchased); w != pool.Warned {
		pool.Warned, pool.UpdatedAt = w, now
		if err := s.store.UpdateSeatPool(ctx, pool); err != nil {
			return err
		}
		if w {
			c.warnings = append(c.warnings, Warning{Scope: ScopePool, MainAccountID: pool.MainAccountID, AccountID: pool.MainAccountID,
				Assigned: assigned, Capacity: pool.Purchased, ThresholdPercent: WarningPercent(pool.Purchased), Time: now})
		}
	}
	if lim == nil {
		return nil
	}
	if w := Warns(limAssigned, lim.Limit); w != lim.Warned {
		lim.Warned, lim.UpdatedAt = w, now
		if err := s.store.PutSeatLimit(ctx, lim); err != nil {
			return err
		}
		if w {
			c.warnings = append(c.warnings, Warning{Scope: ScopeLimit, MainAccountID: lim.MainAccountID, AccountID: lim.AccountID,
				Assigned: limAssigned, Capacity: lim.Limit, ThresholdPercent: WarningPercent(lim.Limit), Time: now})
		}
	}
	return nil
}

// limitOf returns the account's limit, or nil when it has none.
func (s *Service) limitOf(ctx context.Context, accountID string) (*Limit, error) {
	l, err := s.store.GetSeatLimit(ctx, accountID)
	if accountkit.ErrorCode(err) == accountkit.NotFound {
		return nil, nil
	}
	return l, err
}

// Assign gives the user a seat. It requires PermSeatsManage in the user's
// account. The user must not be disabled nor hold a seat already; the tree
// must have a purchased seat left and the user's account must be below its
// limit, both checked against the pool's and the limit's counters by the
// statement that locks the pool's row, so parallel assignments never
// exceed either. Audited and logged in the seat log, failures too.
// Errors: Unauthenticated, NotFound (user unknown or outside the tree),
// Forbidden, Invalid (disabled user), Conflict (already holds a seat, or
// moved to another account during the assignment), LimitExceeded (no seat
// left, or the account's limit is reached).
//
// What needs no lock is read before the transaction: the user (tree,
// status, permission), its seat, the pool and the account's limit. The
// transaction writes the seat log entry, then takes the seat with one
// conditional statement (Store.TakeSeat) that also checks that nothing it
// relied on changed; only when that fails does it lock the pool and check
// again under the lock (assignLocked), which also finds the reason of a
// refusal.
func (s *Service) Assign(ctx context.Context, userID string) (*Seat, error) {
	c := newChange(audit.ActionAssign, "Seat assigned.", "Seat assignment failed.", EventAssigned)
	c.entry.TargetType, c.entry.TargetID = "user", userID
	u, p, pool, lim, err := s.assignReads(ctx, c, userID)
	if err != nil {
		s.refused(ctx, c, err)
		return nil, err
	}
	var seat *Seat
	err = s.run(ctx, c, func(ctx context.Context) error {
		by, byName := actor(p)
		seat = &Seat{UserID: u.ID, AccountID: u.AccountID, MainAccountID: u.MainAccountID, AssignedAt: s.now(), AssignedByID: by, AssignedByName: byName}
		// The seat log entry is written before the pool's lock is taken,
		// so the lock is held for fewer statements.
		if err := s.writeLog(ctx, u.MainAccountID, c.log); err != nil {
			return err
		}
		if pool != nil {
			pl := *pool
			var lm *Limit
			if lim != nil {
				l := *lim
				lm = &l
			}
			taken, err := s.store.TakeSeat(ctx, seat, &pl, lm)
			if err != nil {
				return seatConflict(err)
			}
			if taken {
				limAssigned := 0
				if lm != nil {
					limAssigned = lm.Assigned
				}
				return s.rearm(ctx, c, &pl, pl.Assigned, lm, limAssigned)
			}
		}
		return s.assignLocked(ctx, c, seat)
	})
	if err != nil {
		return nil, err
	}
	return seat, nil
}

// assignReads reads, before Assign's transaction, the user (refusing a
// user outside the tree, disabled or holding a seat), the acting principal,
// the pool (nil when the tree has none yet) and the account's limit (nil
// when it has none).
func (s *Service) assignReads(ctx context.Context, c *change, userID string) (*users.User, *security.Principal, *Pool, *Limit, error) {
	u, p, err := s.userInTree(ctx, security.PermSeatsManage, userID)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	c.target(u, u.AccountID)
	if err := checkAssignable(ctx, s.store, u); err != nil {
		return nil, nil, nil, nil, err
	}
	pool, err := s.store.GetSeatPool(ctx, u.MainAccountID)
	if accountkit.ErrorCode(err) == accountkit.NotFound {
		pool, err = nil, nil
	}
	if err != nil {
		return nil, nil, nil, nil, err
	}
	lim, err := s.limitOf(ctx, u.AccountID)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	return u, p, pool, lim, nil
}

// checkAssignable refuses a disabled user and a user holding a seat.
func checkAssignable(ctx context.Context, store Store, u *users.User) error {
	if u.Status == users.StatusDisabled {
		return accountkit.InvalidField("user_id", "the user is disabled; enable them before assigning a seat")
	}
	if _, err := store.GetSeat(ctx, u.ID); err == nil {
		return errHoldsSeat
	} else if accountkit.ErrorCode(err) != accountkit.NotFound {
		return err
	}
	return nil
}

var errHoldsSeat = &accountkit.Error{Code: accountkit.Conflict, Message: "user_id: the user already holds a seat",
	Fields: []accountkit.FieldError{{Field: "user_id", Message: "the user already holds a seat"}}}

// seatConflict returns errHoldsSeat for a store's Conflict on the seat.
func seatConflict(err error) error {
	if accountkit.ErrorCode(err) == accountkit.Conflict {
		return errHoldsSeat
	}
	return err
}

// assignLocked is Assign's path when Store.TakeSeat refused: it locks the
// pool, reads the user, the counters and the limit again under the lock,
// and either refuses with the reason or stores the seat.
func (s *Service) assignLocked(ctx context.Context, c *change, seat *Seat) error {
	pool, err := s.lockPool(ctx, seat.MainAccountID)
	if err != nil {
		return err
	}
	u, _, err := s.userInTree(ctx, security.PermSeatsManage, seat.UserID)
	if err != nil {
		return err
	}
	if err := samePool(pool, u.MainAccountID, errUserNotFound); err != nil {
		return err
	}
	if u.AccountID != seat.AccountID {
		return accountkit.Errorf(accountkit.Conflict, "the user moved to another account during the assignment; try again")
	}
	if err := checkAssignable(ctx, s.store, u); err != nil {
		return err
	}
	total := pool.Assigned
	if total >= pool.Purchased {
		return accountkit.Errorf(accountkit.LimitExceeded, "no seat left: %d of %d purchased seats are assigned", total, pool.Purchased)
	}
	lim, err := s.limitOf(ctx, u.AccountID)
	if err != nil {
		return err
	}
	inAccount := 0
	if lim != nil {
		inAccount = lim.Assigned
		if inAccount >= lim.Limit {
			return accountkit.Errorf(accountkit.LimitExceeded, "the account's seat limit is reached: %d of %d seats are assigned", inAccount, lim.Limit)
		}
	}
	if err := s.store.CreateSeat(ctx, seat); err != nil {
		return seatConflict(err)
	}
	return s.rearm(ctx, c, pool, total+1, lim, inAccount+1)
}

// Unassign takes the user's seat away. It requires PermSeatsManage in the
// user's account. Audited and logged. Errors: Unauthenticated, NotFound
// (user unknown or outside the tree, or holding no seat), Forbidden.
func (s *Service) Unassign(ctx context.Context, userID string) error {
	c := newChange(audit.ActionUnassign, "Seat removed.", "Seat removal failed.", EventUnassigned)
	c.entry.TargetType, c.entry.TargetID = "user", userID
	main, err := s.userMain(ctx, security.PermSeatsManage, userID)
	if err != nil {
		s.refused(ctx, c, err)
		return err
	}
	return s.run(ctx, c, func(ctx context.Context) error {
		pool, err := s.lockPool(ctx, main)
		if err != nil {
			return err
		}
		u, _, err := s.userInTree(ctx, security.PermSeatsManage, userID)
		if err != nil {
			return err
		}
		if err := samePool(pool, u.MainAccountID, errUserNotFound); err != nil {
			return err
		}
		c.target(u, u.AccountID)
		return s.release(ctx, c, pool, u)
	})
}

// release removes u's seat under the pool lock, logs it and re-arms the
// warnings. Errors: NotFound (no seat).
func (s *Service) release(ctx context.Context, c *change, pool *Pool, u *users.User) error {
	seat, err := s.store.GetSeat(ctx, u.ID)
	if err != nil {
		if accountkit.ErrorCode(err) == accountkit.NotFound {
			return errNoSeat
		}
		return err
	}
	c.target(u, seat.AccountID)
	if _, err := s.store.DeleteSeats(ctx, []string{u.ID}); err != nil {
		return err
	}
	if err := s.writeLog(ctx, seat.MainAccountID, c.log); err != nil {
		return err
	}
	return s.rearmAfterRemoval(ctx, c, pool, []string{seat.AccountID})
}

// rearmAfterRemoval recounts the pool and the limits of the accounts that
// lost seats and re-arms their warnings.
func (s *Service) rearmAfterRemoval(ctx context.Context, c *change, pool *Pool, accountIDs []string) error {
	counts, err := s.store.CountSeatsByAccount(ctx, pool.MainAccountID)
	if err != nil {
		return err
	}
	total := 0
	for _, n := range counts {
		total += n
	}
	if err := s.rearm(ctx, c, pool, total, nil, 0); err != nil {
		return err
	}
	slices.Sort(accountIDs)
	for _, id := range slices.Compact(accountIDs) {
		lim, err := s.limitOf(ctx, id)
		if err != nil {
			return err
		}
		if lim != nil {
			if err := s.rearm(ctx, c, pool, total, lim, counts[id]); err != nil {
				return err
			}
		}
	}
	return nil
}

// ReleaseUser frees the user's seat, if any, when the user leaves its
// account: the kit calls it from users.Options.OnUserLeaving, inside the
// transaction of users.Service.Delete and Move (reason "deleted" or
// "moved"). It requires the system principal or PermUsersManage in the
// user's account. Logged as "seat released" with the reason. Holding no
// seat is not an error. Errors: Unauthenticated, NotFound, Forbidden.
func (s *Service) ReleaseUser(ctx context.Context, userID, reason string) error {
	c := newChange(audit.ActionUnassign, "Seat released.", "Seat release failed.", EventReleased)
	c.entry.TargetType, c.entry.TargetID = "user", userID
	if reason != "" {
		c.entry.Details = map[string]string{"reason": reason}
	}
	main, err := s.userMain(ctx, security.PermUsersManage, userID)
	if err != nil {
		s.refused(ctx, c, err)
		return err
	}
	return s.run(ctx, c, func(ctx context.Context) error {
		pool, err := s.lockPool(ctx, main)
		if err != nil {
			return err
		}
		u, _, err := s.userInTree(ctx, security.PermUsersManage, userID)
		if err != nil {
			return err
		}
		if err := samePool(pool, u.MainAccountID, errUserNotFound); err != nil {
			return err
		}
		c.target(u, u.AccountID)
		err = s.release(ctx, c, pool, u)
		if err == errNoSeat { //nolint:errorlint // our own sentinel, never wrapped
			return nil
		}
		return err
	})
}

// BulkInput lists the users whose seats BulkUnassign removes.
type BulkInput struct {
	UserIDs []string `json:"user_ids"`
}

// BulkUnassign removes the seats of 1 to MaxBulk users at once, all or
// nothing. It requires PermSeatsManage in every user's account. Each
// removal is logged in the seat log; the audit log gets one "Bulk remove"
// event with the count. Errors: Unauthenticated, Invalid (empty, too many,
// duplicate or malformed IDs, a user holding no seat — the field names its
// index), NotFound (a user unknown or outside the tree), Forbidden.
func (s *Service) BulkUnassign(ctx context.Context, in BulkInput) (int, error) {
	c := s.bulkChange(ctx)
	removed := 0
	main, err := s.bulkMain(ctx, in.UserIDs)
	if err != nil {
		s.refused(ctx, c, err)
		return 0, err
	}
	err = s.run(ctx, c, func(ctx context.Context) error {
		removed = 0
		pool, err := s.lockPool(ctx, main)
		if err != nil {
			return err
		}
		list := make([]*users.User, len(in.UserIDs))
		checked := map[string]bool{}
		for i, id := range in.UserIDs {
			u, err := s.store.GetUser(ctx, id)
			if err != nil {
				if accountkit.ErrorCode(err) == accountkit.NotFound {
					return accountkit.Errorf(accountkit.NotFound, "user_ids[%d]: user not found", i)
				}
				return err
			}
			if !checked[u.AccountID] {
				if _, err := s.authz.Require(ctx, security.PermSeatsManage, u.AccountID); err != nil {
					if accountkit.ErrorCode(err) == accountkit.NotFound {
						return accountkit.Errorf(accountkit.NotFound, "user_ids[%d]: user not found", i)
					}
					return err
				}
				checked[u.AccountID] = true
			}
			if err := samePool(pool, u.MainAccountID, accountkit.InvalidField("user_ids", "the users must belong to one main account")); err != nil {
				return err
			}
			list[i] = u
		}
		c.entry.AccountID, c.log.AccountID = list[0].AccountID, list[0].AccountID
		holders, err := s.store.ListSeatHolders(ctx, HolderFilter{MainAccountID: main, UserIDs: in.UserIDs, Limit: MaxBulk})
		if err != nil {
			return err
		}
		seatOf := make(map[string]*Seat, len(holders))
		for _, h := range holders {
			seatOf[h.Seat.UserID] = h.Seat
		}
		var accountIDs []string
		for i, u := range list {
			seat := seatOf[u.ID]
			if seat == nil {
				return accountkit.InvalidField("user_ids["+strconv.Itoa(i)+"]", "the user holds no seat")
			}
			accountIDs = append(accountIDs, seat.AccountID)
		}
		if removed, err = s.store.DeleteSeats(ctx, in.UserIDs); err != nil {
			return err
		}
		for i, u := range list {
			e := c.log
			e.AccountID, e.UserID, e.Username = accountIDs[i], u.ID, u.Username
			if err := s.writeLog(ctx, main, e); err != nil {
				return err
			}
		}
		c.entry.Details = map[string]string{"count": strconv.Itoa(removed)}
		c.entry.TargetName = strconv.Itoa(removed) + " seats"
		return s.rearmAfterRemoval(ctx, c, pool, accountIDs)
	})
	if err != nil {
		return 0, err
	}
	return removed, nil
}

// bulkMain validates a bulk removal before its transaction and resolves
// its first user (see userMain); the others are checked under the lock.
func (s *Service) bulkMain(ctx context.Context, ids []string) (string, error) {
	if _, err := principal(ctx); err != nil {
		return "", err
	}
	if err := validateBulk(ids); err != nil {
		return "", err
	}
	main, err := s.userMain(ctx, security.PermSeatsManage, ids[0])
	if accountkit.ErrorCode(err) == accountkit.NotFound {
		return "", accountkit.Errorf(accountkit.NotFound, "user_ids[0]: user not found")
	}
	return main, err
}

func (s *Service) bulkChange(ctx context.Context) *change {
	c := newChange(audit.ActionBulkRemove, "Seats removed in bulk.", "Bulk seat removal failed.", EventBulkUnassigned)
	c.entry.TargetType = "seats"
	if p := security.PrincipalFrom(ctx); p != nil {
		c.entry.AccountID, c.log.AccountID = p.AccountID, p.AccountID
	}
	return c
}

func validateBulk(ids []string) error {
	if len(ids) == 0 {
		return accountkit.InvalidField("user_ids", "must list at least one user")
	}
	if len(ids) > MaxBulk {
		return accountkit.InvalidField("user_ids", "must list at most "+strconv.Itoa(MaxBulk)+" users")
	}
	seen := make(map[string]bool, len(ids))
	for i, id := range ids {
		field := "user_ids[" + strconv.Itoa(i) + "]"
		if !accountkit.ValidID(id) {
			return accountkit.InvalidField(field, "must be a user ID")
		}
		if seen[id] {
			return accountkit.InvalidField(field, "is listed twice")
		}
		seen[id] = true
	}
	return nil
}

// LimitInput sets an account's seat limit. Limit is required; remove a
// limit with RemoveLimit.
type LimitInput struct {
	Limit *int `json:"limit"`
}

// SetLimit sets or changes the seat limit of an account: the most seats the
// users of that account (not of its sub-accounts) may hold. It requires
// PermSeatsManage in an account above it — a sub-account's limit is set
// from above, never by the sub-account itself — or, for the main account's
// own optional limit, in the main account. The limit must lie between 0 and
// the purchased seats, and must not be below the seats already assigned in
// the account: lowering it under them is refused, so a limit always holds.
// Audited and logged. Errors: Unauthenticated, NotFound, Forbidden,
// Invalid, Conflict (below the assigned seats).
func (s *Service) SetLimit(ctx context.Context, accountID string, in LimitInput) (*Limit, error) {
	c := newChange(audit.ActionLimit, "Seat limit set.", "Setting seat limit failed.", EventLimitSet)
	c.target(nil, accountID)
	c.entry.TargetType, c.entry.TargetID = "account", accountID
	var out *Limit
	main, err := s.accountMain(ctx, security.PermSeatsManage, accountID)
	if err != nil {
		s.refused(ctx, c, err)
		return nil, err
	}
	err = s.run(ctx, c, func(ctx context.Context) error {
		pool, err := s.lockPool(ctx, main)
		if err != nil {
			return err
		}
		acc, err := s.limitAccount(ctx, accountID)
		if err != nil {
			return err
		}
		if err := samePool(pool, acc.MainID(), errAccountNotFound); err != nil {
			return err
		}
		c.entry.TargetName = acc.Name
		if in.Limit == nil {
			return accountkit.InvalidField("limit", "is required; remove a limit with DELETE")
		}
		n := *in.Limit
		c.entry.Details = map[string]string{"limit": strconv.Itoa(n)}
		if n < 0 || n > MaxSeats {
			return accountkit.InvalidField("limit", "must be between 0 and "+strconv.Itoa(MaxSeats))
		}
		c.log.NewValue = &n // only in range: the seat log stores it in an INT column
		if n > pool.Purchased {
			return accountkit.InvalidField("limit", "must not exceed the "+strconv.Itoa(pool.Purchased)+" purchased seats")
		}
		assigned, err := s.store.CountSeats(ctx, acc.MainID(), acc.ID)
		if err != nil {
			return err
		}
		if n < assigned {
			return &accountkit.Error{Code: accountkit.Conflict,
				Message: "limit: is below the " + strconv.Itoa(assigned) + " seats assigned in the account; remove seats first",
				Fields:  []accountkit.FieldError{{Field: "limit", Message: "is below the " + strconv.Itoa(assigned) + " seats assigned in the account"}}}
		}
		prev, err := s.limitOf(ctx, acc.ID)
		if err != nil {
			return err
		}
		out = &Limit{AccountID: acc.ID, MainAccountID: acc.MainID(), Limit: n, UpdatedAt: s.now()}
		if prev != nil {
			old := prev.Limit
			c.log.OldValue = &old
			c.entry.Details["old_limit"] = strconv.Itoa(old)
			out.Warned = prev.Warned
		}
		if err := s.store.PutSeatLimit(ctx, out); err != nil {
			return err
		}
		if err := s.writeLog(ctx, acc.MainID(), c.log); err != nil {
			return err
		}
		total, err := s.store.CountSeats(ctx, acc.MainID(), "")
		if err != nil {
			return err
		}
		return s.rearm(ctx, c, pool, total, out, assigned)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RemoveLimit removes an account's seat limit: it may then assign freely up
// to the purchased seats. Same permission rule as SetLimit. Audited and
// logged. Errors: Unauthenticated, NotFound (also when it has no limit),
// Forbidden.
func (s *Service) RemoveLimit(ctx context.Context, accountID string) error {
	c := newChange(audit.ActionLimit, "Seat limit removed.", "Removing seat limit failed.", EventLimitRemoved)
	c.target(nil, accountID)
	c.entry.TargetType, c.entry.TargetID = "account", accountID
	main, err := s.accountMain(ctx, security.PermSeatsManage, accountID)
	if err != nil {
		s.refused(ctx, c, err)
		return err
	}
	return s.run(ctx, c, func(ctx context.Context) error {
		pool, err := s.lockPool(ctx, main)
		if err != nil {
			return err
		}
		acc, err := s.limitAccount(ctx, accountID)
		if err != nil {
			return err
		}
		if err := samePool(pool, acc.MainID(), errAccountNotFound); err != nil {
			return err
		}
		c.entry.TargetName = acc.Name
		prev, err := s.limitOf(ctx, acc.ID)
		if err != nil {
			return err
		}
		if prev == nil {
			return accountkit.Errorf(accountkit.NotFound, "the account has no seat limit")
		}
		old := prev.Limit
		c.log.OldValue = &old
		c.entry.Details = map[string]string{"old_limit": strconv.Itoa(old)}
		if err := s.store.DeleteSeatLimit(ctx, acc.ID); err != nil {
			return err
		}
		return s.writeLog(ctx, acc.MainID(), c.log)
	})
}

// limitAccount checks the principal may set the account's limit and
// returns the account.
func (s *Service) limitAccount(ctx context.Context, accountID string) (*account.Account, error) {
	p, err := s.authz.Require(ctx, security.PermSeatsManage, accountID)
	if err != nil {
		return nil, err
	}
	acc, err := s.store.GetAccount(ctx, accountID)
	if err != nil {
		return nil, err
	}
	if !p.System && acc.ID == p.AccountID && !acc.IsMain() {
		return nil, accountkit.Errorf(accountkit.Forbidden, "a sub-account's seat limit is set from an account above it")
	}
	return acc, nil
}

// SetPurchased sets how many seats the main account's tree has purchased.
// Only the host's billing or operator code may do it, so it requires the
// system principal (security.AsSystem). Reducing it below the seats already
// assigned is allowed: no seat is taken away, new assignments are refused
// and the overview shows the over-allocation. Audited and logged.
// Errors: Unauthenticated, Forbidden, NotFound, Invalid (negative, above
// MaxSeats or not a main account).
func (s *Service) SetPurchased(ctx context.Context, mainAccountID string, purchased int) (*Pool, error) {
	c := newChange(audit.ActionUpdate, "Purchased seats changed.", "Changing purchased seats failed.", EventPurchasedChanged)
	c.target(nil, mainAccountID)
	c.entry.TargetType, c.entry.TargetID = "account", mainAccountID
	var pool *Pool
	err := s.run(ctx, c, func(ctx context.Context) error {
		p, err := principal(ctx)
		if err != nil {
			return err
		}
		if !p.System {
			return accountkit.Errorf(accountkit.Forbidden, "only the host application changes purchased seats")
		}
		if !accountkit.ValidID(mainAccountID) {
			return errAccountNotFound
		}
		// The pool lock comes first (see lockPool); for an unknown or
		// sub-account ID the transaction rolls back what it created.
		if pool, err = s.store.LockSeatPool(ctx, mainAccountID, s.now()); err != nil {
			return err
		}
		acc, err := s.store.GetAccount(ctx, mainAccountID)
		if err != nil {
			return err
		}
		c.entry.TargetName = acc.Name
		if !acc.IsMain() {
			return accountkit.InvalidField("account_id", "seats are purchased by a main account")
		}
		c.entry.Details = map[string]string{"purchased": strconv.Itoa(purchased)}
		if purchased < 0 || purchased > MaxSeats {
			return accountkit.InvalidField("purchased", "must be between 0 and "+strconv.Itoa(MaxSeats))
		}
		c.log.NewValue = &purchased // only in range: the seat log stores it in an INT column
		old := pool.Purchased
		c.log.OldValue = &old
		c.entry.Details["old_purchased"] = strconv.Itoa(old)
		pool.Purchased, pool.UpdatedAt = purchased, s.now()
		if err := s.store.UpdateSeatPool(ctx, pool); err != nil {
			return err
		}
		if err := s.writeLog(ctx, acc.ID, c.log); err != nil {
			return err
		}
		total, err := s.store.CountSeats(ctx, acc.ID, "")
		if err != nil {
			return err
		}
		return s.rearm(ctx, c, pool, total, nil, 0)
	})
	if err != nil {
		return nil, err
	}
	return pool, nil
}

// HoldsSeat reports whether the user holds a seat: the one call a host
// that gates its product on seats makes for the signed-in user
// (security.PrincipalFrom(ctx).UserID). A user may always ask about
// themselves; asking about another user requires PermSeatsManage in that
// user's account tree. Errors: Unauthenticated, NotFound (also a user of
// another tree), Forbidden.
func (s *Service) HoldsSeat(ctx context.Context, userID string) (_ bool, err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	p, err := principal(ctx)
	if err != nil {
		return false, err
	}
	if p.UserID == "" || p.UserID != userID {
		if _, _, err := s.userInTree(ctx, security.PermSeatsManage, userID); err != nil {
			return false, err
		}
	}
	_, err = s.store.GetSeat(ctx, userID)
	switch accountkit.ErrorCode(err) {
	case "":
		return true, nil
	case accountkit.NotFound:
		return false, nil
	default:
		return false, err
	}
}
