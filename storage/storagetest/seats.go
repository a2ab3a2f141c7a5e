package storagetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/seats"
	"github.com/accountkit/accountkit/storage"
	"github.com/accountkit/accountkit/users"
)

func testSeats(t *testing.T, h Harness) {
	runAll(t, h, []subtest{
		{name: "PoolLockCreates", run: testSeatPoolLockCreates},
		{name: "PoolLockNeedsTx", run: testSeatPoolLockNeedsTx},
		{name: "PoolUpdate", run: testSeatPoolUpdate},
		{name: "PoolRollback", run: testSeatPoolRollback},
		{name: "Limits", run: testSeatLimits},
		{name: "SeatCreateGetDelete", run: testSeatCreateGetDelete},
		{name: "SeatCounts", run: testSeatCounts},
		{name: "HolderFilters", run: testSeatHolderFilters},
		{name: "HolderInactive", run: testSeatHolderInactive},
		{name: "HolderTeamRoles", run: testSeatHolderTeamRoles},
		{name: "HolderPagination", run: testSeatHolderPagination},
		{name: "HolderUserGone", run: testSeatHolderUserGone},
		{name: "LogInsertList", run: testSeatLogInsertList},
		{name: "LogPagination", run: testSeatLogPagination},
		{name: "AnotherTreeSeesNothing", run: testSeatAnotherTree},
		{name: "RollbackLeavesNothing", run: testSeatRollback},
		{name: "ConcurrentLockedCount", run: testSeatConcurrentLockedCount},
		{name: "Counters", run: testSeatCounters},
		{name: "CountersRace", run: testSeatCountersRace},
	})
}

// newSeat returns a seat of u assigned at(n), not yet stored.
func newSeat(u *users.User, n int) *seats.Seat {
	return &seats.Seat{UserID: u.ID, AccountID: u.AccountID, MainAccountID: u.MainAccountID, AssignedAt: at(n),
		AssignedByID: newID(), AssignedByName: "manager"}
}

func mustCreateSeat(t testing.TB, s storage.Store, list ...*seats.Seat) {
	t.Helper()
	for _, st := range list {
		require.NoError(t, s.CreateSeat(ctx(), st))
	}
}

func lockPool(t testing.TB, s storage.Store, mainID string) *seats.Pool {
	t.Helper()
	var p *seats.Pool
	inTx(t, s, func(ctx context.Context) error {
		var err error
		p, err = s.LockSeatPool(ctx, mainID, at(5))
		return err
	})
	return p
}

func holderNames(t testing.TB, s storage.Store, f seats.HolderFilter) []string {
	t.Helper()
	list, err := s.ListSeatHolders(ctx(), f)
	require.NoError(t, err)
	out := make([]string, len(list))
	for i, h := range list {
		out[i] = h.User.Username
		require.Equal(t, h.Seat.UserID, h.User.ID)
	}
	return out
}

func testSeatPoolLockCreates(t *testing.T, s storage.Store) {
	main := newMain("seats-pool")
	mustCreate(t, s, main)
	_, err := s.GetSeatPool(ctx(), main.ID)
	requireCode(t, accountkit.NotFound, err)

	p := lockPool(t, s, main.ID)
	assert.Equal(t, main.ID, p.MainAccountID)
	assert.Zero(t, p.Purchased)
	assert.False(t, p.Warned)
	requireUTC(t, at(5), p.UpdatedAt, "UpdatedAt")

	// A second lock returns the stored pool, not a new one.
	inTx(t, s, func(ctx context.Context) error {
		p.Purchased, p.UpdatedAt = 7, at(6)
		return s.UpdateSeatPool(ctx, p)
	})
	again := lockPool(t, s, main.ID)
	assert.Equal(t, 7, again.Purchased)
	requireUTC(t, at(6), again.UpdatedAt, "UpdatedAt")
}

func testSeatPoolLockNeedsTx(t *testing.T, s storage.Store) {
	main := newMain("seats-pool-tx")
	mustCreate(t, s, main)
	_, err := s.LockSeatPool(ctx(), main.ID, at(0))
	require.Error(t, err)
	_, err = s.GetSeatPool(ctx(), main.ID)
	requireCode(t, accountkit.NotFound, err, "nothing created outside a transaction")
}

