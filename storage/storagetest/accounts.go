package storagetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/storage"
)

// newMain returns an enabled main account with the slug, not yet stored.
func newMain(slug string) *account.Account {
	id := newID()
	return &account.Account{
		ID:        id,
		Ancestry:  []string{id},
		Name:      "Account " + slug,
		Slug:      slug,
		Status:    account.StatusEnabled,
		CreatedAt: at(0),
		UpdatedAt: at(0),
	}
}

// newSub returns an enabled sub-account of parent with the slug, not yet
// stored.
func newSub(parent *account.Account, slug string) *account.Account {
	a := newMain(slug)
	a.ParentID = parent.ID
	a.Ancestry = append(slices.Clone(parent.Ancestry), a.ID)
	return a
}

// mustCreate stores each account and fails t on error.
func mustCreate(t testing.TB, s storage.Store, accounts ...*account.Account) {
	t.Helper()
	for _, a := range accounts {
		require.NoError(t, s.CreateAccount(ctx(), a), "create %s", a.Slug)
	}
}

// requireAccount fails t unless got holds every field of want.
func requireAccount(t testing.TB, want, got *account.Account) {
	t.Helper()
	require.NotNil(t, got)
	requireUTC(t, want.CreatedAt, got.CreatedAt, "CreatedAt")
	requireUTC(t, want.UpdatedAt, got.UpdatedAt, "UpdatedAt")
	w, g := *want, *got
	w.CreatedAt, w.UpdatedAt, g.CreatedAt, g.UpdatedAt = base, base, base, base
	require.Equal(t, w, g)
}

// slugsOf returns the slugs of list, in order.
func slugsOf(list []*account.Account) []string {
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = a.Slug
	}
	return out
}

// listSlugs lists the accounts matching f and returns their slugs.
func listSlugs(t testing.TB, s storage.Store, f account.Filter) []string {
	t.Helper()
	list, err := s.ListAccounts(ctx(), f)
	require.NoError(t, err)
	return slugsOf(list)
}

// tree is a main account with sub-accounts three levels deep:
//
//	main
//	├── a
//	│   ├── a1
//	│   │   └── a1x
//	│   └── a2
//	└── b
type tree struct {
	main, a, a1, a1x, a2, b *account.Account
}

// mustTree stores a tree whose slugs start with prefix.
func mustTree(t testing.TB, s storage.Store, prefix string) tree {
	t.Helper()
	var tr tree
	tr.main = newMain(prefix)
	tr.a = newSub(tr.main, prefix+"-a")
	tr.a1 = newSub(tr.a, prefix+"-a1")
	tr.a1x = newSub(tr.a1, prefix+"-a1x")
	tr.a2 = newSub(tr.a, prefix+"-a2")
	tr.b = newSub(tr.main, prefix+"-b")
	mustCreate(t, s, tr.main, tr.a, tr.a1, tr.a1x, tr.a2, tr.b)
	return tr
}

func (tr tree) all() []*account.Account {
	return []*account.Account{tr.main, tr.a, tr.a1, tr.a1x, tr.a2, tr.b}
}

func testAccounts(t *testing.T, h Harness) {
	runAll(t, h, []subtest{
		{name: "CreateGet", run: testAccountCreateGet},
		{name: "GetNotFound", run: testAccountGetNotFound},
		{name: "CreateConflictID", run: testAccountCreateConflictID},
		{name: "CreateConflictSlug", run: testAccountCreateConflictSlug},
		{name: "Update", run: testAccountUpdate},
		{name: "UpdateKeepsOwnSlug", run: testAccountUpdateKeepsOwnSlug},
		{name: "UpdateOnlyMutableFields", run: testAccountUpdateOnlyMutableFields},
		{name: "UpdateNotFound", run: testAccountUpdateNotFound},
		{name: "UpdateConflictSlug", run: testAccountUpdateConflictSlug},
		{name: "ReturnsCopies", run: testAccountReturnsCopies},
		{name: "TimesNormalized", run: testAccountTimesNormalized},
		{name: "ListParentID", run: testAccountListParentID},
		{name: "ListDescendantOf", run: testAccountListDescendantOf},
		{name: "ListSearch", run: testAccountListSearch},
		{name: "ListSearchLiteral", run: testAccountListSearchLiteral},
		{name: "ListStatus", run: testAccountListStatus},
		{name: "ListCombined", run: testAccountListCombined},
		{name: "ListOrderBytes", run: testAccountListOrderBytes},
		{name: "ListPagination", run: testAccountListPagination},
		{name: "ListLimit", run: testAccountListDefaultLimit},
		{name: "Ancestry", run: testAccountAncestry},
		{name: "Subtree", run: testAccountSubtree},
		{name: "AnotherTreeSeesNothing", run: testAccountAnotherTree},
	})
}

