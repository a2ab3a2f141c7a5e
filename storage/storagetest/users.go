package storagetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/storage"
	"github.com/accountkit/accountkit/users"
)

func testUsers(t *testing.T, h Harness) {
	runAll(t, h, []subtest{
		{name: "CreateGet", run: testUserCreateGet},
		{name: "CreateGetMinimal", run: testUserCreateGetMinimal},
		{name: "GetNotFound", run: testUserGetNotFound},
		{name: "CreateConflict", run: testUserCreateConflict},
		{name: "SameEmailOtherTree", run: testUserSameEmailOtherTree},
		{name: "Update", run: testUserUpdate},
		{name: "UpdateNotFound", run: testUserUpdateNotFound},
		{name: "UpdateConflictEmail", run: testUserUpdateConflictEmail},
		{name: "ReturnsCopies", run: testUserReturnsCopies},
		{name: "FindByEmail", run: testUserFindByEmail},
		{name: "ListFilters", run: testUserListFilters},
		{name: "ListActiveBefore", run: testUserListActiveBefore},
		{name: "ListSearch", run: testUserListSearch},
		{name: "ListSearchWords", run: testUserListSearchWords},
		{name: "ListSortPagination", run: testUserListSortPagination},
		{name: "ListLimit", run: testUserListLimit},
		{name: "ListOrders", run: testUserListOrders},
		{name: "ListNameKeyFollowsUpdates", run: testUserListNameKeyFollowsUpdates},
		{name: "ListUnknownSort", run: testUserListUnknownSort},
		{name: "AnotherTreeSeesNothing", run: testUserAnotherTree},
		{name: "RollbackLeavesNothing", run: testUserRollback},
		{name: "ConcurrentUpdateForUpdate", run: testUserConcurrentForUpdate},

		{name: "RoleCreateGet", run: testRoleCreateGet},
		{name: "RoleConflict", run: testRoleConflict},
		{name: "RoleUpdate", run: testRoleUpdate},
		{name: "RoleDelete", run: testRoleDelete},
		{name: "RoleList", run: testRoleList},

		{name: "TokenCreateGet", run: testTokenCreateGet},
		{name: "TokenConsume", run: testTokenConsume},
		{name: "TokenConsumeExpired", run: testTokenConsumeExpired},
		{name: "TokenConsumeWrongKind", run: testTokenConsumeWrongKind},
		{name: "TokenAttempts", run: testTokenAttempts},
		{name: "TokenDelete", run: testTokenDelete},
		{name: "TokenList", run: testTokenList},
		{name: "TokenConsumeConcurrent", run: testTokenConsumeConcurrent},

		{name: "SessionCreateGet", run: testSessionCreateGet},
		{name: "SessionTouch", run: testSessionTouch},
		{name: "SessionDelete", run: testSessionDelete},
		{name: "SessionDeleteUser", run: testSessionDeleteUser},
		{name: "SessionListUser", run: testSessionListUser},
		{name: "SessionAuth", run: testSessionAuth},
	})
}

// newUser returns an active user of account a (whose tree's main account
// is a.Ancestry[0]) with the username and the email username@example.com,
// not yet stored.
func newUser(a *account.Account, username string) *users.User {
	return &users.User{
		ID:            newID(),
		AccountID:     a.ID,
		MainAccountID: a.Ancestry[0],
		Username:      username,
		FirstName:     "First " + username,
		LastName:      "Last " + username,
		Email:         username + "@example.com",
		Status:        users.StatusActive,
		CreatedAt:     at(0),
		UpdatedAt:     at(0),
	}
}

// mustCreateUser stores each user and fails t on error.
func mustCreateUser(t testing.TB, s storage.Store, list ...*users.User) {
	t.Helper()
	for _, u := range list {
		require.NoError(t, s.CreateUser(ctx(), u), "create user %s", u.Username)
	}
}

// sortedRoles is the form in which stores return roles: sorted, nil when
// there are none.
func sortedRoles(keys []string) []string {
	if len(keys) == 0 {
		return nil
	}
	return slices.Sorted(slices.Values(keys))
}

// requireTimePtr fails t unless want and got are both nil or the same
// instant in UTC.
func requireTimePtr(t testing.TB, want, got *time.Time, field string) {
	t.Helper()
	if want == nil {
		require.Nil(t, got, "%s must stay nil", field)
		return
	}
	require.NotNil(t, got, "%s must not be nil", field)
	requireUTC(t, want.UTC().Truncate(time.Microsecond), *got, field)
}

// requireUser fails t unless got holds every field of want, its roles
// sorted.
func requireUser(t testing.TB, want, got *users.User) {
	t.Helper()
	require.NotNil(t, got)
	requireUTC(t, want.CreatedAt.UTC().Truncate(time.Microsecond), got.CreatedAt, "CreatedAt")
	requireUTC(t, want.UpdatedAt.UTC().Truncate(time.Microsecond), got.UpdatedAt, "UpdatedAt")
	requireTimePtr(t, want.LockedAt, got.LockedAt, "LockedAt")
	requireTimePtr(t, want.ActivatedAt, got.ActivatedAt, "ActivatedAt")
	requireTimePtr(t, want.PasswordChangedAt, got.PasswordChangedAt, "PasswordChangedAt")
	requireTimePtr(t, want.LastLoginAt, got.LastLoginAt, "LastLoginAt")
	require.Equal(t, sortedRoles(want.Roles), sortedRoles(got.Roles), "Roles")
	w, g := *want, *got
	for _, u := range []*users.User{&w, &g} {
		u.CreatedAt, u.UpdatedAt = time.Time{}, time.Time{}
		u.LockedAt, u.ActivatedAt, u.PasswordChangedAt, u.LastLoginAt = nil, nil, nil, nil
		u.Roles = nil
	}
	require.Equal(t, w, g)
}

// usernamesOf returns the usernames of list, in order.
func usernamesOf(list []*users.User) []string {
	out := []string{}
	for _, u := range list {
		out = append(out, u.Username)
	}
	return out
}

// listUsernames lists the users matching f and returns their usernames;
// it also checks that CountUsers agrees when f asks for no paging.
func listUsernames(t testing.TB, s storage.Store, f users.Filter) []string {
	t.Helper()
	list, err := s.ListUsers(ctx(), f)
	require.NoError(t, err)
	if f.AfterID == "" && f.Limit == 0 {
		n, err := s.CountUsers(ctx(), f)
		require.NoError(t, err)
		require.Equal(t, len(list), n, "CountUsers agrees with ListUsers")
	}
	return usernamesOf(list)
}

// fullUser returns a user with every field set, times in another zone and
// with nanoseconds, roles unsorted.
func fullUser(a *account.Account, username string) *users.User {
	zone := time.FixedZone("UTC+5", 5*3600)
	u := newUser(a, username)
	u.FirstName, u.LastName = "Zoë", "O'Brien"
	u.EmailVerified = true
	u.Phone, u.PhoneVerified = "+33612345678", true
	u.Status = users.StatusDisabled
	u.Locked = true
	u.LockedAt = ptr(at(50).In(zone).Add(789 * time.Nanosecond))
	u.FailedLogins = 7
	u.LockCount = 3
	u.Roles = []string{"viewer", "admin", newID()}
	u.CreatedAt = at(-3600).In(zone).Add(123 * time.Nanosecond)
	u.UpdatedAt = at(60).In(zone)
	u.ActivatedAt = ptr(at(10))
	u.PasswordHash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"
	u.PasswordChangedAt = ptr(at(20))
	u.LastLoginAt = ptr(at(40))
	u.LastLoginIP = "2001:db8::1"
	u.LastLoginAgent = "Mozilla/5.0 (X11; Linux x86_64) ünïcode"
	u.LastLoginMethod = users.LoginSSO
	return u
}

func testUserCreateGet(t *testing.T, s storage.Store) {
	main := newMain("users-full")
	sub := newSub(main, "users-full-sub")
	mustCreate(t, s, main, sub)
	u := fullUser(sub, "zoe")
	mustCreateUser(t, s, u)

	got, err := s.GetUser(ctx(), u.ID)
	require.NoError(t, err)
	requireUser(t, u, got)
	assert.Equal(t, sortedRoles(u.Roles), got.Roles, "roles come sorted")

	got, err = s.GetUserByUsername(ctx(), "zoe")
	require.NoError(t, err)
	requireUser(t, u, got)

	inTx(t, s, func(ctx context.Context) error {
		got, err := s.GetUserForUpdate(ctx, u.ID)
		require.NoError(t, err)
		requireUser(t, u, got)
		return nil
	})
	got, err = s.GetUserForUpdate(ctx(), u.ID)
	require.NoError(t, err, "outside a transaction it is a plain read")
	requireUser(t, u, got)

	found, err := s.FindUsersByEmail(ctx(), u.Email)
	require.NoError(t, err)
	require.Len(t, found, 1)
	requireUser(t, u, found[0])
}

