package storagetest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/scim"
	"github.com/accountkit/accountkit/storage"
	"github.com/accountkit/accountkit/users"
)

func testSCIM(t *testing.T, h Harness) {
	runAll(t, h, []subtest{
		{name: "SetFind", run: testSCIMSetFind},
		{name: "Replace", run: testSCIMReplace},
		{name: "Conflict", run: testSCIMConflict},
		{name: "ConflictInTx", run: testSCIMConflictInTx},
		{name: "Delete", run: testSCIMDelete},
		{name: "Rollback", run: testSCIMRollback},
		{name: "OtherAccount", run: testSCIMOtherAccount},
		{name: "Enterprise", run: testSCIMEnterprise},
		{name: "EnterpriseRollback", run: testSCIMEnterpriseRollback},
		{name: "ListSorted", run: testSCIMListSorted},
		{name: "Settings", run: testSCIMSettings},
	})
}

func extID(accountID string, kind scim.Kind, resourceID, ext string) *scim.ExternalID {
	return &scim.ExternalID{AccountID: accountID, Kind: kind, ResourceID: resourceID, ExternalID: ext, CreatedAt: at(1)}
}

func testSCIMSetFind(t *testing.T, s storage.Store) {
	ctx := context.Background()
	a := newMain("scim-set")
	mustCreate(t, s, a)
	u, g := newID(), newID()
	require.NoError(t, s.SetSCIMExternalID(ctx, extID(a.ID, scim.KindUser, u, "00u1ÄbC")))
	// The same external ID names a group too: kinds are apart.
	require.NoError(t, s.SetSCIMExternalID(ctx, extID(a.ID, scim.KindGroup, g, "00u1ÄbC")))

	got, err := s.FindSCIMExternalID(ctx, a.ID, scim.KindUser, "00u1ÄbC")
	require.NoError(t, err)
	requireUTC(t, at(1), got.CreatedAt, "CreatedAt")
	got.CreatedAt = at(1)
	require.Equal(t, extID(a.ID, scim.KindUser, u, "00u1ÄbC"), got)
	got, err = s.FindSCIMExternalID(ctx, a.ID, scim.KindGroup, "00u1ÄbC")
	require.NoError(t, err)
	require.Equal(t, g, got.ResourceID)

	// Case-exact: another case is another ID.
	_, err = s.FindSCIMExternalID(ctx, a.ID, scim.KindUser, "00u1äbc")
	requireCode(t, accountkit.NotFound, err)
	require.NoError(t, s.SetSCIMExternalID(ctx, extID(a.ID, scim.KindUser, newID(), "00u1äbc")))

	m, err := s.SCIMExternalIDs(ctx, scim.KindUser, []string{u, g, newID()})
	require.NoError(t, err)
	require.Equal(t, map[string]string{u: "00u1ÄbC"}, m)
	m, err = s.SCIMExternalIDs(ctx, scim.KindUser, nil)
	require.NoError(t, err)
	require.Empty(t, m)
}

func testSCIMReplace(t *testing.T, s storage.Store) {
	ctx := context.Background()
	a := newMain("scim-replace")
	mustCreate(t, s, a)
	u := newID()
	require.NoError(t, s.SetSCIMExternalID(ctx, extID(a.ID, scim.KindUser, u, "old")))
	require.NoError(t, s.SetSCIMExternalID(ctx, extID(a.ID, scim.KindUser, u, "new")))
	_, err := s.FindSCIMExternalID(ctx, a.ID, scim.KindUser, "old")
	requireCode(t, accountkit.NotFound, err, "the old external ID is freed")
	got, err := s.FindSCIMExternalID(ctx, a.ID, scim.KindUser, "new")
	require.NoError(t, err)
	require.Equal(t, u, got.ResourceID)
	// Setting the same value again is no conflict with itself.
	require.NoError(t, s.SetSCIMExternalID(ctx, extID(a.ID, scim.KindUser, u, "new")))
	// The freed ID is usable by another resource.
	require.NoError(t, s.SetSCIMExternalID(ctx, extID(a.ID, scim.KindUser, newID(), "old")))
}

func testSCIMConflict(t *testing.T, s storage.Store) {
	ctx := context.Background()
	a := newMain("scim-conflict")
	mustCreate(t, s, a)
	u1, u2 := newID(), newID()
	require.NoError(t, s.SetSCIMExternalID(ctx, extID(a.ID, scim.KindUser, u1, "ext-1")))
	require.NoError(t, s.SetSCIMExternalID(ctx, extID(a.ID, scim.KindUser, u2, "ext-2")))
	requireCode(t, accountkit.Conflict, s.SetSCIMExternalID(ctx, extID(a.ID, scim.KindUser, u2, "ext-1")))
	// Nothing changed: u2 keeps its ID, u1 its own.
	m, err := s.SCIMExternalIDs(ctx, scim.KindUser, []string{u1, u2})
	require.NoError(t, err)
	require.Equal(t, map[string]string{u1: "ext-1", u2: "ext-2"}, m)
}