func testSeatPoolUpdate(t *testing.T, s storage.Store) {
	main := newMain("seats-pool-update")
	mustCreate(t, s, main)
	requireCode(t, accountkit.NotFound, s.UpdateSeatPool(ctx(), &seats.Pool{MainAccountID: main.ID, Purchased: 3, UpdatedAt: at(1)}))
	lockPool(t, s, main.ID)
	local := time.FixedZone("UTC+2", 2*3600)
	require.NoError(t, s.UpdateSeatPool(ctx(), &seats.Pool{MainAccountID: main.ID, Purchased: 42, Warned: true, UpdatedAt: at(9).In(local)}))
	got, err := s.GetSeatPool(ctx(), main.ID)
	require.NoError(t, err)
	assert.Equal(t, 42, got.Purchased)
	assert.True(t, got.Warned)
	requireUTC(t, at(9), got.UpdatedAt, "UpdatedAt")
	// Updating with unchanged values is not NotFound (MySQL counts changed rows).
	require.NoError(t, s.UpdateSeatPool(ctx(), got))
}

func testSeatPoolRollback(t *testing.T, s storage.Store) {
	main := newMain("seats-pool-rollback")
	mustCreate(t, s, main)
	boom := errors.New("boom")
	err := s.InTx(ctx(), func(ctx context.Context) error {
		if _, err := s.LockSeatPool(ctx, main.ID, at(0)); err != nil {
			return err
		}
		return boom
	})
	require.ErrorIs(t, err, boom)
	_, err = s.GetSeatPool(ctx(), main.ID)
	requireCode(t, accountkit.NotFound, err)
}

func testSeatLimits(t *testing.T, s storage.Store) {
	tr := mustTree(t, s, "seats-limits")
	other := newMain("seats-limits-other")
	mustCreate(t, s, other)
	_, err := s.GetSeatLimit(ctx(), tr.a.ID)
	requireCode(t, accountkit.NotFound, err)
	requireCode(t, accountkit.NotFound, s.DeleteSeatLimit(ctx(), tr.a.ID))

	for _, l := range []*seats.Limit{
		{AccountID: tr.b.ID, MainAccountID: tr.main.ID, Limit: 5, UpdatedAt: at(1)},
		{AccountID: tr.a.ID, MainAccountID: tr.main.ID, Limit: 0, Warned: true, UpdatedAt: at(2)},
		{AccountID: other.ID, MainAccountID: other.ID, Limit: 9, UpdatedAt: at(3)},
	} {
		require.NoError(t, s.PutSeatLimit(ctx(), l))
	}
	got, err := s.GetSeatLimit(ctx(), tr.a.ID)
	require.NoError(t, err)
	assert.Equal(t, 0, got.Limit)
	assert.True(t, got.Warned)
	assert.Equal(t, tr.main.ID, got.MainAccountID)
	requireUTC(t, at(2), got.UpdatedAt, "UpdatedAt")

	// Put replaces.
	require.NoError(t, s.PutSeatLimit(ctx(), &seats.Limit{AccountID: tr.a.ID, MainAccountID: tr.main.ID, Limit: 12, UpdatedAt: at(4)}))
	got, err = s.GetSeatLimit(ctx(), tr.a.ID)
	require.NoError(t, err)
	assert.Equal(t, 12, got.Limit)
	assert.False(t, got.Warned)
	requireUTC(t, at(4), got.UpdatedAt, "UpdatedAt")

	list, err := s.ListSeatLimits(ctx(), tr.main.ID)
	require.NoError(t, err)
	require.Len(t, list, 2)
	want := []string{tr.a.ID, tr.b.ID}
	if want[0] > want[1] {
		want[0], want[1] = want[1], want[0]
	}
	assert.Equal(t, want, []string{list[0].AccountID, list[1].AccountID}, "ordered by account ID")

	require.NoError(t, s.DeleteSeatLimit(ctx(), tr.a.ID))
	_, err = s.GetSeatLimit(ctx(), tr.a.ID)
	requireCode(t, accountkit.NotFound, err)
	list, err = s.ListSeatLimits(ctx(), tr.main.ID)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, tr.b.ID, list[0].AccountID)

	list, err = s.ListSeatLimits(ctx(), newID())
	require.NoError(t, err)
	assert.Empty(t, list)
}