func testUserCreateGetMinimal(t *testing.T, s storage.Store) {
	main := newMain("users-min")
	mustCreate(t, s, main)
	u := newUser(main, "min")
	u.FirstName, u.LastName = "", ""
	u.Status = users.StatusInvited
	mustCreateUser(t, s, u)
	got, err := s.GetUser(ctx(), u.ID)
	require.NoError(t, err)
	requireUser(t, u, got)
	assert.Empty(t, got.Roles)
	assert.Nil(t, got.LockedAt)
	assert.Nil(t, got.ActivatedAt)
	assert.Nil(t, got.PasswordChangedAt)
	assert.Nil(t, got.LastLoginAt)
	assert.Equal(t, "", got.PasswordHash)
}

func testUserGetNotFound(t *testing.T, s storage.Store) {
	main := newMain("users-nf")
	mustCreate(t, s, main)
	mustCreateUser(t, s, newUser(main, "present"))
	_, err := s.GetUser(ctx(), newID())
	requireCode(t, accountkit.NotFound, err)
	_, err = s.GetUserForUpdate(ctx(), newID())
	requireCode(t, accountkit.NotFound, err)
	_, err = s.GetUserByUsername(ctx(), "absent")
	requireCode(t, accountkit.NotFound, err)
	_, err = s.GetUserByUsername(ctx(), "PRESENT")
	requireCode(t, accountkit.NotFound, err, "usernames match byte-wise")
	_, err = s.GetUserByUsername(ctx(), "present ")
	requireCode(t, accountkit.NotFound, err, "trailing spaces count")
	found, err := s.FindUsersByEmail(ctx(), "absent@example.com")
	require.NoError(t, err)
	assert.Empty(t, found)
	found, err = s.FindUsersByEmail(ctx(), "PRESENT@example.com")
	require.NoError(t, err)
	assert.Empty(t, found, "emails match byte-wise")

	// NotFound inside a transaction is an answer: the transaction goes on.
	after := newUser(main, "after")
	inTx(t, s, func(ctx context.Context) error {
		_, err := s.GetUserForUpdate(ctx, newID())
		requireCode(t, accountkit.NotFound, err)
		_, err = s.GetUser(ctx, newID())
		requireCode(t, accountkit.NotFound, err)
		requireCode(t, accountkit.NotFound, s.UpdateUser(ctx, newUser(main, "ghost")))
		return s.CreateUser(ctx, after)
	})
	_, err = s.GetUser(ctx(), after.ID)
	require.NoError(t, err)
}

func testUserCreateConflict(t *testing.T, s storage.Store) {
	main := newMain("users-conflict")
	sub := newSub(main, "users-conflict-sub")
	other := newMain("users-conflict-other")
	mustCreate(t, s, main, sub, other)
	first := newUser(main, "first")
	first.Roles = []string{"admin"}
	mustCreateUser(t, s, first)

	dupID := newUser(main, "second")
	dupID.ID = first.ID
	dupName := newUser(other, "first")
	dupName.Email = "someone-else@example.com"
	dupEmail := newUser(sub, "third")
	dupEmail.Email = first.Email
	for name, dup := range map[string]*users.User{"id": dupID, "username": dupName, "email in tree": dupEmail} {
		requireCode(t, accountkit.Conflict, s.CreateUser(ctx(), dup), name)
		if dup.ID != first.ID {
			_, err := s.GetUser(ctx(), dup.ID)
			requireCode(t, accountkit.NotFound, err, "a refused create leaves nothing (%s)", name)
		}
	}
	_, err := s.GetUserByUsername(ctx(), "second")
	requireCode(t, accountkit.NotFound, err, "a refused create leaves nothing")
	got, err := s.GetUser(ctx(), first.ID)
	require.NoError(t, err)
	requireUser(t, first, got)

	// The freed keys can be taken.
	dupID.ID = newID()
	mustCreateUser(t, s, dupID)
}

func testUserSameEmailOtherTree(t *testing.T, s storage.Store) {
	a, b := newMain("users-email-a"), newMain("users-email-b")
	mustCreate(t, s, a, b)
	ua, ub := newUser(a, "ua"), newUser(b, "ub")
	ua.Email, ub.Email = "shared@example.com", "shared@example.com"
	mustCreateUser(t, s, ua, ub)
	spaced := newUser(a, "uc")
	spaced.Email = "shared@example.com "
	mustCreateUser(t, s, spaced) // stores compare byte-wise: a different email
}

func testUserUpdate(t *testing.T, s storage.Store) {
	main := newMain("users-update")
	sub := newSub(main, "users-update-sub")
	mustCreate(t, s, main, sub)
	u := fullUser(main, "alice")
	mustCreateUser(t, s, u)

	next := &users.User{
		ID: u.ID,
		// Ignored: the account, main account, username and creation time.
		AccountID: sub.ID, MainAccountID: sub.ID, Username: "mallory", CreatedAt: at(999),
		FirstName: "Alicia", LastName: "Keys", Email: "alicia@example.org", EmailVerified: false,
		Phone: "", PhoneVerified: false, Status: users.StatusActive, Locked: false, LockedAt: nil,
		FailedLogins: 0, Roles: []string{"member", "auditor"}, UpdatedAt: at(120),
		ActivatedAt: ptr(at(11)), PasswordHash: "$argon2id$new", PasswordChangedAt: ptr(at(120)),
		LastLoginAt: nil, LastLoginIP: "", LastLoginAgent: "", LastLoginMethod: users.LoginPassword,
	}
	require.NoError(t, s.UpdateUser(ctx(), next))
	want := *next
	want.AccountID, want.MainAccountID, want.Username, want.CreatedAt = u.AccountID, u.MainAccountID, u.Username, u.CreatedAt
	got, err := s.GetUser(ctx(), u.ID)
	require.NoError(t, err)
	requireUser(t, &want, got)

	// The old email is free, the new one is indexed, the username kept.
	_, err = s.GetUserByUsername(ctx(), "mallory")
	requireCode(t, accountkit.NotFound, err)
	got, err = s.GetUserByUsername(ctx(), "alice")
	require.NoError(t, err)
	requireUser(t, &want, got)
	found, err := s.FindUsersByEmail(ctx(), u.Email)
	require.NoError(t, err)
	assert.Empty(t, found)
	found, err = s.FindUsersByEmail(ctx(), "alicia@example.org")
	require.NoError(t, err)
	require.Len(t, found, 1)
	mustCreateUser(t, s, &users.User{ID: newID(), AccountID: main.ID, MainAccountID: main.ID,
		Username: "reuse", Email: u.Email, Status: users.StatusActive, CreatedAt: at(0), UpdatedAt: at(0)})

	// Search follows the new names and keeps the username.
	assert.Equal(t, []string{"alice"}, listUsernames(t, s, users.Filter{AccountIDs: []string{main.ID}, Search: "KEYS"}))
	assert.Equal(t, []string{"alice"}, listUsernames(t, s, users.Filter{AccountIDs: []string{main.ID}, Search: "ALICIA"}))
	assert.Equal(t, []string{"alice", "reuse"}, listUsernames(t, s, users.Filter{AccountIDs: []string{main.ID}, Search: "alice"}),
		"the kept username and reuse's email")
	assert.Empty(t, listUsernames(t, s, users.Filter{AccountIDs: []string{main.ID}, Search: "o'brien"}))
	assert.Empty(t, listUsernames(t, s, users.Filter{AccountIDs: []string{main.ID}, Search: "mallory"}))
	assert.Empty(t, listUsernames(t, s, users.Filter{AccountIDs: []string{sub.ID}}), "the account never changes")

	// Roles are replaced, down to none.
	assert.Equal(t, []string{"alice"}, listUsernames(t, s, users.Filter{AccountIDs: []string{main.ID}, Role: ptr("auditor")}))
	assert.Empty(t, listUsernames(t, s, users.Filter{AccountIDs: []string{main.ID}, Role: ptr("admin")}))
	want.Roles = nil
	require.NoError(t, s.UpdateUser(ctx(), &want))
	got, err = s.GetUser(ctx(), u.ID)
	require.NoError(t, err)
	requireUser(t, &want, got)
	assert.Empty(t, listUsernames(t, s, users.Filter{AccountIDs: []string{main.ID}, Role: ptr("auditor")}))

	// An update with the same values succeeds (MySQL reports 0 changed rows).
	require.NoError(t, s.UpdateUser(ctx(), &want))
}