func testAccountCreateGet(t *testing.T, s storage.Store) {
	main := newMain("acme")
	main.Name = "Acme Corporation"
	main.CreatedAt, main.UpdatedAt = at(-3600), at(7)
	sub := newSub(main, "acme-emea")
	sub.Name = "Acme EMEA"
	sub.Status = account.StatusDisabled
	subsub := newSub(sub, "acme-emea-de")
	mustCreate(t, s, main, sub, subsub)

	for _, want := range []*account.Account{main, sub, subsub} {
		got, err := s.GetAccount(ctx(), want.ID)
		require.NoError(t, err)
		requireAccount(t, want, got)

		got, err = s.GetAccountBySlug(ctx(), want.Slug)
		require.NoError(t, err)
		requireAccount(t, want, got)
	}
	got, err := s.GetAccount(ctx(), main.ID)
	require.NoError(t, err)
	assert.Equal(t, "", got.ParentID, "a main account's ParentID is empty")
	assert.Equal(t, []string{main.ID}, got.Ancestry)
	got, err = s.GetAccount(ctx(), subsub.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{main.ID, sub.ID, subsub.ID}, got.Ancestry)
	assert.Equal(t, sub.ID, got.ParentID)
}

func testAccountGetNotFound(t *testing.T, s storage.Store) {
	mustCreate(t, s, newMain("present"))
	_, err := s.GetAccount(ctx(), newID())
	requireCode(t, accountkit.NotFound, err)
	_, err = s.GetAccountBySlug(ctx(), "absent")
	requireCode(t, accountkit.NotFound, err)
	_, err = s.GetAccountBySlug(ctx(), "PRESENT")
	requireCode(t, accountkit.NotFound, err, "slugs match exactly")
}

func testAccountCreateConflictID(t *testing.T, s storage.Store) {
	a := newMain("first")
	mustCreate(t, s, a)
	dup := newMain("second")
	dup.ID, dup.Ancestry = a.ID, []string{a.ID}
	requireCode(t, accountkit.Conflict, s.CreateAccount(ctx(), dup))

	_, err := s.GetAccountBySlug(ctx(), "second")
	requireCode(t, accountkit.NotFound, err, "a refused create leaves nothing")
	got, err := s.GetAccount(ctx(), a.ID)
	require.NoError(t, err)
	requireAccount(t, a, got)
}

func testAccountCreateConflictSlug(t *testing.T, s storage.Store) {
	main := newMain("taken")
	mustCreate(t, s, main)
	for _, dup := range []*account.Account{newMain("taken"), newSub(main, "taken")} {
		requireCode(t, accountkit.Conflict, s.CreateAccount(ctx(), dup))
		_, err := s.GetAccount(ctx(), dup.ID)
		requireCode(t, accountkit.NotFound, err, "a refused create leaves nothing")
	}
	got, err := s.GetAccountBySlug(ctx(), "taken")
	require.NoError(t, err)
	requireAccount(t, main, got)
}