func testSeatCreateGetDelete(t *testing.T, s storage.Store) {
	main := newMain("seats-crud")
	mustCreate(t, s, main)
	alice, bob := newUser(main, "alice"), newUser(main, "bob")
	mustCreateUser(t, s, alice, bob)
	_, err := s.GetSeat(ctx(), alice.ID)
	requireCode(t, accountkit.NotFound, err)

	st := newSeat(alice, 3)
	st.AssignedAt = at(3).Add(123 * time.Nanosecond).In(time.FixedZone("UTC-5", -5*3600)) // nanoseconds are dropped
	mustCreateSeat(t, s, st)
	requireCode(t, accountkit.Conflict, s.CreateSeat(ctx(), newSeat(alice, 4)), "one seat per user")

	got, err := s.GetSeat(ctx(), alice.ID)
	require.NoError(t, err)
	requireUTC(t, at(3), got.AssignedAt, "AssignedAt")
	w := *st
	w.AssignedAt = got.AssignedAt
	assert.Equal(t, w, *got)

	mustCreateSeat(t, s, newSeat(bob, 5))
	n, err := s.DeleteSeats(ctx(), []string{alice.ID, newID(), alice.ID})
	require.NoError(t, err)
	assert.Equal(t, 1, n, "missing users ignored")
	_, err = s.GetSeat(ctx(), alice.ID)
	requireCode(t, accountkit.NotFound, err)
	_, err = s.GetSeat(ctx(), bob.ID)
	require.NoError(t, err)
	n, err = s.DeleteSeats(ctx(), nil)
	require.NoError(t, err)
	assert.Zero(t, n)
}

func testSeatCounts(t *testing.T, s storage.Store) {
	tr := mustTree(t, s, "seats-counts")
	a1, a2, b1 := newUser(tr.a, "a1"), newUser(tr.a, "a2"), newUser(tr.b, "b1")
	m1 := newUser(tr.main, "m1")
	mustCreateUser(t, s, a1, a2, b1, m1)
	mustCreateSeat(t, s, newSeat(a1, 1), newSeat(a2, 2), newSeat(b1, 3), newSeat(m1, 4))

	cases := []struct {
		account string
		want    int
	}{{"", 4}, {tr.a.ID, 2}, {tr.b.ID, 1}, {tr.main.ID, 1}, {tr.a1.ID, 0}}
	for _, c := range cases {
		n, err := s.CountSeats(ctx(), tr.main.ID, c.account)
		require.NoError(t, err)
		assert.Equal(t, c.want, n, "account %q", c.account)
	}
	n, err := s.CountSeats(ctx(), newID(), "")
	require.NoError(t, err)
	assert.Zero(t, n)

	by, err := s.CountSeatsByAccount(ctx(), tr.main.ID)
	require.NoError(t, err)
	assert.Equal(t, map[string]int{tr.a.ID: 2, tr.b.ID: 1, tr.main.ID: 1}, by)
	by, err = s.CountSeatsByAccount(ctx(), newID())
	require.NoError(t, err)
	assert.Empty(t, by)
}

// seatFixture: main with alice (roles agent, loggedin at(100)) and bob
// (no role, never signed in, disabled); sub with carol (agent+admin, last
// login at(10)) and dave (admin, no seat); another tree with eve.
type seatFixture struct {
	main, sub, other *account.Account
}

func mustSeatFixture(t testing.TB, s storage.Store, prefix string) seatFixture {
	t.Helper()
	f := seatFixture{main: newMain(prefix), other: newMain(prefix + "-other")}
	f.sub = newSub(f.main, prefix+"-sub")
	mustCreate(t, s, f.main, f.sub, f.other)
	alice := newUser(f.main, "alice")
	alice.Roles, alice.LastLoginAt = []string{"agent"}, ptr(at(100))
	bob := newUser(f.main, "bob")
	bob.Status = users.StatusDisabled
	carol := newUser(f.sub, "carol")
	carol.Roles, carol.LastLoginAt, carol.FirstName = []string{"admin", "agent"}, ptr(at(10)), "Éloïse"
	dave := newUser(f.sub, "dave")
	dave.Roles = []string{"admin"}
	eve := newUser(f.other, "eve")
	eve.Roles = []string{"agent"}
	mustCreateUser(t, s, alice, bob, carol, dave, eve)
	mustCreateSeat(t, s, newSeat(alice, 1), newSeat(bob, 2), newSeat(carol, 3), newSeat(eve, 4))
	return f
}