func testUserUpdateNotFound(t *testing.T, s storage.Store) {
	main := newMain("users-update-nf")
	mustCreate(t, s, main)
	ghost := newUser(main, "ghost")
	ghost.Roles = []string{"admin"}
	requireCode(t, accountkit.NotFound, s.UpdateUser(ctx(), ghost))
	assert.Empty(t, listUsernames(t, s, users.Filter{AccountIDs: []string{main.ID}, Role: ptr("admin")}),
		"a refused update grants nothing")
}

func testUserUpdateConflictEmail(t *testing.T, s storage.Store) {
	main := newMain("users-upd-email")
	sub := newSub(main, "users-upd-email-sub")
	other := newMain("users-upd-email-other")
	mustCreate(t, s, main, sub, other)
	a, b, c := newUser(main, "a"), newUser(sub, "b"), newUser(other, "c")
	mustCreateUser(t, s, a, b, c)

	taken := *b
	taken.Email = a.Email
	taken.FirstName = "Changed"
	requireCode(t, accountkit.Conflict, s.UpdateUser(ctx(), &taken))
	got, err := s.GetUser(ctx(), b.ID)
	require.NoError(t, err)
	requireUser(t, b, got)

	// Another tree may hold the same email.
	moved := *c
	moved.Email = a.Email
	require.NoError(t, s.UpdateUser(ctx(), &moved))
	found, err := s.FindUsersByEmail(ctx(), a.Email)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"a", "c"}, usernamesOf(found))
}

func testUserReturnsCopies(t *testing.T, s storage.Store) {
	main := newMain("users-copies")
	mustCreate(t, s, main)
	u := newUser(main, "copy")
	u.Roles = []string{"admin", "viewer"}
	u.LastLoginAt = ptr(at(5))
	mustCreateUser(t, s, u)
	want := *u
	want.Roles = slices.Clone(u.Roles)
	want.LastLoginAt = ptr(at(5))
	u.Roles[0] = "owner"
	*u.LastLoginAt = at(99)
	u.FirstName = "Changed"

	got, err := s.GetUser(ctx(), want.ID)
	require.NoError(t, err)
	requireUser(t, &want, got)
	got.Roles[0] = "owner"
	*got.LastLoginAt = at(99)
	again, err := s.GetUser(ctx(), want.ID)
	require.NoError(t, err)
	requireUser(t, &want, again)
}

func testUserFindByEmail(t *testing.T, s storage.Store) {
	var mains []*account.Account
	var want []string
	for i := range 3 {
		m := newMain(fmt.Sprintf("users-find-%d", i))
		mustCreate(t, s, m)
		mains = append(mains, m)
		u := newUser(m, fmt.Sprintf("find%d", i))
		u.Email = "same@example.com"
		mustCreateUser(t, s, u)
		want = append(want, u.ID)
	}
	mustCreateUser(t, s, newUser(mains[0], "different"))
	found, err := s.FindUsersByEmail(ctx(), "same@example.com")
	require.NoError(t, err)
	got := make([]string, len(found))
	for i, u := range found {
		got[i] = u.ID
	}
	slices.Sort(want)
	assert.Equal(t, want, got, "every tree's user, ordered by ID")
}

// userFixture is a main account with a sub-account, their users, and
// another tree with users that must never show up.
type userFixture struct {
	main, sub, other *account.Account
}

// mustUserFixture stores:
//
//	main: alice (active, admin), bob (active, locked), carol (invited)
//	sub:  dave (active, admin+viewer), erin (disabled)
//	other tree: alice2 (active, admin), frank (invited, locked)
func mustUserFixture(t testing.TB, s storage.Store, prefix string) userFixture {
	t.Helper()
	f := userFixture{main: newMain(prefix), other: newMain(prefix + "-other")}
	f.sub = newSub(f.main, prefix+"-sub")
	mustCreate(t, s, f.main, f.sub, f.other)
	mk := func(a *account.Account, name string, status users.Status, locked bool, roles ...string) *users.User {
		u := newUser(a, name)
		u.Status, u.Locked, u.Roles = status, locked, roles
		return u
	}
	mustCreateUser(t, s,
		mk(f.main, "alice", users.StatusActive, false, "admin"),
		mk(f.main, "bob", users.StatusActive, true),
		mk(f.main, "carol", users.StatusInvited, false),
		mk(f.sub, "dave", users.StatusActive, false, "viewer", "admin"),
		mk(f.sub, "erin", users.StatusDisabled, false),
		mk(f.other, "alice2", users.StatusActive, false, "admin"),
		mk(f.other, "frank", users.StatusInvited, true),
	)
	return f
}

func testUserListFilters(t *testing.T, s storage.Store) {
	f := mustUserFixture(t, s, "users-filters")
	both := []string{f.main.ID, f.sub.ID}
	cases := []struct {
		name   string
		filter users.Filter
		want   []string
	}{
		{"main", users.Filter{AccountIDs: []string{f.main.ID}}, []string{"alice", "bob", "carol"}},
		{"sub", users.Filter{AccountIDs: []string{f.sub.ID}}, []string{"dave", "erin"}},
		{"tree", users.Filter{AccountIDs: both}, []string{"alice", "bob", "carol", "dave", "erin"}},
		{"duplicate ids", users.Filter{AccountIDs: []string{f.sub.ID, f.sub.ID}}, []string{"dave", "erin"}},
		{"unknown account", users.Filter{AccountIDs: []string{newID()}}, []string{}},
		{"no accounts", users.Filter{}, []string{}},
		{"active", users.Filter{AccountIDs: both, Status: ptr(users.StatusActive)}, []string{"alice", "bob", "dave"}},
		{"invited", users.Filter{AccountIDs: both, Status: ptr(users.StatusInvited)}, []string{"carol"}},
		{"disabled", users.Filter{AccountIDs: both, Status: ptr(users.StatusDisabled)}, []string{"erin"}},
		{"role admin", users.Filter{AccountIDs: both, Role: ptr("admin")}, []string{"alice", "dave"}},
		{"role viewer", users.Filter{AccountIDs: both, Role: ptr("viewer")}, []string{"dave"}},
		{"role none", users.Filter{AccountIDs: both, Role: ptr("owner")}, []string{}},
		{"role prefix", users.Filter{AccountIDs: both, Role: ptr("adm")}, []string{}},
		{"locked", users.Filter{AccountIDs: both, Locked: ptr(true)}, []string{"bob"}},
		{"unlocked", users.Filter{AccountIDs: both, Locked: ptr(false)}, []string{"alice", "carol", "dave", "erin"}},
		{"combined", users.Filter{AccountIDs: both, Status: ptr(users.StatusActive), Role: ptr("admin"), Locked: ptr(false), Search: "DAV"},
			[]string{"dave"}},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, listUsernames(t, s, c.filter), c.name)
	}
	// CountUsers ignores paging.
	n, err := s.CountUsers(ctx(), users.Filter{AccountIDs: both, Limit: 1, AfterKey: "alice", AfterID: newID()})
	require.NoError(t, err)
	assert.Equal(t, 5, n)
}

func testUserListActiveBefore(t *testing.T, s storage.Store) {
	main := newMain("users-active")
	mustCreate(t, s, main)
	created := newUser(main, "created") // activity: created at(0)
	activated := newUser(main, "activated")
	activated.ActivatedAt = ptr(at(100))
	loggedIn := newUser(main, "loggedin")
	loggedIn.ActivatedAt, loggedIn.LastLoginAt = ptr(at(100)), ptr(at(200))
	old := newUser(main, "old") // signed in long ago, activated later: last login counts
	old.CreatedAt = at(-100)
	old.ActivatedAt, old.LastLoginAt = ptr(at(300)), ptr(at(-50))
	mustCreateUser(t, s, created, activated, loggedIn, old)
	ids := []string{main.ID}
	cases := []struct {
		before time.Time
		want   []string
	}{
		{at(-50), []string{}},
		{at(-50).Add(time.Microsecond), []string{"old"}},
		{at(0), []string{"old"}},
		{at(100), []string{"created", "old"}},
		{at(150), []string{"activated", "created", "old"}},
		{at(200), []string{"activated", "created", "old"}},
		{at(201), []string{"activated", "created", "loggedin", "old"}},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, listUsernames(t, s, users.Filter{AccountIDs: ids, ActiveBefore: &c.before}),
			"active before %s", c.before.Format(time.RFC3339Nano))
	}
	// A cutoff in another zone is the same instant.
	cut := at(150).In(time.FixedZone("UTC-8", -8*3600))
	assert.Equal(t, []string{"activated", "created", "old"}, listUsernames(t, s, users.Filter{AccountIDs: ids, ActiveBefore: &cut}))
}