func testAccountUpdate(t *testing.T, s storage.Store) {
	main := newMain("before")
	sub := newSub(main, "before-sub")
	mustCreate(t, s, main, sub)

	sub.Name = "Renamed Ünïcode"
	sub.Slug = "after-sub"
	sub.Status = account.StatusDisabled
	sub.UpdatedAt = at(90)
	require.NoError(t, s.UpdateAccount(ctx(), sub))

	got, err := s.GetAccount(ctx(), sub.ID)
	require.NoError(t, err)
	requireAccount(t, sub, got)
	got, err = s.GetAccountBySlug(ctx(), "after-sub")
	require.NoError(t, err)
	requireAccount(t, sub, got)
	_, err = s.GetAccountBySlug(ctx(), "before-sub")
	requireCode(t, accountkit.NotFound, err, "the old slug is free")

	// The old slug can be taken by another account, and the status goes back.
	mustCreate(t, s, newSub(main, "before-sub"))
	sub.Status = account.StatusEnabled
	sub.UpdatedAt = at(91)
	require.NoError(t, s.UpdateAccount(ctx(), sub))
	got, err = s.GetAccount(ctx(), sub.ID)
	require.NoError(t, err)
	requireAccount(t, sub, got)

	other, err := s.GetAccount(ctx(), main.ID)
	require.NoError(t, err)
	requireAccount(t, main, other)
}

func testAccountUpdateKeepsOwnSlug(t *testing.T, s storage.Store) {
	a := newMain("same")
	mustCreate(t, s, a)
	a.Name = "New name"
	a.UpdatedAt = at(5)
	require.NoError(t, s.UpdateAccount(ctx(), a), "keeping one's own slug is no conflict")
	got, err := s.GetAccountBySlug(ctx(), "same")
	require.NoError(t, err)
	requireAccount(t, a, got)
}

// testAccountUpdateOnlyMutableFields checks that UpdateAccount saves Name,
// Slug, Status and UpdatedAt only, as its contract says.
func testAccountUpdateOnlyMutableFields(t *testing.T, s storage.Store) {
	main := newMain("keep")
	other := newMain("other")
	sub := newSub(main, "keep-sub")
	mustCreate(t, s, main, other, sub)
	want := *sub
	want.Ancestry = slices.Clone(sub.Ancestry)
	want.Name = "changed"
	want.UpdatedAt = at(10)

	in := want
	in.ParentID = other.ID
	in.Ancestry = []string{other.ID, sub.ID}
	in.CreatedAt = at(99)
	require.NoError(t, s.UpdateAccount(ctx(), &in))
	got, err := s.GetAccount(ctx(), sub.ID)
	require.NoError(t, err)
	requireAccount(t, &want, got)
}

func testAccountUpdateNotFound(t *testing.T, s storage.Store) {
	mustCreate(t, s, newMain("exists"))
	a := newMain("ghost")
	requireCode(t, accountkit.NotFound, s.UpdateAccount(ctx(), a))
	_, err := s.GetAccount(ctx(), a.ID)
	requireCode(t, accountkit.NotFound, err, "update must not create")
	_, err = s.GetAccountBySlug(ctx(), "ghost")
	requireCode(t, accountkit.NotFound, err, "update must not create")
}

func testAccountUpdateConflictSlug(t *testing.T, s storage.Store) {
	a := newMain("one")
	b := newMain("two")
	mustCreate(t, s, a, b)
	changed := *b
	changed.Slug = "one"
	changed.Name = "should not land"
	changed.UpdatedAt = at(50)
	requireCode(t, accountkit.Conflict, s.UpdateAccount(ctx(), &changed))

	for _, want := range []*account.Account{a, b} {
		got, err := s.GetAccountBySlug(ctx(), want.Slug)
		require.NoError(t, err)
		requireAccount(t, want, got)
	}
}