var disabled = []users.Status{users.StatusDisabled}

func testSeatHolderFilters(t *testing.T, s storage.Store) {
	f := mustSeatFixture(t, s, "seats-holders")
	m := f.main.ID
	cases := []struct {
		name   string
		filter seats.HolderFilter
		want   []string
	}{
		{"tree", seats.HolderFilter{MainAccountID: m}, []string{"alice", "bob", "carol"}},
		{"main only", seats.HolderFilter{MainAccountID: m, AccountIDs: []string{f.main.ID}}, []string{"alice", "bob"}},
		{"sub only", seats.HolderFilter{MainAccountID: m, AccountIDs: []string{f.sub.ID}}, []string{"carol"}},
		{"no accounts", seats.HolderFilter{MainAccountID: m, AccountIDs: []string{}}, []string{}},
		{"user ids", seats.HolderFilter{MainAccountID: m, UserIDs: []string{newID()}}, []string{}},
		{"search", seats.HolderFilter{MainAccountID: m, Search: "éloïse"}, []string{"carol"}},
		{"search literal", seats.HolderFilter{MainAccountID: m, Search: "%"}, []string{}},
		{"role", seats.HolderFilter{MainAccountID: m, Role: ptr("agent")}, []string{"alice", "carol"}},
		{"role admin", seats.HolderFilter{MainAccountID: m, Role: ptr("admin")}, []string{"carol"}},
		{"last login from", seats.HolderFilter{MainAccountID: m, LastLoginFrom: ptr(at(10))}, []string{"alice", "carol"}},
		{"last login from excl", seats.HolderFilter{MainAccountID: m, LastLoginFrom: ptr(at(11))}, []string{"alice"}},
		{"last login to", seats.HolderFilter{MainAccountID: m, LastLoginTo: ptr(at(100))}, []string{"carol"}},
		{"assigned from", seats.HolderFilter{MainAccountID: m, AssignedFrom: ptr(at(2))}, []string{"bob", "carol"}},
		{"assigned to", seats.HolderFilter{MainAccountID: m, AssignedTo: ptr(at(2))}, []string{"alice"}},
		{"other tree", seats.HolderFilter{MainAccountID: f.other.ID}, []string{"eve"}},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, holderNames(t, s, c.filter), c.name)
		n, err := s.CountSeatHolders(ctx(), c.filter)
		require.NoError(t, err)
		assert.Equal(t, len(c.want), n, c.name)
	}
	// Holders carry the user's roles and the seat.
	list, err := s.ListSeatHolders(ctx(), seats.HolderFilter{MainAccountID: m, Role: ptr("admin")})
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, []string{"admin", "agent"}, list[0].User.Roles)
	assert.Equal(t, f.sub.ID, list[0].Seat.AccountID)
	requireUTC(t, at(3), list[0].Seat.AssignedAt, "AssignedAt")
	// A user ID filter selects exactly those.
	names := holderNames(t, s, seats.HolderFilter{MainAccountID: m, UserIDs: []string{list[0].User.ID}})
	assert.Equal(t, []string{"carol"}, names)
}