func testSCIMConflictInTx(t *testing.T, s storage.Store) {
	ctx := context.Background()
	a := newMain("scim-conflict-tx")
	mustCreate(t, s, a)
	u1, u2 := newID(), newID()
	require.NoError(t, s.SetSCIMExternalID(ctx, extID(a.ID, scim.KindUser, u1, "ext-1")))
	err := s.InTx(ctx, func(ctx context.Context) error {
		requireCode(t, accountkit.Conflict, s.SetSCIMExternalID(ctx, extID(a.ID, scim.KindUser, u2, "ext-1")))
		// The transaction is still usable after the conflict.
		return s.SetSCIMExternalID(ctx, extID(a.ID, scim.KindUser, u2, "ext-2"))
	})
	require.NoError(t, err)
	m, err := s.SCIMExternalIDs(ctx, scim.KindUser, []string{u1, u2})
	require.NoError(t, err)
	require.Equal(t, map[string]string{u1: "ext-1", u2: "ext-2"}, m)
}

func testSCIMDelete(t *testing.T, s storage.Store) {
	ctx := context.Background()
	a := newMain("scim-delete")
	mustCreate(t, s, a)
	u := newID()
	require.NoError(t, s.SetSCIMExternalID(ctx, extID(a.ID, scim.KindUser, u, "ext")))
	require.NoError(t, s.DeleteSCIMExternalID(ctx, scim.KindGroup, u), "another kind: nothing to delete")
	require.NoError(t, s.DeleteSCIMExternalID(ctx, scim.KindUser, u))
	require.NoError(t, s.DeleteSCIMExternalID(ctx, scim.KindUser, u), "deleting twice is no error")
	_, err := s.FindSCIMExternalID(ctx, a.ID, scim.KindUser, "ext")
	requireCode(t, accountkit.NotFound, err)
	require.NoError(t, s.SetSCIMExternalID(ctx, extID(a.ID, scim.KindUser, newID(), "ext")))
}

func testSCIMRollback(t *testing.T, s storage.Store) {
	ctx := context.Background()
	a := newMain("scim-rollback")
	mustCreate(t, s, a)
	u, v := newID(), newID()
	require.NoError(t, s.SetSCIMExternalID(ctx, extID(a.ID, scim.KindUser, u, "keep")))
	boom := errors.New("boom")
	err := s.InTx(ctx, func(ctx context.Context) error {
		require.NoError(t, s.SetSCIMExternalID(ctx, extID(a.ID, scim.KindUser, u, "changed")))
		require.NoError(t, s.SetSCIMExternalID(ctx, extID(a.ID, scim.KindUser, v, "keep")))
		require.NoError(t, s.DeleteSCIMExternalID(ctx, scim.KindUser, v))
		return boom
	})
	require.ErrorIs(t, err, boom)
	m, err := s.SCIMExternalIDs(ctx, scim.KindUser, []string{u, v})
	require.NoError(t, err)
	require.Equal(t, map[string]string{u: "keep"}, m)
	_, err = s.FindSCIMExternalID(ctx, a.ID, scim.KindUser, "changed")
	requireCode(t, accountkit.NotFound, err)
}

func testSCIMOtherAccount(t *testing.T, s storage.Store) {
	ctx := context.Background()
	a, b := newMain("scim-a"), newMain("scim-b")
	mustCreate(t, s, a, b)
	require.NoError(t, s.SetSCIMExternalID(ctx, extID(a.ID, scim.KindUser, newID(), "same")))
	// Another account may use the same external ID, and sees nothing of a's.
	_, err := s.FindSCIMExternalID(ctx, b.ID, scim.KindUser, "same")
	requireCode(t, accountkit.NotFound, err)
	require.NoError(t, s.SetSCIMExternalID(ctx, extID(b.ID, scim.KindUser, newID(), "same")))
}