func testAccountReturnsCopies(t *testing.T, s storage.Store) {
	main := newMain("copies")
	sub := newSub(main, "copies-sub")
	mustCreate(t, s, main, sub)
	want := *sub
	want.Ancestry = slices.Clone(sub.Ancestry)

	// The store must not keep the caller's record or slice.
	sub.Ancestry[0] = "changed-after-create"
	sub.Name = "changed after create"

	got, err := s.GetAccount(ctx(), sub.ID)
	require.NoError(t, err)
	requireAccount(t, &want, got)
	got.Ancestry[0] = "changed-after-get"
	got.Name = "changed after get"

	bySlug, err := s.GetAccountBySlug(ctx(), want.Slug)
	require.NoError(t, err)
	requireAccount(t, &want, bySlug)
	bySlug.Ancestry[1] = "changed-after-get-by-slug"

	list, err := s.ListAccounts(ctx(), account.Filter{ParentID: &main.ID})
	require.NoError(t, err)
	require.Len(t, list, 1)
	requireAccount(t, &want, list[0])
	list[0].Ancestry[0] = "changed-after-list"
	list[0].Slug = "changed-after-list"

	anc, err := s.AccountAncestry(ctx(), sub.ID)
	require.NoError(t, err)
	anc[0] = "changed-after-ancestry"
	sub2, err := s.AccountSubtree(ctx(), main.ID)
	require.NoError(t, err)
	sub2[0] = "changed-after-subtree"

	got, err = s.GetAccount(ctx(), sub.ID)
	require.NoError(t, err)
	requireAccount(t, &want, got)
	anc, err = s.AccountAncestry(ctx(), sub.ID)
	require.NoError(t, err)
	require.Equal(t, want.Ancestry, anc)
	sub2, err = s.AccountSubtree(ctx(), main.ID)
	require.NoError(t, err)
	require.ElementsMatch(t, []string{main.ID, sub.ID}, sub2)
}

// testAccountTimesNormalized checks that times come back in UTC at
// microsecond precision whatever zone they were given in.
func testAccountTimesNormalized(t *testing.T, s storage.Store) {
	zone := time.FixedZone("UTC+5", 5*3600)
	a := newMain("zoned")
	a.CreatedAt = at(1).Add(400 * time.Nanosecond).In(zone)
	a.UpdatedAt = at(2).Add(400 * time.Nanosecond).In(zone)
	mustCreate(t, s, a)
	got, err := s.GetAccount(ctx(), a.ID)
	require.NoError(t, err)
	requireUTC(t, at(1), got.CreatedAt, "CreatedAt")
	requireUTC(t, at(2), got.UpdatedAt, "UpdatedAt")

	a.UpdatedAt = at(3).In(time.FixedZone("UTC-7", -7*3600))
	require.NoError(t, s.UpdateAccount(ctx(), a))
	list, err := s.ListAccounts(ctx(), account.Filter{Search: "zoned"})
	require.NoError(t, err)
	require.Len(t, list, 1)
	requireUTC(t, at(1), list[0].CreatedAt, "CreatedAt")
	requireUTC(t, at(3), list[0].UpdatedAt, "UpdatedAt")
}

func testAccountListParentID(t *testing.T, s storage.Store) {
	tr := mustTree(t, s, "p")
	other := mustTree(t, s, "q")
	assert.Equal(t, []string{"p-a", "p-b"}, listSlugs(t, s, account.Filter{ParentID: &tr.main.ID}))
	assert.Equal(t, []string{"p-a1", "p-a2"}, listSlugs(t, s, account.Filter{ParentID: &tr.a.ID}))
	assert.Equal(t, []string{"p-a1x"}, listSlugs(t, s, account.Filter{ParentID: &tr.a1.ID}))
	assert.Empty(t, listSlugs(t, s, account.Filter{ParentID: &tr.a1x.ID}), "a leaf has no children")
	assert.Empty(t, listSlugs(t, s, account.Filter{ParentID: ptr(newID())}), "unknown parent: empty, no error")
	assert.Equal(t, []string{"q-a", "q-b"}, listSlugs(t, s, account.Filter{ParentID: &other.main.ID}))
}

func testAccountListDescendantOf(t *testing.T, s storage.Store) {
	tr := mustTree(t, s, "d")
	mustTree(t, s, "e")
	assert.Equal(t, []string{"d-a", "d-a1", "d-a1x", "d-a2", "d-b"},
		listSlugs(t, s, account.Filter{DescendantOf: &tr.main.ID}), "every depth, not the account itself")
	assert.Equal(t, []string{"d-a1", "d-a1x", "d-a2"}, listSlugs(t, s, account.Filter{DescendantOf: &tr.a.ID}))
	assert.Equal(t, []string{"d-a1x"}, listSlugs(t, s, account.Filter{DescendantOf: &tr.a1.ID}))
	assert.Empty(t, listSlugs(t, s, account.Filter{DescendantOf: &tr.b.ID}))
	assert.Empty(t, listSlugs(t, s, account.Filter{DescendantOf: ptr(newID())}))
}