func testSeatHolderInactive(t *testing.T, s storage.Store) {
	f := mustSeatFixture(t, s, "seats-inactive")
	m := f.main.ID
	cases := []struct {
		name     string
		criteria seats.InactiveCriteria
		want     []string
	}{
		// bob is disabled; alice signed in at(100); carol at(10).
		{"disabled only", seats.InactiveCriteria{Statuses: disabled, ActiveBefore: at(0), EligibleRoles: []string{"agent"}}, []string{"bob"}},
		{"by last login", seats.InactiveCriteria{Statuses: disabled, ActiveBefore: at(50), EligibleRoles: []string{"agent"}}, []string{"bob", "carol"}},
		{"all old", seats.InactiveCriteria{Statuses: disabled, ActiveBefore: at(101), EligibleRoles: []string{"agent"}}, []string{"alice", "bob", "carol"}},
		{"no eligible role", seats.InactiveCriteria{Statuses: disabled, ActiveBefore: at(0), EligibleRoles: []string{"admin"}}, []string{"alice", "bob"}},
		{"no role at all", seats.InactiveCriteria{Statuses: disabled, ActiveBefore: at(0)}, []string{"bob"}},
	}
	for _, c := range cases {
		crit := c.criteria
		filter := seats.HolderFilter{MainAccountID: m, Inactive: &crit}
		assert.Equal(t, c.want, holderNames(t, s, filter), c.name)
		n, err := s.CountSeatHolders(ctx(), filter)
		require.NoError(t, err)
		assert.Equal(t, len(c.want), n, c.name)
	}
}

// testSeatHolderTeamRoles checks that roles held through teams count as
// the user's own for the role filter and for seat eligibility, and that
// holders carry them.
func testSeatHolderTeamRoles(t *testing.T, s storage.Store) {
	f := mustSeatFixture(t, s, "seats-teamroles")
	m := f.main.ID
	// frank holds no role directly, but "agent" through a team of the main
	// account; gina holds "viewer" directly and through a roleless team.
	frank := newUser(f.main, "frank")
	gina := newUser(f.main, "gina")
	gina.Roles = []string{"viewer"}
	mustCreateUser(t, s, frank, gina)
	mustCreateSeat(t, s, newSeat(frank, 5), newSeat(gina, 6))
	agents := newTeam(f.main, "Agents")
	agents.Roles = []string{"agent", "supervisor"}
	empty := newTeam(f.main, "Empty")
	mustCreateTeam(t, s, agents, empty)
	_, err := s.AddTeamMembers(ctx(), agents.ID, []string{frank.ID})
	require.NoError(t, err)
	_, err = s.AddTeamMembers(ctx(), empty.ID, []string{gina.ID, frank.ID})
	require.NoError(t, err)

	crit := func(roles ...string) *seats.InactiveCriteria {
		return &seats.InactiveCriteria{Statuses: disabled, ActiveBefore: at(0), EligibleRoles: roles}
	}
	cases := []struct {
		name   string
		filter seats.HolderFilter
		want   []string
	}{
		{"role through team", seats.HolderFilter{MainAccountID: m, Role: ptr("agent")}, []string{"alice", "carol", "frank"}},
		{"team-only role", seats.HolderFilter{MainAccountID: m, Role: ptr("supervisor")}, []string{"frank"}},
		// bob is disabled; gina holds only viewer; frank is eligible through
		// his team.
		{"eligible through team", seats.HolderFilter{MainAccountID: m, Inactive: crit("agent")}, []string{"bob", "gina"}},
		{"team-only eligible role", seats.HolderFilter{MainAccountID: m, Inactive: crit("supervisor")}, []string{"alice", "bob", "carol", "gina"}},
		{"any role, team counts", seats.HolderFilter{MainAccountID: m, Inactive: crit()}, []string{"bob"}},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, holderNames(t, s, c.filter), c.name)
		n, err := s.CountSeatHolders(ctx(), c.filter)
		require.NoError(t, err)
		assert.Equal(t, len(c.want), n, c.name)
	}
	list, err := s.ListSeatHolders(ctx(), seats.HolderFilter{MainAccountID: m, UserIDs: []string{frank.ID, gina.ID}})
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Nil(t, list[0].User.Roles, "frank's direct roles")
	assert.Equal(t, []string{"agent", "supervisor"}, list[0].TeamRoles, "frank's team roles")
	assert.Equal(t, []string{"viewer"}, list[1].User.Roles, "gina's direct roles")
	assert.Nil(t, list[1].TeamRoles, "gina's roleless team")

	// Taking the role off the team takes it off frank.
	agents.Roles = []string{"supervisor"}
	require.NoError(t, s.UpdateTeam(ctx(), agents))
	assert.Equal(t, []string{"bob", "frank", "gina"}, holderNames(t, s, seats.HolderFilter{MainAccountID: m, Inactive: crit("agent")}))
}