func testUserListSearch(t *testing.T, s storage.Store) {
	main := newMain("users-search")
	mustCreate(t, s, main)
	elodie := newUser(main, "elodie")
	elodie.FirstName, elodie.LastName, elodie.Email = "Élodie", "SStraße", "elo@exämple.com"
	bjorn := newUser(main, "bjorn")
	bjorn.FirstName, bjorn.LastName, bjorn.Email = "Björn", "Ångström", "bjorn@corp.example"
	plain := newUser(main, "plain")
	plain.FirstName, plain.LastName, plain.Email = "Plain", "User", "plain@corp.example"
	mustCreateUser(t, s, elodie, bjorn, plain)
	ids := []string{main.ID}
	cases := []struct {
		search string
		want   []string
	}{
		{"ÉLODIE", []string{"elodie"}},
		{"élo", []string{"elodie"}},
		{"STRASSE", []string{}}, // lower-casing, not case folding
		{"SSTRAß", []string{"elodie"}},
		{"straße", []string{}}, // inside a word, not at its start
		{"BJÖRN", []string{"bjorn"}},
		{"ångSTRÖM", []string{"bjorn"}},
		{"EXÄMPLE", []string{"elodie"}},
		{"CORP.EXAMPLE", []string{"bjorn", "plain"}},
		{"example corp", []string{"bjorn", "plain"}},
		{"plain user", []string{"plain"}}, // every word, in any field
		{"user plain", []string{"plain"}},
		{"plain bjorn", []string{}},
		{"corp bj", []string{"bjorn"}},
		{"ström", []string{}},
		{"PLAIN", []string{"plain"}},
		{"BJORN", []string{"bjorn"}}, // the username
		{"zzz", []string{}},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, listUsernames(t, s, users.Filter{AccountIDs: ids, Search: c.search}), "search %q", c.search)
	}
}

// testUserListSearchWords checks that punctuation separates words and
// that SQL wildcards and escapes have no meaning.
func testUserListSearchWords(t *testing.T, s storage.Store) {
	main := newMain("users-words")
	other := newMain("users-words-other")
	mustCreate(t, s, main, other)
	pct := newUser(main, "pct")
	pct.LastName = "100%"
	under := newUser(main, "under")
	under.LastName = "a_b"
	bang := newUser(main, "bang")
	bang.LastName = "hey!"
	slash := newUser(main, "slash")
	slash.LastName = `back\slash`
	plain := newUser(main, "plain")
	plain.LastName = "a-b 1000"
	// Another tree's user with the same words is never found.
	theirs := newUser(other, "theirs")
	theirs.LastName = "100% a_b hey back"
	mustCreateUser(t, s, pct, under, bang, slash, plain, theirs)
	ids := []string{main.ID}
	cases := []struct {
		search string
		want   []string
	}{
		{"10", []string{"pct", "plain"}},
		{"1000", []string{"plain"}},
		{"a_b", []string{"plain", "under"}},
		{"a b 1000", []string{"plain"}},
		{"he", []string{"bang"}},
		{"hey!", []string{"bang"}},
		{`back\sl`, []string{"slash"}},
		{"ack", []string{}},
		{`k\s`, []string{}},
		{"pc", []string{"pct"}}, // the username
		{"zz", []string{}},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, listUsernames(t, s, users.Filter{AccountIDs: ids, Search: c.search}), "search %q", c.search)
	}
}

// after sets f to continue after u, as the users service does.
func after(f *users.Filter, u *users.User) {
	f.AfterKey, f.AfterCreated, f.AfterID = u.Username, u.CreatedAt, u.ID
}

func testUserListSortPagination(t *testing.T, s storage.Store) {
	main := newMain("users-sort")
	sub := newSub(main, "users-sort-sub")
	mustCreate(t, s, main, sub)
	// Creation times with ties (broken by ID) and microsecond differences;
	// usernames in an order unrelated to IDs, with byte-order traps.
	specs := []struct {
		name    string
		created time.Time
	}{
		{"mike", at(5)}, {"alpha", at(5)}, {"zulu", at(1)}, {"Zed", at(5)},
		{"bravo", at(1).Add(time.Microsecond)}, {"a.b", at(5)}, {"ärger", at(3)},
		{"charlie", at(3)}, {"alpha2", at(1)}, {"x", at(9)},
	}
	var all []*users.User
	for i, sp := range specs {
		a := main
		if i%3 == 0 {
			a = sub
		}
		u := newUser(a, sp.name)
		u.CreatedAt = sp.created
		all = append(all, u)
	}
	// Create in a shuffled order so that insertion order does not help.
	for _, i := range []int{3, 7, 0, 9, 1, 5, 2, 8, 4, 6} {
		mustCreateUser(t, s, all[i])
	}
	ids := []string{main.ID, sub.ID}
	byName := func(a, b *users.User) int { return strings.Compare(a.Username, b.Username) }
	byCreated := func(a, b *users.User) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	}
	cases := []struct {
		sort users.Sort
		cmp  func(a, b *users.User) int
		desc bool
	}{
		{"", byName, false},
		{users.SortUsername, byName, false},
		{users.SortUsernameDesc, byName, true},
		{users.SortCreated, byCreated, false},
		{users.SortCreatedDesc, byCreated, true},
	}
	for _, c := range cases {
		want := slices.Clone(all)
		slices.SortFunc(want, c.cmp)
		if c.desc {
			slices.Reverse(want)
		}
		wantNames := usernamesOf(want)
		assert.Equal(t, wantNames, listUsernames(t, s, users.Filter{AccountIDs: ids, Sort: c.sort}), "sort %q", c.sort)
		for _, pageSize := range []int{1, 3, 4} {
			f := users.Filter{AccountIDs: ids, Sort: c.sort, Limit: pageSize}
			var seen []string
			for page := 0; ; page++ {
				require.Less(t, page, 100, "paging does not end")
				list, err := s.ListUsers(ctx(), f)
				require.NoError(t, err)
				require.LessOrEqual(t, len(list), pageSize)
				if len(list) == 0 {
					break
				}
				seen = append(seen, usernamesOf(list)...)
				last := list[len(list)-1]
				after(&f, last)
			}
			assert.Equal(t, wantNames, seen, "sort %q, pages of %d: every user exactly once, in order", c.sort, pageSize)
		}
	}
	// A cursor with another zone's time means the same instant.
	zone := time.FixedZone("UTC+3", 3*3600)
	f := users.Filter{AccountIDs: ids, Sort: users.SortCreated, AfterCreated: at(3).In(zone), AfterID: "~"}
	got := listUsernames(t, s, f)
	require.Len(t, got, 5, "the users created after at(3)")
	assert.Equal(t, []string{"Zed", "a.b", "alpha", "mike"}, sortedStrings(got[:4]))
	assert.Equal(t, "x", got[len(got)-1])
}

func sortedStrings(s []string) []string { return slices.Sorted(slices.Values(s)) }

// testUserListLimit: stores apply the limit the service sets, and 0 means
// no limit (page sizes are the services' business).
func testUserListLimit(t *testing.T, s storage.Store) {
	main := newMain("users-limit")
	mustCreate(t, s, main)
	inTx(t, s, func(ctx context.Context) error {
		for i := range 55 {
			if err := s.CreateUser(ctx, newUser(main, fmt.Sprintf("user%02d", i))); err != nil {
				return err
			}
		}
		return nil
	})
	ids := []string{main.ID}
	list, err := s.ListUsers(ctx(), users.Filter{AccountIDs: ids, Limit: 50})
	require.NoError(t, err)
	assert.Len(t, list, 50)
	list, err = s.ListUsers(ctx(), users.Filter{AccountIDs: ids})
	require.NoError(t, err)
	assert.Len(t, list, 55, "Limit 0: every match")
	list, err = s.ListUsers(ctx(), users.Filter{AccountIDs: ids, Limit: 100})
	require.NoError(t, err)
	assert.Len(t, list, 55)
	n, err := s.CountUsers(ctx(), users.Filter{AccountIDs: ids})
	require.NoError(t, err)
	assert.Equal(t, 55, n)
}

// testUserListUnknownSort: the service validates sorts; a store reads one
// it does not know as the username order.
func testUserListUnknownSort(t *testing.T, s storage.Store) {
	main := newMain("users-invalid")
	mustCreate(t, s, main)
	mustCreateUser(t, s, newUser(main, "bob"), newUser(main, "ada"))
	got := listUsernames(t, s, users.Filter{AccountIDs: []string{main.ID}, Sort: "email"})
	assert.Equal(t, []string{"ada", "bob"}, got)
}