func testSCIMEnterprise(t *testing.T, s storage.Store) {
	ctx := context.Background()
	a := newMain("scim-ent")
	mustCreate(t, s, a)
	u, v, boss := newID(), newID(), newID()
	e := &scim.Enterprise{UserID: u, AccountID: a.ID, EmployeeNumber: "701984", CostCenter: "4130",
		Organization: "Universal Studios", Division: "Theme Park", Department: "Tour Operations — Zürich", ManagerID: boss, UpdatedAt: at(2)}
	require.NoError(t, s.SetSCIMEnterprise(ctx, e))
	require.NoError(t, s.SetSCIMEnterprise(ctx, &scim.Enterprise{UserID: v, AccountID: a.ID, Department: "Sales", UpdatedAt: at(1)}))
	m, err := s.SCIMEnterprise(ctx, []string{u, v, newID()})
	require.NoError(t, err)
	require.Len(t, m, 2)
	requireUTC(t, at(2), m[u].UpdatedAt, "UpdatedAt")
	m[u].UpdatedAt = at(2)
	require.Equal(t, e, m[u])
	require.Equal(t, "Sales", m[v].Department)

	// Set replaces every attribute.
	require.NoError(t, s.SetSCIMEnterprise(ctx, &scim.Enterprise{UserID: u, AccountID: a.ID, Department: "Finance", UpdatedAt: at(3)}))
	m, err = s.SCIMEnterprise(ctx, []string{u})
	require.NoError(t, err)
	require.Equal(t, "Finance", m[u].Department)
	require.Empty(t, m[u].ManagerID)
	require.Empty(t, m[u].EmployeeNumber)

	require.NoError(t, s.DeleteSCIMEnterprise(ctx, u))
	require.NoError(t, s.DeleteSCIMEnterprise(ctx, u), "deleting twice is no error")
	m, err = s.SCIMEnterprise(ctx, []string{u, v})
	require.NoError(t, err)
	require.Equal(t, []string{v}, mapKeys(m))
	m, err = s.SCIMEnterprise(ctx, nil)
	require.NoError(t, err)
	require.Empty(t, m)
}

func testSCIMEnterpriseRollback(t *testing.T, s storage.Store) {
	ctx := context.Background()
	a := newMain("scim-ent-rb")
	mustCreate(t, s, a)
	u, v := newID(), newID()
	require.NoError(t, s.SetSCIMEnterprise(ctx, &scim.Enterprise{UserID: u, AccountID: a.ID, Department: "Keep", UpdatedAt: at(1)}))
	boom := errors.New("boom")
	err := s.InTx(ctx, func(ctx context.Context) error {
		require.NoError(t, s.SetSCIMEnterprise(ctx, &scim.Enterprise{UserID: u, AccountID: a.ID, Department: "Changed", UpdatedAt: at(2)}))
		require.NoError(t, s.SetSCIMEnterprise(ctx, &scim.Enterprise{UserID: v, AccountID: a.ID, Department: "New", UpdatedAt: at(2)}))
		return boom
	})
	require.ErrorIs(t, err, boom)
	m, err := s.SCIMEnterprise(ctx, []string{u, v})
	require.NoError(t, err)
	require.Equal(t, []string{u}, mapKeys(m))
	require.Equal(t, "Keep", m[u].Department)
	err = s.InTx(ctx, func(ctx context.Context) error {
		require.NoError(t, s.DeleteSCIMEnterprise(ctx, u))
		return boom
	})
	require.ErrorIs(t, err, boom)
	m, err = s.SCIMEnterprise(ctx, []string{u})
	require.NoError(t, err)
	require.Equal(t, "Keep", m[u].Department)
}

func mapKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func testSCIMListSorted(t *testing.T, s storage.Store) {
	ctx := context.Background()
	a, b := newMain("scim-sort"), newMain("scim-sort-b")
	mustCreate(t, s, a, b)
	// created order: carol, alice, bob, dave; modified order: bob, dave, carol, alice.
	mk := func(name string, created, modified int, ext string) *users.User {
		u := newUser(a, name)
		u.CreatedAt, u.UpdatedAt = at(created), at(modified)
		mustCreateUser(t, s, u)
		if ext != "" {
			require.NoError(t, s.SetSCIMExternalID(ctx, extID(a.ID, scim.KindUser, u.ID, ext)))
		}
		return u
	}
	carol := mk("scim-sort-carol", 1, 30, "B-2")
	alice := mk("scim-sort-alice", 2, 40, "a-1")
	bob := mk("scim-sort-bob", 3, 10, "")
	dave := mk("scim-sort-dave", 4, 20, "B-10")
	other := newUser(b, "scim-sort-aaron")
	mustCreateUser(t, s, other)

	names := func(q scim.UserQuery) []string {
		t.Helper()
		q.AccountIDs = []string{a.ID}
		list, err := s.ListSCIMUsers(ctx, q)
		require.NoError(t, err)
		out := []string{}
		for _, u := range list {
			out = append(out, strings.TrimPrefix(u.Username, "scim-sort-"))
		}
		return out
	}
	require.Equal(t, []string{"alice", "bob", "carol", "dave"}, names(scim.UserQuery{Sort: scim.SortUserName}))
	require.Equal(t, []string{"dave", "carol", "bob", "alice"}, names(scim.UserQuery{Sort: scim.SortUserName, Descending: true}))
	require.Equal(t, []string{"carol", "alice", "bob", "dave"}, names(scim.UserQuery{Sort: scim.SortCreated}))
	require.Equal(t, []string{"carol", "alice", "bob", "dave"}, names(scim.UserQuery{}), "the default order is creation")
	require.Equal(t, []string{"bob", "dave", "carol", "alice"}, names(scim.UserQuery{Sort: scim.SortLastModified}))
	require.Equal(t, []string{"alice", "carol", "dave", "bob"}, names(scim.UserQuery{Sort: scim.SortLastModified, Descending: true}))
	// externalId byte for byte ("B-10" < "B-2" < "a-1"), users without one first.
	require.Equal(t, []string{"bob", "dave", "carol", "alice"}, names(scim.UserQuery{Sort: scim.SortExternalID}))
	require.Equal(t, []string{"alice", "carol", "dave", "bob"}, names(scim.UserQuery{Sort: scim.SortExternalID, Descending: true}))

	// Paging: offset and limit over the order.
	require.Equal(t, []string{"bob", "carol"}, names(scim.UserQuery{Sort: scim.SortUserName, Offset: 1, Limit: 2}))
	require.Equal(t, []string{"carol", "dave"}, names(scim.UserQuery{Sort: scim.SortUserName, Offset: 2}))
	require.Equal(t, []string{}, names(scim.UserQuery{Sort: scim.SortUserName, Offset: 9, Limit: 2}))
	// Ties are broken by ID.
	require.NoError(t, s.UpdateUser(ctx, func() *users.User { c := *bob; c.UpdatedAt = at(20); return &c }()))
	tied := names(scim.UserQuery{Sort: scim.SortLastModified})
	if bob.ID < dave.ID {
		require.Equal(t, []string{"bob", "dave", "carol", "alice"}, tied)
	} else {
		require.Equal(t, []string{"dave", "bob", "carol", "alice"}, tied)
	}

	// IDs and Search (a word search, see accountkit.SearchWords) narrow;
	// other accounts never appear.
	require.Equal(t, []string{"alice", "dave"}, names(scim.UserQuery{Sort: scim.SortUserName, IDs: []string{dave.ID, alice.ID, other.ID}}))
	require.Equal(t, []string{}, names(scim.UserQuery{IDs: []string{}}))
	require.Equal(t, []string{"alice"}, names(scim.UserQuery{Search: "ali", Sort: scim.SortCreated, Limit: 2}))
	require.Equal(t, []string{"alice", "carol"}, names(scim.UserQuery{Search: "sort", Sort: scim.SortExternalID, Descending: true, Offset: 0, Limit: 2}))
	require.Equal(t, carol.ID, func() string {
		l, err := s.ListSCIMUsers(ctx, scim.UserQuery{AccountIDs: []string{a.ID}, Search: "carol"})
		require.NoError(t, err)
		require.Len(t, l, 1)
		return l[0].ID
	}())
	list, err := s.ListSCIMUsers(ctx, scim.UserQuery{})
	require.NoError(t, err)
	require.Empty(t, list, "no account, no users")
}

func testSCIMSettings(t *testing.T, s storage.Store) {
	ctx := context.Background()
	a, b := newMain("scim-settings"), newMain("scim-settings-b")
	mustCreate(t, s, a, b)
	_, err := s.SCIMSettings(ctx, a.ID)
	requireCode(t, accountkit.NotFound, err)
	want := &scim.Settings{AccountID: a.ID, DeactivationFreesSeat: true, UpdatedAt: at(1), RoleMappings: []scim.RoleMapping{
		{Attribute: scim.MapRoles, Value: "Admin", Role: "account_manager"}, {Attribute: scim.MapDepartment, Value: "Sales — Zürich", Role: "x"}}}
	require.NoError(t, s.SetSCIMSettings(ctx, want))
	got, err := s.SCIMSettings(ctx, a.ID)
	require.NoError(t, err)
	requireUTC(t, at(1), got.UpdatedAt, "UpdatedAt")
	got.UpdatedAt = at(1)
	require.Equal(t, want, got)
	_, err = s.SCIMSettings(ctx, b.ID)
	requireCode(t, accountkit.NotFound, err, "another account has none")

	boom := errors.New("boom")
	err = s.InTx(ctx, func(ctx context.Context) error {
		require.NoError(t, s.SetSCIMSettings(ctx, &scim.Settings{AccountID: a.ID, UpdatedAt: at(2)}))
		return boom
	})
	require.ErrorIs(t, err, boom)
	got, err = s.SCIMSettings(ctx, a.ID)
	require.NoError(t, err)
	require.True(t, got.DeactivationFreesSeat, "rolled back")

	require.NoError(t, s.SetSCIMSettings(ctx, &scim.Settings{AccountID: a.ID, UpdatedAt: at(3)}))
	got, err = s.SCIMSettings(ctx, a.ID)
	require.NoError(t, err)
	require.False(t, got.DeactivationFreesSeat)
	require.Nil(t, got.RoleMappings)
}