func testSeatHolderPagination(t *testing.T, s storage.Store) {
	main := newMain("seats-paging")
	mustCreate(t, s, main)
	names := []string{"u03", "u01", "u05", "u02", "u04", "u06", "u07"}
	for i, n := range names {
		u := newUser(main, n)
		mustCreateUser(t, s, u)
		mustCreateSeat(t, s, newSeat(u, i))
	}
	var got []string
	f := seats.HolderFilter{MainAccountID: main.ID, Limit: 3}
	for range 5 {
		list, err := s.ListSeatHolders(ctx(), f)
		require.NoError(t, err)
		for _, h := range list {
			got = append(got, h.User.Username)
		}
		if len(list) < f.Limit {
			break
		}
		last := list[len(list)-1].User
		f.AfterUsername, f.AfterID = last.Username, last.ID
	}
	assert.Equal(t, []string{"u01", "u02", "u03", "u04", "u05", "u06", "u07"}, got)
	// Count ignores paging.
	n, err := s.CountSeatHolders(ctx(), f)
	require.NoError(t, err)
	assert.Equal(t, 7, n)
	// The default limit is 50.
	list, err := s.ListSeatHolders(ctx(), seats.HolderFilter{MainAccountID: main.ID})
	require.NoError(t, err)
	assert.Len(t, list, 7)
}

func testSeatHolderUserGone(t *testing.T, s storage.Store) {
	main := newMain("seats-gone")
	mustCreate(t, s, main)
	ghost := newUser(main, "ghost") // never stored
	mustCreateSeat(t, s, newSeat(ghost, 1))
	assert.Equal(t, []string{}, holderNames(t, s, seats.HolderFilter{MainAccountID: main.ID}), "a seat without its user is not a holder")
	n, err := s.CountSeats(ctx(), main.ID, "")
	require.NoError(t, err)
	assert.Equal(t, 1, n, "but it still counts until removed")
	removed, err := s.DeleteSeats(ctx(), []string{ghost.ID})
	require.NoError(t, err)
	assert.Equal(t, 1, removed)
}

func newLogEntry(a *account.Account, n int, ev seats.Event, username string) *seats.LogEntry {
	return &seats.LogEntry{ID: newID(), MainAccountID: a.Ancestry[0], AccountID: a.ID, Time: at(n), ActorID: newID(),
		ActorName: "manager", Event: ev, Status: seats.StatusSuccess, UserID: newID(), Username: username,
		Description: "Seat assigned."}
}

func logIDs(t testing.TB, s storage.Store, f seats.LogFilter) []string {
	t.Helper()
	list, err := s.ListSeatLog(ctx(), f)
	require.NoError(t, err)
	out := make([]string, len(list))
	for i, e := range list {
		out[i] = e.Username
	}
	return out
}