func testUserAnotherTree(t *testing.T, s storage.Store) {
	f := mustUserFixture(t, s, "users-tree")
	var otherIDs []string
	list, err := s.ListUsers(ctx(), users.Filter{AccountIDs: []string{f.other.ID}, Limit: 100})
	require.NoError(t, err)
	for _, u := range list {
		otherIDs = append(otherIDs, u.ID)
	}
	require.Len(t, otherIDs, 2)
	mine := []string{f.main.ID, f.sub.ID}
	filters := []users.Filter{
		{AccountIDs: mine},
		{AccountIDs: mine, Search: "alice"},
		{AccountIDs: mine, Search: "frank"},
		{AccountIDs: mine, Role: ptr("admin")},
		{AccountIDs: mine, Locked: ptr(true)},
		{AccountIDs: mine, Status: ptr(users.StatusInvited)},
		{AccountIDs: mine, ActiveBefore: ptr(at(1))},
		{AccountIDs: mine, Sort: users.SortCreatedDesc},
		{AccountIDs: mine, Sort: users.SortUsername, AfterKey: "alice", AfterID: newID()},
	}
	for _, flt := range filters {
		list, err := s.ListUsers(ctx(), flt)
		require.NoError(t, err)
		for _, u := range list {
			assert.NotContains(t, otherIDs, u.ID, "filter %+v", flt)
			assert.Contains(t, mine, u.AccountID)
		}
	}
	n, err := s.CountUsers(ctx(), users.Filter{AccountIDs: mine, Search: "frank"})
	require.NoError(t, err)
	assert.Zero(t, n)
	assert.Equal(t, []string{"alice"}, listUsernames(t, s, users.Filter{AccountIDs: mine, Search: "alice"}))
	assert.Equal(t, []string{"alice2", "frank"}, listUsernames(t, s, users.Filter{AccountIDs: []string{f.other.ID}}))
}

// testUserRollback checks that a failing transaction leaves none of a
// user, its session, token, role, security settings or an update.
func testUserRollback(t *testing.T, s storage.Store) {
	main := newMain("users-rollback")
	mustCreate(t, s, main)
	existing := newUser(main, "existing")
	existing.Roles = []string{"admin"}
	mustCreateUser(t, s, existing)
	existingSess := newSession(existing, "existing")
	require.NoError(t, s.CreateSession(ctx(), existingSess))
	existingTok := newToken(existing, users.TokenPasswordReset, 0)
	require.NoError(t, s.CreateToken(ctx(), existingTok))

	u := newUser(main, "created")
	u.Roles = []string{"viewer"}
	sess := newSession(u, "created")
	tok := newToken(u, users.TokenInvitation, 0)
	role := newRole(main, "Created")
	st := newSettings(main.ID)
	changed := *existing
	changed.Email, changed.Roles, changed.FailedLogins, changed.LockCount = "changed@example.com", []string{"viewer"}, 3, 2

	err := s.InTx(context.Background(), func(ctx context.Context) error {
		require.NoError(t, s.CreateUser(ctx, u))
		require.NoError(t, s.CreateSession(ctx, sess))
		require.NoError(t, s.CreateToken(ctx, tok))
		require.NoError(t, s.CreateRole(ctx, role))
		require.NoError(t, s.PutSecuritySettings(ctx, st))
		require.NoError(t, s.UpdateUser(ctx, &changed))
		_, err := s.ConsumeToken(ctx, existingTok.Hash, existingTok.Kind, at(1))
		require.NoError(t, err)
		n, err := s.DeleteUserSessions(ctx, existing.ID, "")
		require.NoError(t, err)
		require.Equal(t, 1, n)
		got, err := s.GetUser(ctx, u.ID) // reads its own writes
		require.NoError(t, err)
		requireUser(t, u, got)
		return errBoom
	})
	require.ErrorIs(t, err, errBoom)

	_, err = s.GetUser(ctx(), u.ID)
	requireCode(t, accountkit.NotFound, err)
	_, err = s.GetUserByUsername(ctx(), u.Username)
	requireCode(t, accountkit.NotFound, err)
	_, err = s.GetSessionByToken(ctx(), sess.TokenHash)
	requireCode(t, accountkit.NotFound, err)
	_, err = s.GetToken(ctx(), tok.Hash)
	requireCode(t, accountkit.NotFound, err)
	_, err = s.GetRole(ctx(), role.ID)
	requireCode(t, accountkit.NotFound, err)
	_, err = s.GetSecuritySettings(ctx(), main.ID)
	requireCode(t, accountkit.NotFound, err)
	got, err := s.GetUser(ctx(), existing.ID)
	require.NoError(t, err)
	requireUser(t, existing, got)
	_, err = s.GetSessionByToken(ctx(), existingSess.TokenHash)
	require.NoError(t, err, "deleted sessions come back")
	_, err = s.GetToken(ctx(), existingTok.Hash)
	require.NoError(t, err, "consumed tokens come back")
	assert.Equal(t, []string{"existing"}, listUsernames(t, s, users.Filter{AccountIDs: []string{main.ID}, Role: ptr("admin")}))
	assert.Empty(t, listUsernames(t, s, users.Filter{AccountIDs: []string{main.ID}, Role: ptr("viewer")}))

	// Every freed key can be taken.
	mustCreateUser(t, s, u)
	require.NoError(t, s.CreateSession(ctx(), sess))
	require.NoError(t, s.CreateToken(ctx(), tok))
	require.NoError(t, s.CreateRole(ctx(), role))
	require.NoError(t, s.UpdateUser(ctx(), &changed))
	other := newUser(main, "other")
	other.Email = existing.Email
	mustCreateUser(t, s, other)
}

// testUserConcurrentForUpdate checks that GetUserForUpdate serializes
// read-modify-write cycles: no increment is lost.
func testUserConcurrentForUpdate(t *testing.T, s storage.Store) {
	main := newMain("users-concurrent")
	mustCreate(t, s, main)
	u := newUser(main, "counter")
	u.Roles = []string{"admin"}
	mustCreateUser(t, s, u)
	var wg sync.WaitGroup
	errs := make([]error, concurrency)
	for g := range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[g] = s.InTx(context.Background(), func(ctx context.Context) error {
				cur, err := s.GetUserForUpdate(ctx, u.ID)
				if err != nil {
					return err
				}
				cur.FailedLogins++
				cur.UpdatedAt = at(cur.FailedLogins)
				return s.UpdateUser(ctx, cur)
			})
		}()
	}
	wg.Wait()
	for g, err := range errs {
		require.NoError(t, err, "goroutine %d", g)
	}
	got, err := s.GetUser(ctx(), u.ID)
	require.NoError(t, err)
	assert.Equal(t, concurrency, got.FailedLogins)
	assert.Equal(t, []string{"admin"}, got.Roles)
}

// newRole returns a custom role of a with the name, not yet stored.
func newRole(a *account.Account, name string) *users.Role {
	return &users.Role{
		ID:          newID(),
		AccountID:   a.ID,
		Name:        name,
		Description: "Role " + name,
		Permissions: []string{"users.read", "audit.read"},
		CreatedAt:   at(0),
		UpdatedAt:   at(0),
	}
}

// requireRole fails t unless got holds every field of want.
func requireRole(t testing.TB, want, got *users.Role) {
	t.Helper()
	require.NotNil(t, got)
	requireUTC(t, want.CreatedAt.UTC().Truncate(time.Microsecond), got.CreatedAt, "CreatedAt")
	requireUTC(t, want.UpdatedAt.UTC().Truncate(time.Microsecond), got.UpdatedAt, "UpdatedAt")
	w, g := *want, *got
	w.CreatedAt, w.UpdatedAt, g.CreatedAt, g.UpdatedAt = base, base, base, base
	if len(w.Permissions) == 0 {
		w.Permissions = nil
	}
	require.Equal(t, w, g)
}

func roleNamesOf(list []*users.Role) []string {
	out := []string{}
	for _, r := range list {
		out = append(out, r.Name)
	}
	return out
}

func testRoleCreateGet(t *testing.T, s storage.Store) {
	main := newMain("roles-get")
	mustCreate(t, s, main)
	r := newRole(main, "Support Agent")
	r.Description = "Helps — ünïcode"
	r.Permissions = []string{"users.read", "teams.manage", "audit.read"} // order kept
	r.CreatedAt = at(-10).In(time.FixedZone("X", 3600)).Add(999 * time.Nanosecond)
	empty := newRole(main, "Empty")
	empty.Permissions = nil
	require.NoError(t, s.CreateRole(ctx(), r))
	require.NoError(t, s.CreateRole(ctx(), empty))
	got, err := s.GetRole(ctx(), r.ID)
	require.NoError(t, err)
	requireRole(t, r, got)
	got, err = s.GetRole(ctx(), empty.ID)
	require.NoError(t, err)
	requireRole(t, empty, got)
	assert.Empty(t, got.Permissions)

	got.Permissions = append(got.Permissions, "x")
	again, err := s.GetRole(ctx(), empty.ID)
	require.NoError(t, err)
	assert.Empty(t, again.Permissions, "returned roles are copies")

	_, err = s.GetRole(ctx(), newID())
	requireCode(t, accountkit.NotFound, err)
}

