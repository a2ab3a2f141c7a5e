package memory

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/seats"
	"github.com/accountkit/accountkit/users"
)

var _ seats.Store = (*Store)(nil)

var errSeatTxNeeded = accountkit.Wrap(errors.New("memory: LockSeatPool called outside a transaction"), "storage error")

// seatsState is what the memory store keeps for seats.Store.
type seatsState struct {
	seatPools  map[string]*seats.Pool       // by main account ID
	seatLimits map[string]*seats.Limit      // by account ID
	seatsByID  map[string]*seats.Seat       // by user ID
	seatLog    map[string][]*seats.LogEntry // by main account ID, in insertion order
	seatLogIDs map[string]struct{}
	// seatsInTree and seatsInAccount are the assigned-seat counters
	// (seats.Pool.Assigned, seats.Limit.Assigned), by main account ID and
	// by account ID, kept by every write of seatsByID (addSeat, dropSeat).
	seatsInTree    map[string]int
	seatsInAccount map[string]int
}

func newSeatsState() seatsState {
	return seatsState{
		seatPools:  map[string]*seats.Pool{},
		seatLimits: map[string]*seats.Limit{},
		seatsByID:  map[string]*seats.Seat{},
		seatLog:    map[string][]*seats.LogEntry{},
		seatLogIDs: map[string]struct{}{},

		seatsInTree:    map[string]int{},
		seatsInAccount: map[string]int{},
	}
}

// pool returns a copy of p with its counter.
func (s *Store) pool(p *seats.Pool) *seats.Pool {
	c := *p
	c.UpdatedAt = normTime(p.UpdatedAt)
	c.Assigned = s.seatsInTree[p.MainAccountID]
	return &c
}

// limit returns a copy of l with its counter.
func (s *Store) limit(l *seats.Limit) *seats.Limit {
	c := *l
	c.UpdatedAt = normTime(l.UpdatedAt)
	c.Assigned = s.seatsInAccount[l.AccountID]
	return &c
}

func copyPool(p *seats.Pool) *seats.Pool {
	c := *p
	c.UpdatedAt = normTime(p.UpdatedAt)
	return &c
}

func copyLimit(l *seats.Limit) *seats.Limit {
	c := *l
	c.UpdatedAt = normTime(l.UpdatedAt)
	return &c
}

// addSeat stores st and counts it, undone on rollback.
func (s *Store) addSeat(t *tx, st *seats.Seat) {
	s.seatsByID[st.UserID] = copySeat(st)
	s.countSeat(t, st, 1)
	t.onRollback(func() { delete(s.seatsByID, st.UserID) })
}

// dropSeat removes the user's seat, if any, and uncounts it, undone on
// rollback; it reports whether there was one.
func (s *Store) dropSeat(t *tx, userID string) bool {
	st, ok := s.seatsByID[userID]
	if !ok {
		return false
	}
	delete(s.seatsByID, userID)
	s.countSeat(t, st, -1)
	t.onRollback(func() { s.seatsByID[userID] = st })
	return true
}

func (s *Store) countSeat(t *tx, st *seats.Seat, delta int) {
	s.seatsInTree[st.MainAccountID] += delta
	s.seatsInAccount[st.AccountID] += delta
	t.onRollback(func() {
		s.seatsInTree[st.MainAccountID] -= delta
		s.seatsInAccount[st.AccountID] -= delta
	})
}

func copySeat(s *seats.Seat) *seats.Seat {
	c := *s
	c.AssignedAt = normTime(s.AssignedAt)
	return &c
}