func testSeatLogInsertList(t *testing.T, s storage.Store) {
	tr := mustTree(t, s, "seats-log")
	e1 := newLogEntry(tr.main, 1, seats.EventAssigned, "alice")
	e2 := newLogEntry(tr.a, 2, seats.EventUnassigned, "bob")
	e2.Description = "Seat removed."
	e3 := newLogEntry(tr.b, 3, seats.EventLimitSet, "")
	e3.UserID, e3.OldValue, e3.NewValue, e3.Description = "", ptr(3), ptr(5), "Seat limit set."
	e4 := newLogEntry(tr.a, 4, seats.EventAssigned, "carol")
	e4.Status, e4.Error, e4.Description = seats.StatusFailure, "no seat left", "Seat assignment failed."
	for _, e := range []*seats.LogEntry{e1, e2, e3, e4} {
		require.NoError(t, s.InsertSeatLogEntry(ctx(), e))
	}
	requireCode(t, accountkit.Conflict, s.InsertSeatLogEntry(ctx(), e1))

	list, err := s.ListSeatLog(ctx(), seats.LogFilter{MainAccountID: tr.main.ID})
	require.NoError(t, err)
	require.Len(t, list, 4)
	got := list[1] // e3
	requireUTC(t, at(3), got.Time, "Time")
	w := *e3
	w.Time = got.Time
	assert.Equal(t, w, *got)
	assert.Nil(t, list[0].OldValue)

	ev, fail := seats.EventAssigned, seats.StatusFailure
	cases := []struct {
		name string
		f    seats.LogFilter
		want []string
	}{
		{"all", seats.LogFilter{}, []string{"carol", "", "bob", "alice"}},
		{"account", seats.LogFilter{AccountIDs: []string{tr.a.ID}}, []string{"carol", "bob"}},
		{"no accounts", seats.LogFilter{AccountIDs: []string{}}, []string{}},
		{"from", seats.LogFilter{From: ptr(at(2))}, []string{"carol", "", "bob"}},
		{"to", seats.LogFilter{To: ptr(at(2))}, []string{"alice"}},
		{"event", seats.LogFilter{Event: &ev}, []string{"carol", "alice"}},
		{"status", seats.LogFilter{Status: &fail}, []string{"carol"}},
		{"user", seats.LogFilter{UserID: &e2.UserID}, []string{"bob"}},
		{"search description", seats.LogFilter{Search: "removed"}, []string{"bob"}},
		{"search username", seats.LogFilter{Search: "alic"}, []string{"alice"}},
		{"search error", seats.LogFilter{Search: "no seat"}, []string{"carol"}},
		{"search literal", seats.LogFilter{Search: "_"}, []string{}},
		{"limit", seats.LogFilter{Limit: 1}, []string{"carol"}},
	}
	for _, c := range cases {
		c.f.MainAccountID = tr.main.ID
		assert.Equal(t, c.want, logIDs(t, s, c.f), c.name)
	}
}

func testSeatLogPagination(t *testing.T, s storage.Store) {
	main := newMain("seats-log-paging")
	mustCreate(t, s, main)
	var want []string
	for i := range 7 {
		e := newLogEntry(main, i/2, seats.EventAssigned, "") // pairs share a time
		e.Username = e.ID
		require.NoError(t, s.InsertSeatLogEntry(ctx(), e))
		want = append([]string{e.ID}, want...)
	}
	// Same time: ID descending; IDs are increasing, so newest first is the
	// reverse insertion order.
	var got []string
	f := seats.LogFilter{MainAccountID: main.ID, Limit: 3}
	for range 5 {
		list, err := s.ListSeatLog(ctx(), f)
		require.NoError(t, err)
		for _, e := range list {
			got = append(got, e.ID)
		}
		if len(list) < f.Limit {
			break
		}
		last := list[len(list)-1]
		f.Before = &seats.LogCursor{Time: last.Time, ID: last.ID}
	}
	assert.Equal(t, want, got)
}

func testSeatAnotherTree(t *testing.T, s storage.Store) {
	f := mustSeatFixture(t, s, "seats-tenant")
	require.NoError(t, s.InsertSeatLogEntry(ctx(), newLogEntry(f.main, 1, seats.EventAssigned, "alice")))
	require.NoError(t, s.PutSeatLimit(ctx(), &seats.Limit{AccountID: f.sub.ID, MainAccountID: f.main.ID, Limit: 3, UpdatedAt: at(0)}))
	lockPool(t, s, f.main.ID)

	o := f.other.ID
	_, err := s.GetSeatPool(ctx(), o)
	requireCode(t, accountkit.NotFound, err)
	limits, err := s.ListSeatLimits(ctx(), o)
	require.NoError(t, err)
	assert.Empty(t, limits)
	assert.Equal(t, []string{"eve"}, holderNames(t, s, seats.HolderFilter{MainAccountID: o}))
	// Another tree's main account ID with this tree's account IDs: nothing.
	assert.Equal(t, []string{}, holderNames(t, s, seats.HolderFilter{MainAccountID: o, AccountIDs: []string{f.main.ID}}))
	n, err := s.CountSeats(ctx(), o, f.main.ID)
	require.NoError(t, err)
	assert.Zero(t, n)
	by, err := s.CountSeatsByAccount(ctx(), o)
	require.NoError(t, err)
	assert.Equal(t, map[string]int{o: 1}, by)
	assert.Equal(t, []string{}, logIDs(t, s, seats.LogFilter{MainAccountID: o}))
	assert.Equal(t, []string{}, logIDs(t, s, seats.LogFilter{MainAccountID: o, AccountIDs: []string{f.main.ID}}))
}