func testRoleConflict(t *testing.T, s storage.Store) {
	main, other := newMain("roles-conflict"), newMain("roles-conflict-other")
	sub := newSub(main, "roles-conflict-sub")
	mustCreate(t, s, main, other, sub)
	r := newRole(main, "Support")
	require.NoError(t, s.CreateRole(ctx(), r))
	dupID := newRole(main, "Other")
	dupID.ID = r.ID
	requireCode(t, accountkit.Conflict, s.CreateRole(ctx(), dupID))
	for _, name := range []string{"Support", "SUPPORT", "support"} {
		dup := newRole(main, name)
		requireCode(t, accountkit.Conflict, s.CreateRole(ctx(), dup), "name %q", name)
		_, err := s.GetRole(ctx(), dup.ID)
		requireCode(t, accountkit.NotFound, err)
	}
	require.NoError(t, s.CreateRole(ctx(), newRole(other, "support")), "another account may use the name")
	require.NoError(t, s.CreateRole(ctx(), newRole(sub, "SUPPORT")), "a sub-account is another account")
	require.NoError(t, s.CreateRole(ctx(), newRole(main, "Support ")), "trailing spaces count")
	list, err := s.ListRoles(ctx(), []string{main.ID})
	require.NoError(t, err)
	assert.Equal(t, []string{"Support", "Support "}, roleNamesOf(list))
}

func testRoleUpdate(t *testing.T, s storage.Store) {
	main := newMain("roles-update")
	sub := newSub(main, "roles-update-sub")
	mustCreate(t, s, main, sub)
	r, taken := newRole(main, "Support"), newRole(main, "Billing")
	require.NoError(t, s.CreateRole(ctx(), r))
	require.NoError(t, s.CreateRole(ctx(), taken))

	next := &users.Role{ID: r.ID, AccountID: sub.ID, Name: "Helpdesk", Description: "new",
		Permissions: []string{"users.manage"}, CreatedAt: at(500), UpdatedAt: at(60)}
	require.NoError(t, s.UpdateRole(ctx(), next))
	want := *next
	want.AccountID, want.CreatedAt = r.AccountID, r.CreatedAt
	got, err := s.GetRole(ctx(), r.ID)
	require.NoError(t, err)
	requireRole(t, &want, got)

	// The old name is free; a case change of one's own name is fine.
	require.NoError(t, s.CreateRole(ctx(), newRole(main, "support")))
	want.Name = "HELPDESK"
	require.NoError(t, s.UpdateRole(ctx(), &want))
	want.Name = "billing"
	requireCode(t, accountkit.Conflict, s.UpdateRole(ctx(), &want))
	got, err = s.GetRole(ctx(), r.ID)
	require.NoError(t, err)
	assert.Equal(t, "HELPDESK", got.Name)
	require.NoError(t, s.UpdateRole(ctx(), got), "an update with the same values succeeds")

	ghost := newRole(main, "Ghost")
	requireCode(t, accountkit.NotFound, s.UpdateRole(ctx(), ghost))
}

func testRoleDelete(t *testing.T, s storage.Store) {
	main := newMain("roles-delete")
	mustCreate(t, s, main)
	r, keep := newRole(main, "Doomed"), newRole(main, "Kept")
	require.NoError(t, s.CreateRole(ctx(), r))
	require.NoError(t, s.CreateRole(ctx(), keep))
	a, b := newUser(main, "a"), newUser(main, "b")
	a.Roles = []string{"admin", r.ID, keep.ID}
	b.Roles = []string{r.ID}
	mustCreateUser(t, s, a, b)

	require.NoError(t, s.DeleteRole(ctx(), r.ID))
	_, err := s.GetRole(ctx(), r.ID)
	requireCode(t, accountkit.NotFound, err)
	requireCode(t, accountkit.NotFound, s.DeleteRole(ctx(), r.ID))
	got, err := s.GetUser(ctx(), a.ID)
	require.NoError(t, err)
	assert.Equal(t, sortedRoles([]string{"admin", keep.ID}), got.Roles)
	got, err = s.GetUser(ctx(), b.ID)
	require.NoError(t, err)
	assert.Empty(t, got.Roles)
	assert.Empty(t, listUsernames(t, s, users.Filter{AccountIDs: []string{main.ID}, Role: &r.ID}))
	assert.Equal(t, []string{"a"}, listUsernames(t, s, users.Filter{AccountIDs: []string{main.ID}, Role: &keep.ID}))
	require.NoError(t, s.CreateRole(ctx(), newRole(main, "doomed")), "the name is free")

	// Deleting inside a failing transaction restores the role and grants.
	require.ErrorIs(t, s.InTx(context.Background(), func(ctx context.Context) error {
		require.NoError(t, s.DeleteRole(ctx, keep.ID))
		return errBoom
	}), errBoom)
	_, err = s.GetRole(ctx(), keep.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{"a"}, listUsernames(t, s, users.Filter{AccountIDs: []string{main.ID}, Role: &keep.ID}))
}

func testRoleList(t *testing.T, s storage.Store) {
	main, other := newMain("roles-list"), newMain("roles-list-other")
	sub := newSub(main, "roles-list-sub")
	mustCreate(t, s, main, other, sub)
	for _, r := range []*users.Role{
		newRole(main, "beta"), newRole(main, "Alpha"), newRole(sub, "alpha2"),
		newRole(sub, "Zeta"), newRole(sub, "Ärger"), newRole(other, "Aardvark"),
	} {
		require.NoError(t, s.CreateRole(ctx(), r))
	}
	list, err := s.ListRoles(ctx(), []string{main.ID, sub.ID})
	require.NoError(t, err)
	assert.Equal(t, []string{"Alpha", "alpha2", "beta", "Zeta", "Ärger"}, roleNamesOf(list),
		"byte order of the lower-cased name")
	list, err = s.ListRoles(ctx(), []string{other.ID})
	require.NoError(t, err)
	assert.Equal(t, []string{"Aardvark"}, roleNamesOf(list))
	list, err = s.ListRoles(ctx(), nil)
	require.NoError(t, err)
	assert.Empty(t, list)

	// Equal lower-cased names cannot exist in one account, but can across
	// accounts: then the ID decides.
	x, y := newRole(main, "Same"), newRole(sub, "same")
	require.NoError(t, s.CreateRole(ctx(), x))
	require.NoError(t, s.CreateRole(ctx(), y))
	list, err = s.ListRoles(ctx(), []string{sub.ID, main.ID})
	require.NoError(t, err)
	var sameIDs []string
	for _, r := range list {
		if strings.EqualFold(r.Name, "same") {
			sameIDs = append(sameIDs, r.ID)
		}
	}
	assert.Equal(t, sortedStrings([]string{x.ID, y.ID}), sameIDs)
}

// newToken returns a token of u of the kind created at(n), expiring an
// hour later, not yet stored. Its hash is a fresh hex string.
func newToken(u *users.User, kind users.TokenKind, n int) *users.Token {
	h := strings.ReplaceAll(newID()+newID(), "-", "")
	return &users.Token{Hash: h, Kind: kind, UserID: u.ID, CreatedAt: at(n), ExpiresAt: at(n + 3600), Target: u.Email}
}

// requireToken fails t unless got holds every field of want.
func requireToken(t testing.TB, want, got *users.Token) {
	t.Helper()
	require.NotNil(t, got)
	requireUTC(t, want.CreatedAt.UTC().Truncate(time.Microsecond), got.CreatedAt, "CreatedAt")
	requireUTC(t, want.ExpiresAt.UTC().Truncate(time.Microsecond), got.ExpiresAt, "ExpiresAt")
	w, g := *want, *got
	w.CreatedAt, w.ExpiresAt, g.CreatedAt, g.ExpiresAt = base, base, base, base
	require.Equal(t, w, g)
}

func tokenUser(t testing.TB, s storage.Store, slug string) *users.User {
	t.Helper()
	main := newMain(slug)
	mustCreate(t, s, main)
	u := newUser(main, slug)
	mustCreateUser(t, s, u)
	return u
}