func copyIntPtr(p *int) *int {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func copyLogEntry(e *seats.LogEntry) *seats.LogEntry {
	c := *e
	c.Time = normTime(e.Time)
	c.OldValue, c.NewValue = copyIntPtr(e.OldValue), copyIntPtr(e.NewValue)
	return &c
}

// LockSeatPool implements seats.Store. Transactions are serialized by the
// store's lock, so the pool needs no lock of its own; it is created when
// absent.
func (s *Store) LockSeatPool(ctx context.Context, mainAccountID string, now time.Time) (*seats.Pool, error) {
	if s.txFrom(ctx) == nil {
		return nil, errSeatTxNeeded
	}
	var out *seats.Pool
	err := s.write(ctx, func(t *tx) error {
		p, ok := s.seatPools[mainAccountID]
		if !ok {
			p = &seats.Pool{MainAccountID: mainAccountID, UpdatedAt: normTime(now)}
			s.seatPools[mainAccountID] = p
			t.onRollback(func() { delete(s.seatPools, mainAccountID) })
		}
		out = s.pool(p)
		return nil
	})
	return out, err
}

// GetSeatPool implements seats.Store.
func (s *Store) GetSeatPool(ctx context.Context, mainAccountID string) (*seats.Pool, error) {
	var out *seats.Pool
	err := s.read(ctx, func() error {
		p, ok := s.seatPools[mainAccountID]
		if !ok {
			return notFound("seat pool")
		}
		out = s.pool(p)
		return nil
	})
	return out, err
}

// UpdateSeatPool implements seats.Store.
func (s *Store) UpdateSeatPool(ctx context.Context, p *seats.Pool) error {
	return s.write(ctx, func(t *tx) error {
		prev, ok := s.seatPools[p.MainAccountID]
		if !ok {
			return notFound("seat pool")
		}
		next := copyPool(prev)
		next.Purchased, next.Warned, next.UpdatedAt = p.Purchased, p.Warned, normTime(p.UpdatedAt)
		s.seatPools[p.MainAccountID] = next
		t.onRollback(func() { s.seatPools[p.MainAccountID] = prev })
		return nil
	})
}

// GetSeatLimit implements seats.Store.
func (s *Store) GetSeatLimit(ctx context.Context, accountID string) (*seats.Limit, error) {
	var out *seats.Limit
	err := s.read(ctx, func() error {
		l, ok := s.seatLimits[accountID]
		if !ok {
			return notFound("seat limit")
		}
		out = s.limit(l)
		return nil
	})
	return out, err
}

// PutSeatLimit implements seats.Store.
func (s *Store) PutSeatLimit(ctx context.Context, l *seats.Limit) error {
	return s.write(ctx, func(t *tx) error {
		prev, had := s.seatLimits[l.AccountID]
		s.seatLimits[l.AccountID] = copyLimit(l)
		t.onRollback(func() {
			if had {
				s.seatLimits[l.AccountID] = prev
			} else {
				delete(s.seatLimits, l.AccountID)
			}
		})
		return nil
	})
}

// DeleteSeatLimit implements seats.Store.
func (s *Store) DeleteSeatLimit(ctx context.Context, accountID string) error {
	return s.write(ctx, func(t *tx) error {
		prev, ok := s.seatLimits[accountID]
		if !ok {
			return notFound("seat limit")
		}
		delete(s.seatLimits, accountID)
		t.onRollback(func() { s.seatLimits[accountID] = prev })
		return nil
	})
}

// ListSeatLimits implements seats.Store.
func (s *Store) ListSeatLimits(ctx context.Context, mainAccountID string) ([]*seats.Limit, error) {
	out := []*seats.Limit{}
	err := s.read(ctx, func() error {
		for _, l := range s.seatLimits {
			if l.MainAccountID == mainAccountID {
				out = append(out, s.limit(l))
			}
		}
		return nil
	})
	slices.SortFunc(out, func(a, b *seats.Limit) int { return strings.Compare(a.AccountID, b.AccountID) })
	return out, err
}

// CreateSeat implements seats.Store.
func (s *Store) CreateSeat(ctx context.Context, st *seats.Seat) error {
	return s.write(ctx, func(t *tx) error {
		if _, ok := s.seatsByID[st.UserID]; ok {
			return conflict("seat")
		}
		s.addSeat(t, st)
		return nil
	})
}

// TakeSeat implements seats.Store. Transactions are serialized by the
// store's lock, so checking the conditions and adding the seat is atomic.
func (s *Store) TakeSeat(ctx context.Context, st *seats.Seat, pool *seats.Pool, lim *seats.Limit) (bool, error) {
	if s.txFrom(ctx) == nil {
		return false, errSeatTxNeeded
	}
	taken := false
	err := s.write(ctx, func(t *tx) error {
		p, ok := s.seatPools[st.MainAccountID]
		if !ok || p.Purchased != pool.Purchased || p.Warned != pool.Warned || s.seatsInTree[st.MainAccountID] >= p.Purchased {
			return nil
		}
		u, ok := s.users[st.UserID]
		if !ok || u.AccountID != st.AccountID || u.MainAccountID != st.MainAccountID || u.Status == users.StatusDisabled {
			return nil
		}
		l, hasLimit := s.seatLimits[st.AccountID]
		if hasLimit != (lim != nil) {
			return nil
		}
		if hasLimit && (l.Limit != lim.Limit || l.Warned != lim.Warned || s.seatsInAccount[st.AccountID] >= l.Limit) {
			return nil
		}
		if _, ok := s.seatsByID[st.UserID]; ok {
			return conflict("seat")
		}
		s.addSeat(t, st)
		pool.Assigned, taken = s.seatsInTree[st.MainAccountID], true
		if lim != nil {
			lim.Assigned = s.seatsInAccount[st.AccountID]
		}
		return nil
	})
	return taken, err
}

// GetSeat implements seats.Store.
func (s *Store) GetSeat(ctx context.Context, userID string) (*seats.Seat, error) {
	var out *seats.Seat
	err := s.read(ctx, func() error {
		st, ok := s.seatsByID[userID]
		if !ok {
			return notFound("seat")
		}
		out = copySeat(st)
		return nil
	})
	return out, err
}

// DeleteSeats implements seats.Store.
func (s *Store) DeleteSeats(ctx context.Context, userIDs []string) (int, error) {
	n := 0
	err := s.write(ctx, func(t *tx) error {
		for _, id := range userIDs {
			if s.dropSeat(t, id) {
				n++
			}
		}
		return nil
	})
	return n, err
}

// CountSeats implements seats.Store.
func (s *Store) CountSeats(ctx context.Context, mainAccountID, accountID string) (int, error) {
	n := 0
	err := s.read(ctx, func() error {
		for _, st := range s.seatsByID {
			if st.MainAccountID == mainAccountID && (accountID == "" || st.AccountID == accountID) {
				n++
			}
		}
		return nil
	})
	return n, err
}

// CountSeatsByAccount implements seats.Store.
func (s *Store) CountSeatsByAccount(ctx context.Context, mainAccountID string) (map[string]int, error) {
	out := map[string]int{}
	err := s.read(ctx, func() error {
		for _, st := range s.seatsByID {
			if st.MainAccountID == mainAccountID {
				out[st.AccountID]++
			}
		}
		return nil
	})
	return out, err
}

// matchHolders returns the stored seats and users matching f's filters
// (not its paging), unsorted. Seats whose user is gone are skipped, as
// the SQL adapters' join does.
func (s *Store) matchHolders(f seats.HolderFilter) []*seats.Holder {
	var accounts, userIDs map[string]bool
	if f.AccountIDs != nil {
		accounts = make(map[string]bool, len(f.AccountIDs))
		for _, id := range f.AccountIDs {
			accounts[id] = true
		}
	}
	if f.UserIDs != nil {
		userIDs = make(map[string]bool, len(f.UserIDs))
		for _, id := range f.UserIDs {
			userIDs[id] = true
		}
	}
	var out []*seats.Holder
	for _, st := range s.seatsByID {
		if st.MainAccountID != f.MainAccountID ||
			(accounts != nil && !accounts[st.AccountID]) || (userIDs != nil && !userIDs[st.UserID]) {
			continue
		}
		if f.AssignedFrom != nil && st.AssignedAt.Before(*f.AssignedFrom) || f.AssignedTo != nil && !st.AssignedAt.Before(*f.AssignedTo) {
			continue
		}
		u, ok := s.users[st.UserID]
		if !ok {
			continue
		}
		h := &seats.Holder{Seat: st, User: u, TeamRoles: s.teamRolesOf(u.ID)}
		if !holderMatches(h, f) {
			continue
		}
		out = append(out, h)
	}
	return out
}

func holderMatches(h *seats.Holder, f seats.HolderFilter) bool {
	u, roles := h.User, h.Roles()
	if f.Search != "" && !strings.Contains(u.SearchText(), f.Search) {
		return false
	}
	if f.Role != nil && !slices.Contains(roles, *f.Role) {
		return false
	}
	if f.LastLoginFrom != nil && (u.LastLoginAt == nil || u.LastLoginAt.Before(*f.LastLoginFrom)) {
		return false
	}
	if f.LastLoginTo != nil && (u.LastLoginAt == nil || !u.LastLoginAt.Before(*f.LastLoginTo)) {
		return false
	}
	if c := f.Inactive; c != nil {
		eligible := len(roles) > 0
		if len(c.EligibleRoles) > 0 {
			eligible = slices.ContainsFunc(roles, func(r string) bool { return slices.Contains(c.EligibleRoles, r) })
		}
		inactive := slices.Contains(c.Statuses, u.Status) || u.LastActivity().Before(c.ActiveBefore) || !eligible
		if !inactive {
			return false
		}
	}
	return true
}

func compareHolders(a, b *seats.Holder) int {
	return cmp.Or(strings.Compare(a.User.Username, b.User.Username), strings.Compare(a.User.ID, b.User.ID))
}

// ListSeatHolders implements seats.Store.
func (s *Store) ListSeatHolders(ctx context.Context, f seats.HolderFilter) ([]*seats.Holder, error) {
	out := []*seats.Holder{}
	err := s.read(ctx, func() error {
		match := s.matchHolders(f)
		if f.AfterUsername != "" || f.AfterID != "" {
			pivot := &seats.Holder{User: &users.User{Username: f.AfterUsername, ID: f.AfterID}}
			match = slices.DeleteFunc(match, func(h *seats.Holder) bool { return compareHolders(h, pivot) <= 0 })
		}
		slices.SortFunc(match, compareHolders)
		for _, h := range match[:min(len(match), limitOrAll(f.Limit))] {
			out = append(out, &seats.Holder{Seat: copySeat(h.Seat), User: copyUser(h.User), TeamRoles: slices.Clone(h.TeamRoles)})
		}
		return nil
	})
	return out, err
}

// CountSeatHolders implements seats.Store.
func (s *Store) CountSeatHolders(ctx context.Context, f seats.HolderFilter) (int, error) {
	n := 0
	err := s.read(ctx, func() error {
		n = len(s.matchHolders(f))
		return nil
	})
	return n, err
}

// InsertSeatLogEntry implements seats.Store.
func (s *Store) InsertSeatLogEntry(ctx context.Context, e *seats.LogEntry) error {
	return s.write(ctx, func(t *tx) error {
		if _, ok := s.seatLogIDs[e.ID]; ok {
			return conflict("seat log entry")
		}
		c := copyLogEntry(e)
		s.seatLogIDs[c.ID] = struct{}{}
		s.seatLog[c.MainAccountID] = append(s.seatLog[c.MainAccountID], c)
		t.onRollback(func() {
			delete(s.seatLogIDs, c.ID)
			list := s.seatLog[c.MainAccountID]
			if i := slices.Index(list, c); i >= 0 {
				s.seatLog[c.MainAccountID] = slices.Delete(list, i, i+1)
			}
		})
		return nil
	})
}

// newerLog orders log entries newest first: Time, then ID, descending.
func newerLog(a, b *seats.LogEntry) int {
	return cmp.Or(b.Time.Compare(a.Time), strings.Compare(b.ID, a.ID))
}

// ListSeatLog implements seats.Store.
func (s *Store) ListSeatLog(ctx context.Context, f seats.LogFilter) ([]*seats.LogEntry, error) {
	out := []*seats.LogEntry{}
	err := s.read(ctx, func() error {
		var accounts map[string]bool
		if f.AccountIDs != nil {
			accounts = map[string]bool{}
			for _, id := range f.AccountIDs {
				accounts[id] = true
			}
		}
		var match []*seats.LogEntry
		for _, e := range s.seatLog[f.MainAccountID] {
			switch {
			case accounts != nil && !accounts[e.AccountID],
				f.From != nil && e.Time.Before(*f.From),
				f.To != nil && !e.Time.Before(*f.To),
				f.Event != nil && e.Event != *f.Event,
				f.Status != nil && e.Status != *f.Status,
				f.UserID != nil && e.UserID != *f.UserID,
				f.Search != "" && !strings.Contains(e.SearchText(), f.Search),
				f.Before != nil && newerLog(e, &seats.LogEntry{Time: f.Before.Time, ID: f.Before.ID}) <= 0:
				continue
			}
			match = append(match, e)
		}
		slices.SortFunc(match, newerLog)
		for _, e := range match[:min(len(match), limitOrAll(f.Limit))] {
			out = append(out, copyLogEntry(e))
		}
		return nil
	})
	return out, err
}