func testSeatRollback(t *testing.T, s storage.Store) {
	main := newMain("seats-rollback")
	mustCreate(t, s, main)
	u := newUser(main, "alice")
	mustCreateUser(t, s, u)
	keep := newUser(main, "bob")
	mustCreateUser(t, s, keep)
	mustCreateSeat(t, s, newSeat(keep, 0))
	require.NoError(t, s.PutSeatLimit(ctx(), &seats.Limit{AccountID: main.ID, MainAccountID: main.ID, Limit: 3, UpdatedAt: at(0)}))
	boom := errors.New("boom")
	err := s.InTx(ctx(), func(ctx context.Context) error {
		p, err := s.LockSeatPool(ctx, main.ID, at(0))
		if err != nil {
			return err
		}
		p.Purchased = 10
		if err := s.UpdateSeatPool(ctx, p); err != nil {
			return err
		}
		if err := s.CreateSeat(ctx, newSeat(u, 1)); err != nil {
			return err
		}
		if _, err := s.DeleteSeats(ctx, []string{keep.ID}); err != nil {
			return err
		}
		if err := s.PutSeatLimit(ctx, &seats.Limit{AccountID: main.ID, MainAccountID: main.ID, Limit: 8, UpdatedAt: at(1)}); err != nil {
			return err
		}
		if err := s.InsertSeatLogEntry(ctx, newLogEntry(main, 1, seats.EventAssigned, "alice")); err != nil {
			return err
		}
		return boom
	})
	require.ErrorIs(t, err, boom)
	_, err = s.GetSeatPool(ctx(), main.ID)
	requireCode(t, accountkit.NotFound, err)
	_, err = s.GetSeat(ctx(), u.ID)
	requireCode(t, accountkit.NotFound, err)
	_, err = s.GetSeat(ctx(), keep.ID)
	require.NoError(t, err)
	l, err := s.GetSeatLimit(ctx(), main.ID)
	require.NoError(t, err)
	assert.Equal(t, 3, l.Limit)
	assert.Equal(t, []string{}, logIDs(t, s, seats.LogFilter{MainAccountID: main.ID}))

	// DeleteSeatLimit rolls back too.
	err = s.InTx(ctx(), func(ctx context.Context) error {
		if err := s.DeleteSeatLimit(ctx, main.ID); err != nil {
			return err
		}
		return boom
	})
	require.ErrorIs(t, err, boom)
	_, err = s.GetSeatLimit(ctx(), main.ID)
	require.NoError(t, err)
}

// testSeatConcurrentLockedCount: concurrent transactions that lock the
// pool, count and insert never exceed the limit — the pattern the service
// relies on, on every adapter.
func testSeatConcurrentLockedCount(t *testing.T, s storage.Store) {
	main := newMain("seats-concurrent")
	mustCreate(t, s, main)
	const limit = 5
	list := make([]*users.User, concurrency)
	for i := range list {
		list[i] = newUser(main, "user"+string(rune('a'+i)))
	}
	mustCreateUser(t, s, list...)
	lockPool(t, s, main.ID)
	var wg sync.WaitGroup
	errs := make([]error, concurrency)
	for g := range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[g] = s.InTx(context.Background(), func(ctx context.Context) error {
				if _, err := s.LockSeatPool(ctx, main.ID, at(0)); err != nil {
					return err
				}
				n, err := s.CountSeats(ctx, main.ID, "")
				if err != nil {
					return err
				}
				if n >= limit {
					return nil
				}
				return s.CreateSeat(ctx, newSeat(list[g], g))
			})
		}()
	}
	wg.Wait()
	for g, err := range errs {
		require.NoError(t, err, "goroutine %d", g)
	}
	n, err := s.CountSeats(ctx(), main.ID, "")
	require.NoError(t, err)
	assert.Equal(t, limit, n)
}