func testTokenCreateGet(t *testing.T, s storage.Store) {
	u := tokenUser(t, s, "tokens-get")
	tk := newToken(u, users.TokenPhoneCode, 0)
	tk.Attempts, tk.Target = 2, "+33612345678"
	tk.CreatedAt = at(0).In(time.FixedZone("X", -3600)).Add(5 * time.Nanosecond)
	require.NoError(t, s.CreateToken(ctx(), tk))
	got, err := s.GetToken(ctx(), tk.Hash)
	require.NoError(t, err)
	requireToken(t, tk, got)

	dup := newToken(u, users.TokenInvitation, 5)
	dup.Hash = tk.Hash
	requireCode(t, accountkit.Conflict, s.CreateToken(ctx(), dup))
	got, err = s.GetToken(ctx(), tk.Hash)
	require.NoError(t, err)
	requireToken(t, tk, got)

	_, err = s.GetToken(ctx(), strings.ToUpper(tk.Hash))
	requireCode(t, accountkit.NotFound, err, "hashes match byte-wise")
	_, err = s.GetToken(ctx(), "0000")
	requireCode(t, accountkit.NotFound, err)
}

func testTokenConsume(t *testing.T, s storage.Store) {
	u := tokenUser(t, s, "tokens-consume")
	tk := newToken(u, users.TokenPasswordReset, 0)
	other := newToken(u, users.TokenPasswordReset, 1)
	require.NoError(t, s.CreateToken(ctx(), tk))
	require.NoError(t, s.CreateToken(ctx(), other))
	got, err := s.ConsumeToken(ctx(), tk.Hash, users.TokenPasswordReset, at(10))
	require.NoError(t, err)
	requireToken(t, tk, got)
	_, err = s.ConsumeToken(ctx(), tk.Hash, users.TokenPasswordReset, at(10))
	requireCode(t, accountkit.NotFound, err, "a token is single-use")
	_, err = s.GetToken(ctx(), tk.Hash)
	requireCode(t, accountkit.NotFound, err)
	_, err = s.GetToken(ctx(), other.Hash)
	require.NoError(t, err, "other tokens stay")
	_, err = s.ConsumeToken(ctx(), "ffff", users.TokenPasswordReset, at(10))
	requireCode(t, accountkit.NotFound, err)

	// Inside a transaction, and the transaction goes on after NotFound.
	inTx(t, s, func(ctx context.Context) error {
		_, err := s.ConsumeToken(ctx, tk.Hash, users.TokenPasswordReset, at(10))
		requireCode(t, accountkit.NotFound, err)
		got, err := s.ConsumeToken(ctx, other.Hash, users.TokenPasswordReset, at(10))
		require.NoError(t, err)
		requireToken(t, other, got)
		return nil
	})
	_, err = s.GetToken(ctx(), other.Hash)
	requireCode(t, accountkit.NotFound, err)
}

func testTokenConsumeExpired(t *testing.T, s storage.Store) {
	u := tokenUser(t, s, "tokens-expired")
	tk := newToken(u, users.TokenInvitation, 0) // expires at(3600)
	require.NoError(t, s.CreateToken(ctx(), tk))
	_, err := s.ConsumeToken(ctx(), tk.Hash, users.TokenInvitation, at(3600))
	requireCode(t, accountkit.NotFound, err, "expired at ExpiresAt")
	_, err = s.ConsumeToken(ctx(), tk.Hash, users.TokenInvitation, at(7200))
	requireCode(t, accountkit.NotFound, err)
	_, err = s.GetToken(ctx(), tk.Hash)
	require.NoError(t, err, "an expired token is not consumed")
	zone := time.FixedZone("UTC-5", -5*3600)
	got, err := s.ConsumeToken(ctx(), tk.Hash, users.TokenInvitation, at(3600).Add(-time.Microsecond).In(zone))
	require.NoError(t, err, "valid one microsecond before")
	requireToken(t, tk, got)
}

func testTokenConsumeWrongKind(t *testing.T, s storage.Store) {
	u := tokenUser(t, s, "tokens-kind")
	tk := newToken(u, users.TokenEmailVerify, 0)
	require.NoError(t, s.CreateToken(ctx(), tk))
	_, err := s.ConsumeToken(ctx(), tk.Hash, users.TokenPasswordReset, at(1))
	requireCode(t, accountkit.NotFound, err)
	got, err := s.GetToken(ctx(), tk.Hash)
	require.NoError(t, err, "a token of another kind is left alone")
	requireToken(t, tk, got)
	_, err = s.ConsumeToken(ctx(), tk.Hash, users.TokenEmailVerify, at(1))
	require.NoError(t, err)
}

func testTokenAttempts(t *testing.T, s storage.Store) {
	u := tokenUser(t, s, "tokens-attempts")
	tk, other := newToken(u, users.TokenPhoneCode, 0), newToken(u, users.TokenPhoneCode, 1)
	require.NoError(t, s.CreateToken(ctx(), tk))
	require.NoError(t, s.CreateToken(ctx(), other))
	for want := 1; want <= 3; want++ {
		n, err := s.AddTokenAttempt(ctx(), tk.Hash)
		require.NoError(t, err)
		assert.Equal(t, want, n)
	}
	got, err := s.GetToken(ctx(), tk.Hash)
	require.NoError(t, err)
	assert.Equal(t, 3, got.Attempts)
	got, err = s.GetToken(ctx(), other.Hash)
	require.NoError(t, err)
	assert.Equal(t, 0, got.Attempts)
	_, err = s.AddTokenAttempt(ctx(), "ffff")
	requireCode(t, accountkit.NotFound, err)

	// Rolled back with its transaction.
	require.ErrorIs(t, s.InTx(context.Background(), func(ctx context.Context) error {
		n, err := s.AddTokenAttempt(ctx, tk.Hash)
		require.NoError(t, err)
		require.Equal(t, 4, n)
		return errBoom
	}), errBoom)
	got, err = s.GetToken(ctx(), tk.Hash)
	require.NoError(t, err)
	assert.Equal(t, 3, got.Attempts)
}

func testTokenDelete(t *testing.T, s storage.Store) {
	u := tokenUser(t, s, "tokens-delete")
	v := newUser(&account.Account{ID: u.AccountID, Ancestry: []string{u.MainAccountID}}, "tokens-delete-v")
	mustCreateUser(t, s, v)
	gone1, gone2 := newToken(u, users.TokenPhoneCode, 0), newToken(u, users.TokenPhoneCode, 1)
	kindKept, userKept := newToken(u, users.TokenPasswordReset, 2), newToken(v, users.TokenPhoneCode, 3)
	for _, tk := range []*users.Token{gone1, gone2, kindKept, userKept} {
		require.NoError(t, s.CreateToken(ctx(), tk))
	}
	require.NoError(t, s.DeleteTokens(ctx(), u.ID, users.TokenPhoneCode))
	for _, tk := range []*users.Token{gone1, gone2} {
		_, err := s.GetToken(ctx(), tk.Hash)
		requireCode(t, accountkit.NotFound, err)
	}
	for _, tk := range []*users.Token{kindKept, userKept} {
		_, err := s.GetToken(ctx(), tk.Hash)
		require.NoError(t, err)
	}
	require.NoError(t, s.DeleteTokens(ctx(), u.ID, users.TokenPhoneCode), "nothing to delete is no error")
}

func testTokenList(t *testing.T, s storage.Store) {
	u := tokenUser(t, s, "tokens-list")
	v := newUser(&account.Account{ID: u.AccountID, Ancestry: []string{u.MainAccountID}}, "tokens-list-v")
	mustCreateUser(t, s, v)
	t1, t2, t3 := newToken(u, users.TokenPhoneCode, 10), newToken(u, users.TokenPhoneCode, 30), newToken(u, users.TokenPhoneCode, 20)
	t2.CreatedAt = t2.CreatedAt.Add(time.Microsecond)
	for _, tk := range []*users.Token{t1, t2, t3,
		newToken(u, users.TokenInvitation, 40), newToken(v, users.TokenPhoneCode, 50)} {
		require.NoError(t, s.CreateToken(ctx(), tk))
	}
	list, err := s.ListTokens(ctx(), u.ID, users.TokenPhoneCode)
	require.NoError(t, err)
	require.Len(t, list, 3)
	for i, want := range []*users.Token{t2, t3, t1} {
		requireToken(t, want, list[i])
	}
	list, err = s.ListTokens(ctx(), u.ID, users.TokenEmailVerify)
	require.NoError(t, err)
	assert.Empty(t, list)
}