func testAccountListSearch(t *testing.T, s storage.Store) {
	main := newMain("search")
	uni := newSub(main, "unicode")
	uni.Name = "Ünïcode GmbH"
	acme := newSub(main, "acme-widgets")
	acme.Name = "ACME Widgets"
	slugOnly := newSub(main, "zeta-findme")
	slugOnly.Name = "Zeta"
	mustCreate(t, s, main, uni, acme, slugOnly)

	for _, c := range []struct {
		search string
		want   []string
	}{
		{"ünï", []string{"unicode"}},
		{"ÜNÏ", []string{"unicode"}},
		{"gmbh", []string{"unicode"}},
		{"acme", []string{"acme-widgets"}},
		{"widgets", []string{"acme-widgets"}},
		{"Me WiD", []string{"acme-widgets"}},
		{"FINDME", []string{"zeta-findme"}},
		{"a-f", []string{"zeta-findme"}},
		{"nothing-like-this", nil},
		{"", []string{"acme-widgets", "unicode", "zeta-findme"}},
	} {
		got := listSlugs(t, s, account.Filter{ParentID: &main.ID, Search: c.search})
		assert.Equal(t, c.want, nilIfEmpty(got), "search %q", c.search)
	}
}

func testAccountListSearchLiteral(t *testing.T, s storage.Store) {
	main := newMain("literal")
	pct := newSub(main, "pct")
	pct.Name = "100% Pure"
	noPct := newSub(main, "no-pct")
	noPct.Name = "1000 Pure"
	under := newSub(main, "under")
	under.Name = "snake_case Ltd"
	noUnder := newSub(main, "no-under")
	noUnder.Name = "snakeXcase Ltd"
	bang := newSub(main, "bang")
	bang.Name = `Quote's "Back\slash" !Bang`
	mustCreate(t, s, main, pct, noPct, under, noUnder, bang)

	for _, c := range []struct {
		search string
		want   []string
	}{
		{"0%", []string{"pct"}},
		{"%", []string{"pct"}},
		{"e_c", []string{"under"}},
		{"_", []string{"under"}},
		{"%_", nil},
		{`\`, []string{"bang"}},
		{`\s`, []string{"bang"}},
		{"!b", []string{"bang"}},
		{"'s \"", []string{"bang"}},
	} {
		got := listSlugs(t, s, account.Filter{DescendantOf: &main.ID, Search: c.search})
		assert.Equal(t, c.want, nilIfEmpty(got), "search %q must be matched literally", c.search)
	}
}

func testAccountListStatus(t *testing.T, s storage.Store) {
	main := newMain("status")
	on := newSub(main, "status-on")
	off := newSub(main, "status-off")
	off.Status = account.StatusDisabled
	mustCreate(t, s, main, on, off)
	assert.Equal(t, []string{"status-on"}, listSlugs(t, s, account.Filter{ParentID: &main.ID, Status: ptr(account.StatusEnabled)}))
	assert.Equal(t, []string{"status-off"}, listSlugs(t, s, account.Filter{ParentID: &main.ID, Status: ptr(account.StatusDisabled)}))
	assert.Equal(t, []string{"status", "status-on"}, listSlugs(t, s, account.Filter{Status: ptr(account.StatusEnabled)}))
}

func testAccountListCombined(t *testing.T, s storage.Store) {
	tr := mustTree(t, s, "c")
	mustTree(t, s, "cc")
	tr.a1.Status = account.StatusDisabled
	tr.a1.UpdatedAt = at(1)
	require.NoError(t, s.UpdateAccount(ctx(), tr.a1))
	assert.Equal(t, []string{"c-a1x", "c-a2"}, listSlugs(t, s, account.Filter{
		DescendantOf: &tr.a.ID, Status: ptr(account.StatusEnabled),
	}))
	assert.Equal(t, []string{"c-a1"}, listSlugs(t, s, account.Filter{
		ParentID: &tr.a.ID, Search: "A1", Status: ptr(account.StatusDisabled),
	}))
	assert.Equal(t, []string{"c-a2", "c-b"}, listSlugs(t, s, account.Filter{
		DescendantOf: &tr.main.ID, AfterSlug: "c-a1x", Limit: 2,
	}))
	assert.Equal(t, []string{"c-a1", "c-a2"}, listSlugs(t, s, account.Filter{
		ParentID: &tr.a.ID, DescendantOf: &tr.main.ID,
	}), "ParentID and DescendantOf both apply")
	assert.Empty(t, listSlugs(t, s, account.Filter{ParentID: &tr.a.ID, DescendantOf: &tr.b.ID}))
	assert.Empty(t, listSlugs(t, s, account.Filter{ParentID: &tr.main.ID, DescendantOf: &tr.a.ID}),
		"DescendantOf excludes the account itself")
	assert.Equal(t, []string{"cc-a1", "cc-a1x"}, listSlugs(t, s, account.Filter{
		Search: "A1", Status: ptr(account.StatusEnabled), AfterSlug: "c-b", Limit: 2,
	}), "filters without a tree")
}

// testAccountListOrderBytes checks that slugs sort by their bytes, whatever
// the database's collation says about punctuation.
func testAccountListOrderBytes(t *testing.T, s storage.Store) {
	main := newMain("order")
	slugs := []string{"ab", "a0", "a-b", "a_b", "a", "b", "a-", "aa", "a9z", "a-a"}
	var created []*account.Account
	for _, slug := range slugs {
		created = append(created, newSub(main, slug))
	}
	mustCreate(t, s, main)
	mustCreate(t, s, created...)

	want := slices.Clone(slugs)
	slices.Sort(want) // byte order
	assert.Equal(t, want, listSlugs(t, s, account.Filter{ParentID: &main.ID}))

	// Paging one by one follows the same order.
	var walked []string
	after := ""
	for range len(want) + 1 {
		page := listSlugs(t, s, account.Filter{ParentID: &main.ID, AfterSlug: after, Limit: 1})
		if len(page) == 0 {
			break
		}
		walked = append(walked, page...)
		after = page[len(page)-1]
	}
	assert.Equal(t, want, walked)
}

func testAccountListPagination(t *testing.T, s storage.Store) {
	main := newMain("page")
	var want []string
	var subs []*account.Account
	for i := range 11 {
		a := newSub(main, fmt.Sprintf("page-%02d", i))
		subs = append(subs, a)
		want = append(want, a.Slug)
	}
	mustCreate(t, s, main)
	// Create out of order so insertion order cannot pass for slug order.
	for i := range subs {
		mustCreate(t, s, subs[(i*7)%len(subs)])
	}
	mustTree(t, s, "pagf") // another tree in between, by slug

	for _, limit := range []int{1, 3, 4, 11, 12} {
		var got []string
		after := ""
		for range len(want) + 2 {
			page := listSlugs(t, s, account.Filter{DescendantOf: &main.ID, AfterSlug: after, Limit: limit})
			require.LessOrEqual(t, len(page), limit)
			if len(page) == 0 {
				break
			}
			got = append(got, page...)
			after = page[len(page)-1]
		}
		assert.Equal(t, want, got, "limit %d walks every account exactly once", limit)
	}
	// Without a tree filter, paging walks every account of the store.
	var everything []string
	for _, a := range subs {
		everything = append(everything, a.Slug)
	}
	everything = append(everything, "page", "pagf", "pagf-a", "pagf-a1", "pagf-a1x", "pagf-a2", "pagf-b")
	slices.Sort(everything)
	for _, limit := range []int{1, 5, 50} {
		var got []string
		after := ""
		for range len(everything) + 2 {
			page := listSlugs(t, s, account.Filter{AfterSlug: after, Limit: limit})
			if len(page) == 0 {
				break
			}
			got = append(got, page...)
			after = page[len(page)-1]
		}
		assert.Equal(t, everything, got, "limit %d, no tree filter", limit)
	}
	assert.Equal(t, everything[3:6], listSlugs(t, s, account.Filter{AfterSlug: everything[2], Limit: 3}))
	assert.Equal(t, everything[3:6], listSlugs(t, s, account.Filter{AfterSlug: everything[2] + "!", Limit: 3}))

	assert.Equal(t, want[5:], listSlugs(t, s, account.Filter{ParentID: &main.ID, AfterSlug: "page-04"}))
	assert.Equal(t, want[5:], listSlugs(t, s, account.Filter{ParentID: &main.ID, AfterSlug: "page-04+"}), "AfterSlug need not exist")
}

func testAccountListDefaultLimit(t *testing.T, s storage.Store) {
	main := newMain("dl")
	var subs []*account.Account
	for i := range 55 {
		subs = append(subs, newSub(main, fmt.Sprintf("dl-%02d", i)))
	}
	mustCreate(t, s, main)
	mustCreate(t, s, subs...)
	got := listSlugs(t, s, account.Filter{ParentID: &main.ID, Limit: 50})
	require.Len(t, got, 50)
	assert.Equal(t, "dl-00", got[0])
	assert.Equal(t, "dl-49", got[49])
	for _, limit := range []int{0, -1} {
		assert.Len(t, listSlugs(t, s, account.Filter{ParentID: &main.ID, Limit: limit}), 55, "limit %d: every match", limit)
	}
	assert.Len(t, listSlugs(t, s, account.Filter{ParentID: &main.ID, Limit: 100}), 55)
}

func testAccountAncestry(t *testing.T, s storage.Store) {
	tr := mustTree(t, s, "anc")
	for _, a := range tr.all() {
		got, err := s.AccountAncestry(ctx(), a.ID)
		require.NoError(t, err)
		assert.Equal(t, a.Ancestry, got, a.Slug)
	}
	got, err := s.AccountAncestry(ctx(), tr.a1x.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{tr.main.ID, tr.a.ID, tr.a1.ID, tr.a1x.ID}, got)
	_, err = s.AccountAncestry(ctx(), newID())
	requireCode(t, accountkit.NotFound, err)
}

func testAccountSubtree(t *testing.T, s storage.Store) {
	tr := mustTree(t, s, "sub")
	other := mustTree(t, s, "suc")
	for _, c := range []struct {
		root *account.Account
		want []*account.Account
	}{
		{tr.main, tr.all()},
		{tr.a, []*account.Account{tr.a, tr.a1, tr.a1x, tr.a2}},
		{tr.a1, []*account.Account{tr.a1, tr.a1x}},
		{tr.a1x, []*account.Account{tr.a1x}},
		{tr.b, []*account.Account{tr.b}},
		{other.main, other.all()},
	} {
		got, err := s.AccountSubtree(ctx(), c.root.ID)
		require.NoError(t, err)
		var want []string
		for _, a := range c.want {
			want = append(want, a.ID)
		}
		assert.ElementsMatch(t, want, got, "subtree of %s", c.root.Slug)
	}
	_, err := s.AccountSubtree(ctx(), newID())
	requireCode(t, accountkit.NotFound, err)
}

// testAccountAnotherTree checks that every filter scoped to one tree keeps
// the other tree's accounts out, even when they match everything else.
func testAccountAnotherTree(t *testing.T, s storage.Store) {
	mine := mustTree(t, s, "mine")
	theirs := mustTree(t, s, "theirs")
	theirIDs := map[string]bool{}
	for _, a := range theirs.all() {
		theirIDs[a.ID] = true
	}
	for _, root := range mine.all() {
		for _, f := range []account.Filter{
			{ParentID: &root.ID},
			{DescendantOf: &root.ID},
			{DescendantOf: &root.ID, Search: "account"},
			{ParentID: &root.ID, Search: "-a"},
			{DescendantOf: &root.ID, Status: ptr(account.StatusEnabled)},
			{DescendantOf: &root.ID, AfterSlug: "a"},
			{DescendantOf: &root.ID, AfterSlug: "mine-b"},
		} {
			list, err := s.ListAccounts(ctx(), f)
			require.NoError(t, err)
			for _, a := range list {
				require.False(t, theirIDs[a.ID], "%+v returned %s", f, a.Slug)
				require.Equal(t, mine.main.ID, a.Ancestry[0])
			}
		}
		sub, err := s.AccountSubtree(ctx(), root.ID)
		require.NoError(t, err)
		for _, id := range sub {
			require.False(t, theirIDs[id], "subtree of %s", root.Slug)
		}
	}
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}