// testTokenConsumeConcurrent checks the single-use promise under load: of
// many concurrent consumers of one token exactly one gets it.
func testTokenConsumeConcurrent(t *testing.T, s storage.Store) {
	u := tokenUser(t, s, "tokens-race")
	tk := newToken(u, users.TokenPasswordReset, 0)
	require.NoError(t, s.CreateToken(ctx(), tk))
	var wg sync.WaitGroup
	errs := make([]error, concurrency)
	start := make(chan struct{})
	for g := range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[g] = s.InTx(context.Background(), func(ctx context.Context) error {
				_, err := s.ConsumeToken(ctx, tk.Hash, users.TokenPasswordReset, at(1))
				return err
			})
		}()
	}
	close(start)
	wg.Wait()
	wins := 0
	for g, err := range errs {
		if err == nil {
			wins++
			continue
		}
		requireCode(t, accountkit.NotFound, err, "goroutine %d", g)
	}
	assert.Equal(t, 1, wins, "exactly one consumer wins")
}

// newSession returns a session of u whose token hash derives from tag,
// not yet stored.
func newSession(u *users.User, tag string) *auth.Session {
	return &auth.Session{
		ID:          newID(),
		TokenHash:   "tok-" + tag + "-" + newID(),
		CSRFHash:    "csrf-" + tag,
		UserID:      u.ID,
		AccountID:   u.AccountID,
		Method:      users.LoginPassword,
		CreatedAt:   at(0),
		LastSeenAt:  at(0),
		IdleTimeout: 30 * time.Minute,
		ExpiresAt:   at(12 * 3600),
		IP:          "192.0.2.1",
		UserAgent:   "test-agent",
	}
}

// requireSession fails t unless got holds every field of want.
func requireSession(t testing.TB, want, got *auth.Session) {
	t.Helper()
	require.NotNil(t, got)
	requireUTC(t, want.CreatedAt.UTC().Truncate(time.Microsecond), got.CreatedAt, "CreatedAt")
	requireUTC(t, want.LastSeenAt.UTC().Truncate(time.Microsecond), got.LastSeenAt, "LastSeenAt")
	requireUTC(t, want.ExpiresAt.UTC().Truncate(time.Microsecond), got.ExpiresAt, "ExpiresAt")
	w, g := *want, *got
	w.CreatedAt, w.LastSeenAt, w.ExpiresAt = base, base, base
	g.CreatedAt, g.LastSeenAt, g.ExpiresAt = base, base, base
	w.IdleTimeout = w.IdleTimeout.Truncate(time.Microsecond)
	require.Equal(t, w, g)
}

func testSessionCreateGet(t *testing.T, s storage.Store) {
	u := tokenUser(t, s, "sessions-get")
	sess := newSession(u, "a")
	sess.Method = users.LoginSSO
	sess.IdleTimeout = 90*time.Minute + 1500*time.Nanosecond // kept to the microsecond
	sess.CreatedAt = at(0).In(time.FixedZone("X", 7200)).Add(3 * time.Nanosecond)
	sess.IP, sess.UserAgent = "2001:db8::2", "Agent/1.0 ✓"
	require.NoError(t, s.CreateSession(ctx(), sess))
	got, err := s.GetSessionByToken(ctx(), sess.TokenHash)
	require.NoError(t, err)
	requireSession(t, sess, got)
	assert.Equal(t, 90*time.Minute+time.Microsecond, got.IdleTimeout)

	dupID := newSession(u, "b")
	dupID.ID = sess.ID
	requireCode(t, accountkit.Conflict, s.CreateSession(ctx(), dupID))
	_, err = s.GetSessionByToken(ctx(), dupID.TokenHash)
	requireCode(t, accountkit.NotFound, err)
	dupTok := newSession(u, "c")
	dupTok.TokenHash = sess.TokenHash
	requireCode(t, accountkit.Conflict, s.CreateSession(ctx(), dupTok))
	got, err = s.GetSessionByToken(ctx(), sess.TokenHash)
	require.NoError(t, err)
	requireSession(t, sess, got)

	_, err = s.GetSessionByToken(ctx(), "missing")
	requireCode(t, accountkit.NotFound, err)
}

func testSessionTouch(t *testing.T, s storage.Store) {
	u := tokenUser(t, s, "sessions-touch")
	sess, other := newSession(u, "a"), newSession(u, "b")
	require.NoError(t, s.CreateSession(ctx(), sess))
	require.NoError(t, s.CreateSession(ctx(), other))
	require.NoError(t, s.TouchSession(ctx(), sess.ID, at(600).In(time.FixedZone("X", 3600)).Add(7*time.Nanosecond)))
	require.NoError(t, s.TouchSession(ctx(), sess.ID, at(600)), "touching with the same time succeeds")
	want := *sess
	want.LastSeenAt = at(600)
	got, err := s.GetSessionByToken(ctx(), sess.TokenHash)
	require.NoError(t, err)
	requireSession(t, &want, got)
	got, err = s.GetSessionByToken(ctx(), other.TokenHash)
	require.NoError(t, err)
	requireSession(t, other, got)
	requireCode(t, accountkit.NotFound, s.TouchSession(ctx(), newID(), at(1)))
}

func testSessionDelete(t *testing.T, s storage.Store) {
	u := tokenUser(t, s, "sessions-delete")
	sess, other := newSession(u, "a"), newSession(u, "b")
	require.NoError(t, s.CreateSession(ctx(), sess))
	require.NoError(t, s.CreateSession(ctx(), other))
	require.NoError(t, s.DeleteSession(ctx(), sess.ID))
	_, err := s.GetSessionByToken(ctx(), sess.TokenHash)
	requireCode(t, accountkit.NotFound, err)
	requireCode(t, accountkit.NotFound, s.DeleteSession(ctx(), sess.ID))
	requireCode(t, accountkit.NotFound, s.TouchSession(ctx(), sess.ID, at(1)))
	_, err = s.GetSessionByToken(ctx(), other.TokenHash)
	require.NoError(t, err)
	require.NoError(t, s.CreateSession(ctx(), sess), "the ID and token hash are free again")
}

func testSessionDeleteUser(t *testing.T, s storage.Store) {
	u := tokenUser(t, s, "sessions-user")
	v := newUser(&account.Account{ID: u.AccountID, Ancestry: []string{u.MainAccountID}}, "sessions-user-v")
	mustCreateUser(t, s, v)
	var mine []*auth.Session
	for i := range 4 {
		sess := newSession(u, fmt.Sprint(i))
		require.NoError(t, s.CreateSession(ctx(), sess))
		mine = append(mine, sess)
	}
	theirs := newSession(v, "v")
	require.NoError(t, s.CreateSession(ctx(), theirs))

	n, err := s.DeleteUserSessions(ctx(), u.ID, mine[2].ID)
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	for i, sess := range mine {
		_, err := s.GetSessionByToken(ctx(), sess.TokenHash)
		if i == 2 {
			require.NoError(t, err, "the excepted session stays")
		} else {
			requireCode(t, accountkit.NotFound, err)
		}
	}
	n, err = s.DeleteUserSessions(ctx(), u.ID, newID())
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	n, err = s.DeleteUserSessions(ctx(), u.ID, "")
	require.NoError(t, err)
	assert.Zero(t, n)
	_, err = s.GetSessionByToken(ctx(), theirs.TokenHash)
	require.NoError(t, err, "another user's sessions stay")

	// "" deletes every one.
	again := newSession(u, "again")
	require.NoError(t, s.CreateSession(ctx(), again))
	n, err = s.DeleteUserSessions(ctx(), u.ID, "")
	require.NoError(t, err)
	assert.Equal(t, 1, n)
}

func testSessionListUser(t *testing.T, s storage.Store) {
	u := tokenUser(t, s, "sessions-list")
	v := newUser(&account.Account{ID: u.AccountID, Ancestry: []string{u.MainAccountID}}, "sessions-list-v")
	mustCreateUser(t, s, v)
	got, err := s.ListUserSessions(ctx(), u.ID)
	require.NoError(t, err)
	assert.Empty(t, got)
	var ids []string
	for i := range 3 {
		sess := newSession(u, fmt.Sprint(i))
		sess.CreatedAt = at(i * 60)
		require.NoError(t, s.CreateSession(ctx(), sess))
		ids = append(ids, sess.ID)
	}
	require.NoError(t, s.CreateSession(ctx(), newSession(v, "v")))
	got, err = s.ListUserSessions(ctx(), u.ID)
	require.NoError(t, err)
	require.Len(t, got, 3, "only the user's sessions")
	assert.Equal(t, []string{ids[2], ids[1], ids[0]}, []string{got[0].ID, got[1].ID, got[2].ID}, "newest first")
	assert.Equal(t, "192.0.2.1", got[0].IP)
	assert.Equal(t, at(120), got[0].CreatedAt)
	assert.Equal(t, 30*time.Minute, got[0].IdleTimeout)
}
