package storagetest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/storage"
)

// seqs hands out chain positions. Stores may keep (main account, Seq)
// unique, so every event built by newEvent gets a Seq of its own.
var seqs atomic.Int64

// newEvent returns an event of accountID in mainID's tree at time tm, with
// its hash computed, not yet stored.
func newEvent(mainID, accountID string, tm time.Time) *audit.Event {
	e := &audit.Event{
		ID:            newID(),
		AccountID:     accountID,
		MainAccountID: mainID,
		Time:          tm,
		ActorID:       "user-1",
		ActorName:     "alice",
		Item:          "User",
		Action:        "Create",
		Status:        audit.StatusSuccess,
		Description:   "User created.",
		TargetType:    "user",
		TargetID:      "user-2",
		TargetName:    "bob",
		IP:            "192.0.2.1",
		UserAgent:     "storagetest",
		Seq:           seqs.Add(1),
		PrevHash:      "",
	}
	e.Hash = e.ComputeHash()
	return e
}

// mustInsert stores each event and fails t on error.
func mustInsert(t testing.TB, s storage.Store, events ...*audit.Event) {
	t.Helper()
	for _, e := range events {
		require.NoError(t, s.InsertAuditEvent(ctx(), e), "insert %s", e.Description)
	}
}

// requireEvent fails t unless got holds every field of want.
func requireEvent(t testing.TB, want, got *audit.Event) {
	t.Helper()
	require.NotNil(t, got)
	requireUTC(t, want.Time, got.Time, "Time")
	w, g := *want, *got
	w.Time, g.Time = base, base
	require.Equal(t, w, g)
	require.Equal(t, want.Details == nil, got.Details == nil, "nil Details stay nil, others stay non-nil (the hash depends on it)")
	require.Equal(t, want.ComputeHash(), got.ComputeHash(), "the event hashes the same after the round trip")
}

// idsOf returns the IDs of events, in order.
func idsOf(events []*audit.Event) []string {
	if len(events) == 0 {
		return nil
	}
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.ID
	}
	return out
}

// listEvents lists the events matching f.
func listEvents(t testing.TB, s storage.Store, f audit.Filter) []*audit.Event {
	t.Helper()
	list, err := s.ListAuditEvents(ctx(), f)
	require.NoError(t, err)
	return list
}

// newestFirst sorts events by (Time, ID) descending, the listing order.
func newestFirst(events []*audit.Event) []*audit.Event {
	out := slices.Clone(events)
	slices.SortFunc(out, func(a, b *audit.Event) int {
		if c := b.Time.Compare(a.Time); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	return out
}

// matches is the reference reading of audit.Filter, without paging.
func matches(e *audit.Event, f audit.Filter) bool {
	switch {
	case e.MainAccountID != f.MainAccountID,
		f.AccountIDs != nil && !slices.Contains(f.AccountIDs, e.AccountID),
		f.From != nil && e.Time.Before(*f.From),
		f.To != nil && !e.Time.Before(*f.To),
		f.ActorID != nil && e.ActorID != *f.ActorID,
		f.ActorName != nil && e.ActorName != *f.ActorName,
		f.Item != nil && e.Item != *f.Item,
		f.Action != nil && e.Action != *f.Action,
		f.Status != nil && e.Status != *f.Status,
		!accountkit.MatchSearchWords(accountkit.SearchWords(e.Description), accountkit.SearchWords(f.Search)):
		return false
	}
	if f.Before != nil {
		if c := e.Time.Compare(f.Before.Time); c > 0 || c == 0 && e.ID >= f.Before.ID {
			return false
		}
	}
	return true
}

// expect returns the IDs ListAuditEvents must return for f over all.
func expect(all []*audit.Event, f audit.Filter) []string {
	limit := f.Limit
	if limit <= 0 {
		limit = len(all)
	}
	var out []string
	for _, e := range newestFirst(all) {
		if len(out) < limit && matches(e, f) {
			out = append(out, e.ID)
		}
	}
	return out
}

// walk pages through the events matching f with the Before cursor, calling
// between (when not nil) after each page, and returns every ID seen.
func walk(t testing.TB, s storage.Store, f audit.Filter, between func(page int)) []string {
	t.Helper()
	var seen []string
	for page := 0; ; page++ {
		require.Less(t, page, 1000, "paging does not end")
		list := listEvents(t, s, f)
		require.LessOrEqual(t, len(list), f.Limit)
		if len(list) == 0 {
			return seen
		}
		seen = append(seen, idsOf(list)...)
		last := list[len(list)-1]
		f.Before = &audit.Cursor{Time: last.Time, ID: last.ID}
		if between != nil {
			between(page)
		}
	}
}

func testAudit(t *testing.T, h Harness) {
	runAll(t, h, []subtest{
		{name: "InsertList", run: testAuditInsertList},
		{name: "ConflictID", run: testAuditConflictID},
		{name: "ConflictSeq", run: testAuditConflictSeq},
		{name: "ReturnsCopies", run: testAuditReturnsCopies},
		{name: "TimeNormalized", run: testAuditTimeNormalized},
		{name: "Order", run: testAuditOrder},
		{name: "Filters", run: testAuditFilters},
		{name: "SearchWords", run: testAuditSearchWords},
		{name: "Pagination", run: testAuditPagination},
		{name: "PaginationWhileInserting", run: testAuditPaginationWhileInserting},
		{name: "Limit", run: testAuditDefaultLimit},
		{name: "AnotherMainSeesNothing", run: testAuditAnotherMain},
		{name: "ChainEmpty", run: testAuditChainEmpty},
		{name: "ChainAdvance", run: testAuditChainAdvance},
		{name: "ChainIndependent", run: testAuditChainIndependent},
		{name: "ChainAdvanceNotFound", run: testAuditChainAdvanceNotFound},
		{name: "ChainLockOutsideTx", run: testAuditChainLockOutsideTx},
		{name: "WordsFirst", run: testAuditWordsFirst},
		{name: "ListChain", run: testAuditListChain},
		{name: "Stream", run: testAuditStream},
	})
}

func testAuditInsertList(t *testing.T, s storage.Store) {
	main, sub := newID(), newID()
	full := newEvent(main, sub, at(1))
	full.ActorName = "Ünïcode Üser"
	full.Description = `Ünïcode "quoted" 100% under_score \ back`
	full.TargetName = "Zoë's team"
	full.IP = "2001:db8::1"
	full.UserAgent = strings.Repeat("Mozilla/5.0 ", 40)
	full.Details = map[string]string{"a": "1", "empty": "", "ünï": "cödé", "quote": `"x"`}
	full.Seq, full.PrevHash = seqs.Add(1), strings.Repeat("ab", 32)
	full.Hash = full.ComputeHash()

	bare := &audit.Event{ID: newID(), MainAccountID: main, Time: at(0), Seq: seqs.Add(1)}
	bare.Hash = bare.ComputeHash()
	mustInsert(t, s, full, bare)

	list := listEvents(t, s, audit.Filter{MainAccountID: main})
	require.Len(t, list, 2)
	requireEvent(t, full, list[0])
	requireEvent(t, bare, list[1])
	assert.Nil(t, list[1].Details)

	chain, err := s.ListAuditChain(ctx(), main, 0, 10)
	require.NoError(t, err)
	require.Len(t, chain, 2)
	byID := map[string]*audit.Event{full.ID: full, bare.ID: bare}
	for _, got := range chain {
		requireEvent(t, byID[got.ID], got)
	}
}

func testAuditConflictID(t *testing.T, s storage.Store) {
	main := newID()
	e := newEvent(main, main, at(0))
	mustInsert(t, s, e)
	dup := newEvent(main, main, at(5))
	dup.ID = e.ID
	dup.Description = "duplicate"
	requireCode(t, accountkit.Conflict, s.InsertAuditEvent(ctx(), dup))

	other := newEvent(newID(), newID(), at(5))
	other.ID = e.ID
	requireCode(t, accountkit.Conflict, s.InsertAuditEvent(ctx(), other), "IDs are unique across main accounts")

	list := listEvents(t, s, audit.Filter{MainAccountID: main})
	require.Len(t, list, 1)
	requireEvent(t, e, list[0])
	assert.Empty(t, listEvents(t, s, audit.Filter{MainAccountID: other.MainAccountID}))
}

// testAuditConflictSeq checks that a chain position is taken once: two
// events of one main account with the same Seq are a Conflict. The same Seq
// in another main account's chain is fine.
func testAuditConflictSeq(t *testing.T, s storage.Store) {
	main, other := newID(), newID()
	e := newEvent(main, main, at(0))
	e.Seq = 1
	mustInsert(t, s, e)
	dup := newEvent(main, main, at(1))
	dup.Seq = 1
	requireCode(t, accountkit.Conflict, s.InsertAuditEvent(ctx(), dup))
	elsewhere := newEvent(other, other, at(1))
	elsewhere.Seq = 1
	mustInsert(t, s, elsewhere)
	assert.Equal(t, []string{e.ID}, idsOf(listEvents(t, s, audit.Filter{MainAccountID: main})))
}

func testAuditReturnsCopies(t *testing.T, s storage.Store) {
	main := newID()
	e := newEvent(main, main, at(0))
	e.Details = map[string]string{"k": "v"}
	e.Hash = e.ComputeHash()
	want := *e
	want.Details = maps.Clone(e.Details)
	mustInsert(t, s, e)

	// The store must not keep the caller's record or map.
	e.Details["k"] = "changed after insert"
	e.Description = "changed after insert"

	list := listEvents(t, s, audit.Filter{MainAccountID: main})
	require.Len(t, list, 1)
	requireEvent(t, &want, list[0])
	list[0].Details["k"] = "changed after list"
	list[0].Details["new"] = "x"
	list[0].Description = "changed after list"

	chain, err := s.ListAuditChain(ctx(), main, 0, 10)
	require.NoError(t, err)
	require.Len(t, chain, 1)
	requireEvent(t, &want, chain[0])
	chain[0].Details["k"] = "changed after chain"

	list = listEvents(t, s, audit.Filter{MainAccountID: main})
	require.Len(t, list, 1)
	requireEvent(t, &want, list[0])
	chain, err = s.ListAuditChain(ctx(), main, 0, 10)
	require.NoError(t, err)
	requireEvent(t, &want, chain[0])
}

// testAuditTimeNormalized checks that event times come back in UTC at
// microsecond precision whatever zone they were given in.
func testAuditTimeNormalized(t *testing.T, s storage.Store) {
	main := newID()
	e := newEvent(main, main, at(4).Add(400*time.Nanosecond).In(time.FixedZone("UTC+9", 9*3600)))
	mustInsert(t, s, e)
	list := listEvents(t, s, audit.Filter{MainAccountID: main})
	require.Len(t, list, 1)
	requireUTC(t, at(4), list[0].Time, "Time")
	chain, err := s.ListAuditChain(ctx(), main, 0, 10)
	require.NoError(t, err)
	require.Len(t, chain, 1)
	requireUTC(t, at(4), chain[0].Time, "Time")
}

func testAuditOrder(t *testing.T, s storage.Store) {
	main := newID()
	var all []*audit.Event
	for i := range 12 {
		all = append(all, newEvent(main, main, at(i/3))) // three events per instant
	}
	// Insert in an order that is neither time nor ID order.
	for i := range all {
		mustInsert(t, s, all[(i*5)%len(all)])
	}
	want := newestFirst(all)
	got := listEvents(t, s, audit.Filter{MainAccountID: main})
	require.Equal(t, idsOf(want), idsOf(got), "newest first by (Time, ID) descending")
	for i := range want {
		requireEvent(t, want[i], got[i])
	}

	// Microseconds count.
	a := newEvent(main, main, at(20))
	b := newEvent(main, main, at(20).Add(time.Microsecond))
	mustInsert(t, s, b, a)
	got = listEvents(t, s, audit.Filter{MainAccountID: main, Limit: 2})
	assert.Equal(t, []string{b.ID, a.ID}, idsOf(got))
}

// auditFixture stores the events testAuditFilters and the pagination tests
// query: 48 events in one tree (a main account and two sub-accounts) with
// every attribute varying, several per instant, and look-alikes in another
// tree.
type auditFixture struct {
	main, sub1, sub2, other string
	all                     []*audit.Event // both trees
}

var fixtureDescriptions = []string{
	"User created.", "Password changed.", "Ünïcode GmbH renamed.", "Team ÄRGER deleted.",
	"Role 100% admin granted.", "Role 1000 admin granted.", "Key api_key revoked.", "Key apiXkey revoked.",
}

func mustAuditFixture(t testing.TB, s storage.Store) auditFixture {
	t.Helper()
	fx := auditFixture{main: newID(), sub1: newID(), sub2: newID(), other: newID()}
	accounts := []string{fx.main, fx.sub1, fx.sub2}
	actors := []struct{ id, name string }{{"user-1", "alice"}, {"user-2", "bob"}, {"", "system"}, {"", "api-key:k1"}}
	items := []audit.Item{"User", "Team", "Role"}
	actions := []audit.Action{"Create", "Update", "Delete", "Login", "Export"}
	statuses := []audit.Status{audit.StatusSuccess, audit.StatusFailure}
	build := func(main string, accounts []string, i int) *audit.Event {
		e := newEvent(main, accounts[i%len(accounts)], at(i/2))
		e.ActorID, e.ActorName = actors[i%len(actors)].id, actors[i%len(actors)].name
		e.Item = items[i%len(items)]
		e.Action = actions[i%len(actions)]
		e.Status = statuses[(i/3)%len(statuses)]
		e.Description = fixtureDescriptions[i%len(fixtureDescriptions)]
		e.Hash = e.ComputeHash()
		return e
	}
	for i := range 48 {
		fx.all = append(fx.all, build(fx.main, accounts, i))
	}
	for i := range 16 {
		// Same attributes and times, in another tree; AccountID of the first
		// tree too, which no filter may let through.
		fx.all = append(fx.all, build(fx.other, []string{fx.other, fx.sub1}, i))
	}
	for i := range fx.all {
		mustInsert(t, s, fx.all[(i*17)%len(fx.all)])
	}
	return fx
}

func testAuditFilters(t *testing.T, s storage.Store) {
	fx := mustAuditFixture(t, s)
	m := fx.main
	for _, c := range []struct {
		name string
		f    audit.Filter
	}{
		{"MainOnly", audit.Filter{MainAccountID: m, Limit: 100}},
		{"OtherMain", audit.Filter{MainAccountID: fx.other, Limit: 100}},
		{"UnknownMain", audit.Filter{MainAccountID: newID(), Limit: 100}},
		{"AccountIDsOne", audit.Filter{MainAccountID: m, AccountIDs: []string{fx.sub1}, Limit: 100}},
		{"AccountIDsTwo", audit.Filter{MainAccountID: m, AccountIDs: []string{fx.main, fx.sub2}, Limit: 100}},
		{"AccountIDsEmpty", audit.Filter{MainAccountID: m, AccountIDs: []string{}, Limit: 100}},
		{"AccountIDsOtherTree", audit.Filter{MainAccountID: m, AccountIDs: []string{fx.other}, Limit: 100}},
		{"From", audit.Filter{MainAccountID: m, From: ptr(at(10)), Limit: 100}},
		{"To", audit.Filter{MainAccountID: m, To: ptr(at(10)), Limit: 100}},
		{"FromTo", audit.Filter{MainAccountID: m, From: ptr(at(5)), To: ptr(at(8)), Limit: 100}},
		{"FromToEqual", audit.Filter{MainAccountID: m, From: ptr(at(5)), To: ptr(at(5)), Limit: 100}},
		{"FromMicro", audit.Filter{MainAccountID: m, From: ptr(at(5).Add(time.Microsecond)), Limit: 100}},
		{"ToMicro", audit.Filter{MainAccountID: m, To: ptr(at(5).Add(time.Microsecond)), Limit: 100}},
		{"FromNonUTC", audit.Filter{MainAccountID: m, From: ptr(at(20).In(time.FixedZone("X", 5*3600))), Limit: 100}},
		{"ActorID", audit.Filter{MainAccountID: m, ActorID: ptr("user-2"), Limit: 100}},
		{"ActorIDEmpty", audit.Filter{MainAccountID: m, ActorID: ptr(""), Limit: 100}},
		{"ActorName", audit.Filter{MainAccountID: m, ActorName: ptr("system"), Limit: 100}},
		{"ActorNameExact", audit.Filter{MainAccountID: m, ActorName: ptr("ALICE"), Limit: 100}},
		{"Item", audit.Filter{MainAccountID: m, Item: ptr(audit.Item("Team")), Limit: 100}},
		{"Action", audit.Filter{MainAccountID: m, Action: ptr(audit.Action("Delete")), Limit: 100}},
		{"Status", audit.Filter{MainAccountID: m, Status: ptr(audit.StatusFailure), Limit: 100}},
		{"Search", audit.Filter{MainAccountID: m, Search: "PASSWORD", Limit: 100}},
		{"SearchUnicode", audit.Filter{MainAccountID: m, Search: "ünï", Limit: 100}},
		{"SearchUnicodeUpper", audit.Filter{MainAccountID: m, Search: "äRGER", Limit: 100}},
		{"SearchPrefix", audit.Filter{MainAccountID: m, Search: "100", Limit: 100}},
		{"SearchWords", audit.Filter{MainAccountID: m, Search: "api_key", Limit: 100}},
		{"SearchWordsAnyOrder", audit.Filter{MainAccountID: m, Search: "renamed GMBH", Limit: 100}},
		{"Combined", audit.Filter{
			MainAccountID: m, AccountIDs: []string{fx.main, fx.sub1}, From: ptr(at(2)), To: ptr(at(20)),
			Status: ptr(audit.StatusSuccess), Item: ptr(audit.Item("User")), Limit: 100,
		}},
		{"CombinedActor", audit.Filter{MainAccountID: m, ActorID: ptr("user-1"), ActorName: ptr("alice"), Action: ptr(audit.Action("Create")), Limit: 100}},
		{"Limit", audit.Filter{MainAccountID: m, Status: ptr(audit.StatusSuccess), Limit: 5}},
		{"Before", audit.Filter{MainAccountID: m, Before: &audit.Cursor{Time: at(10), ID: fx.all[20].ID}, Limit: 100}},
		{"BeforeNonUTC", audit.Filter{MainAccountID: m, Before: &audit.Cursor{Time: at(10).In(time.FixedZone("Y", -7*3600)), ID: fx.all[20].ID}, Limit: 100}},
		{"BeforeFromTo", audit.Filter{MainAccountID: m, From: ptr(at(3)), To: ptr(at(15)), Before: &audit.Cursor{Time: at(10), ID: fx.all[21].ID}, Limit: 4}},
	} {
		want := expect(fx.all, c.f)
		got := listEvents(t, s, c.f)
		assert.Equal(t, want, idsOf(got), c.name)
	}
	// Guard the test itself: the fixture makes each filter select something
	// and leave something out.
	for _, f := range []audit.Filter{
		{MainAccountID: m, ActorID: ptr("user-2")}, {MainAccountID: m, Item: ptr(audit.Item("Team"))},
		{MainAccountID: m, Search: "ünï"}, {MainAccountID: m, Search: "100"}, {MainAccountID: m, Search: "api_key"},
		{MainAccountID: m, Search: "renamed GMBH"},
		{MainAccountID: m, From: ptr(at(5)), To: ptr(at(8))},
	} {
		f.Limit = 100
		n := len(expect(fx.all, f))
		require.True(t, n > 0 && n < 48, "fixture: %+v selects %d", f, n)
	}
}

// testAuditSearchWords checks the word search semantics
// (accountkit.SearchWords): punctuation separates words, each query word
// must start a word of the description, in any order, and nothing inside a
// word matches.
func testAuditSearchWords(t *testing.T, s storage.Store) {
	main, other := newID(), newID()
	var all []*audit.Event
	for i, d := range []string{"100% done", "1000 done", "snake_case", "snakeXcase", `back\slash`, "bang!", "quote's", "Ünïcode ÄRGER"} {
		e := newEvent(main, main, at(i))
		e.Description = d
		all = append(all, e)
	}
	// Another tree's event with the same words is never found.
	theirs := newEvent(other, other, at(50))
	theirs.Description = "100% done snake_case"
	mustInsert(t, s, append(all, theirs)...)
	for _, c := range []struct {
		search string
		n      int
	}{
		{"100", 2}, {"1000", 1}, {"done", 2}, {"DONE 100", 2}, {"done 1000", 1}, {"1000 done", 1},
		{"snake", 2}, {"snake case", 1}, {"case", 1}, {"xcase", 0}, {"snakex", 1}, {"ake", 0},
		{"slash", 1}, {"lash", 0}, {`back\sl`, 1}, {"bang", 1}, {"quote s", 1}, {"quotes", 0},
		{"ärg", 1}, {"ÜNÏ ärger", 1}, {"unicode", 0}, {"zzz", 0}, {"done zzz", 0},
	} {
		f := audit.Filter{MainAccountID: main, Search: c.search}
		got := listEvents(t, s, f)
		assert.Len(t, got, c.n, "search %q", c.search)
		assert.Equal(t, expect(all, f), idsOf(got), "search %q", c.search)
	}
}

func testAuditPagination(t *testing.T, s storage.Store) {
	fx := mustAuditFixture(t, s)
	for _, f := range []audit.Filter{
		{MainAccountID: fx.main},
		{MainAccountID: fx.main, AccountIDs: []string{fx.sub1, fx.sub2}},
		{MainAccountID: fx.main, Status: ptr(audit.StatusFailure), From: ptr(at(3))},
		{MainAccountID: fx.other},
	} {
		all := f
		all.Limit = 1000
		want := expect(fx.all, all)
		require.NotEmpty(t, want)
		for _, limit := range []int{1, 2, 5, 7, len(want), len(want) + 1} {
			f.Limit = limit
			got := walk(t, s, f, nil)
			assert.Equal(t, want, got, "limit %d walks every event exactly once, in order", limit)
		}
	}
}

// testAuditPaginationWhileInserting checks that a walk started before new
// events arrive stays correct: newer events never show on later pages,
// events behind the cursor still do, nothing repeats and nothing is
// skipped.
func testAuditPaginationWhileInserting(t *testing.T, s storage.Store) {
	main := newID()
	var before []*audit.Event
	for i := range 20 {
		before = append(before, newEvent(main, main, at(i/2)))
	}
	mustInsert(t, s, before...)

	var late []*audit.Event // arrive behind the cursor: must be seen
	var inserted []*audit.Event
	got := walk(t, s, audit.Filter{MainAccountID: main, Limit: 3}, func(page int) {
		switch page {
		case 0, 2, 4:
			// Newer than anything listed; also one at the newest instant,
			// whose larger ID puts it ahead of the first page.
			for _, tm := range []time.Time{at(100 + page), at(9)} {
				e := newEvent(main, main, tm)
				mustInsert(t, s, e)
				inserted = append(inserted, e)
			}
		case 1:
			e := newEvent(main, main, at(-10))
			mustInsert(t, s, e)
			late = append(late, e)
		}
	})
	want := idsOf(newestFirst(append(slices.Clone(before), late...)))
	assert.Equal(t, want, got)
	assert.Len(t, listEvents(t, s, audit.Filter{MainAccountID: main, Limit: 100}), len(before)+len(late)+len(inserted))
}

func testAuditDefaultLimit(t *testing.T, s storage.Store) {
	main := newID()
	var all []*audit.Event
	for i := range 55 {
		all = append(all, newEvent(main, main, at(i)))
	}
	mustInsert(t, s, all...)
	got := listEvents(t, s, audit.Filter{MainAccountID: main, Limit: 50})
	require.Len(t, got, 50)
	assert.Equal(t, expect(all, audit.Filter{MainAccountID: main, Limit: 50}), idsOf(got))
	for _, limit := range []int{0, -1} {
		assert.Len(t, listEvents(t, s, audit.Filter{MainAccountID: main, Limit: limit}), 55, "limit %d: every match", limit)
	}
	assert.Len(t, listEvents(t, s, audit.Filter{MainAccountID: main, Limit: 60}), 55)
}

// testAuditAnotherMain checks that no filter lets another main account's
// events through, not even when they name an account of the tree asked
// about.
func testAuditAnotherMain(t *testing.T, s storage.Store) {
	fx := mustAuditFixture(t, s)
	theirs := map[string]bool{}
	for _, e := range fx.all {
		if e.MainAccountID == fx.other {
			theirs[e.ID] = true
		}
	}
	for _, f := range []audit.Filter{
		{MainAccountID: fx.main},
		{MainAccountID: fx.main, AccountIDs: []string{fx.sub1}},
		{MainAccountID: fx.main, AccountIDs: []string{fx.other}},
		{MainAccountID: fx.main, Search: "e"},
		{MainAccountID: fx.main, ActorName: ptr("alice")},
		{MainAccountID: fx.main, Before: &audit.Cursor{Time: at(100), ID: "ffffffff-ffff-ffff-ffff-ffffffffffff"}},
	} {
		f.Limit = 1000
		for _, e := range listEvents(t, s, f) {
			require.False(t, theirs[e.ID], "%+v returned another tree's event", f)
			require.Equal(t, fx.main, e.MainAccountID)
		}
	}
	chain, err := s.ListAuditChain(ctx(), fx.main, 0, 1000)
	require.NoError(t, err)
	require.Len(t, chain, 48)
	for _, e := range chain {
		require.False(t, theirs[e.ID])
	}
}

func testAuditChainEmpty(t *testing.T, s storage.Store) {
	main := newID()
	inTx(t, s, func(ctx context.Context) error {
		seq, hash, err := s.LockAuditChain(ctx, main)
		require.NoError(t, err)
		assert.Equal(t, int64(0), seq)
		assert.Equal(t, "", hash)
		// Locking again in the same transaction is fine.
		seq, hash, err = s.LockAuditChain(ctx, main)
		require.NoError(t, err)
		assert.Equal(t, int64(0), seq)
		assert.Equal(t, "", hash)
		return nil
	})
	chain, err := s.ListAuditChain(ctx(), main, 0, 10)
	require.NoError(t, err)
	assert.Empty(t, chain)
}

func testAuditChainAdvance(t *testing.T, s storage.Store) {
	main := newID()
	for i := int64(1); i <= 3; i++ {
		inTx(t, s, func(ctx context.Context) error {
			seq, hash, err := s.LockAuditChain(ctx, main)
			require.NoError(t, err)
			assert.Equal(t, i-1, seq)
			assert.Equal(t, hashN(i-1), hash)
			return s.AdvanceAuditChain(ctx, main, i, hashN(i))
		})
	}
	inTx(t, s, func(ctx context.Context) error {
		seq, hash, err := s.LockAuditChain(ctx, main)
		require.NoError(t, err)
		assert.Equal(t, int64(3), seq)
		assert.Equal(t, hashN(3), hash)
		// Within one transaction, the lock sees the transaction's advance.
		require.NoError(t, s.AdvanceAuditChain(ctx, main, 4, hashN(4)))
		seq, hash, err = s.LockAuditChain(ctx, main)
		require.NoError(t, err)
		assert.Equal(t, int64(4), seq)
		assert.Equal(t, hashN(4), hash)
		return nil
	})
}

// hashN is a stand-in chain hash for position n ("" for 0).
func hashN(n int64) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%064x", n)
}

func testAuditChainIndependent(t *testing.T, s storage.Store) {
	a, b := newID(), newID()
	inTx(t, s, func(ctx context.Context) error {
		_, _, err := s.LockAuditChain(ctx, a)
		require.NoError(t, err)
		return s.AdvanceAuditChain(ctx, a, 3, hashN(3))
	})
	inTx(t, s, func(ctx context.Context) error {
		seq, hash, err := s.LockAuditChain(ctx, b)
		require.NoError(t, err)
		assert.Equal(t, int64(0), seq, "another main account's chain starts empty")
		assert.Equal(t, "", hash)
		return s.AdvanceAuditChain(ctx, b, 1, hashN(1))
	})
	inTx(t, s, func(ctx context.Context) error {
		seq, hash, err := s.LockAuditChain(ctx, a)
		require.NoError(t, err)
		assert.Equal(t, int64(3), seq)
		assert.Equal(t, hashN(3), hash)
		seq, hash, err = s.LockAuditChain(ctx, b)
		require.NoError(t, err)
		assert.Equal(t, int64(1), seq)
		assert.Equal(t, hashN(1), hash)
		return nil
	})
}

func testAuditChainAdvanceNotFound(t *testing.T, s storage.Store) {
	known := newID()
	inTx(t, s, func(ctx context.Context) error {
		_, _, err := s.LockAuditChain(ctx, known)
		require.NoError(t, err)
		requireCode(t, accountkit.NotFound, s.AdvanceAuditChain(ctx, newID(), 1, hashN(1)))
		return nil
	})
	inTx(t, s, func(ctx context.Context) error {
		seq, _, err := s.LockAuditChain(ctx, known)
		require.NoError(t, err)
		assert.Equal(t, int64(0), seq)
		return nil
	})

	// A chain head created by a transaction that rolls back is gone too.
	fresh := newID()
	require.ErrorIs(t, s.InTx(context.Background(), func(ctx context.Context) error {
		_, _, err := s.LockAuditChain(ctx, fresh)
		require.NoError(t, err)
		return errBoom
	}), errBoom)
	inTx(t, s, func(ctx context.Context) error {
		requireCode(t, accountkit.NotFound, s.AdvanceAuditChain(ctx, fresh, 1, hashN(1)),
			"the chain head must roll back with its transaction")
		return nil
	})
}

// testAuditChainLockOutsideTx checks that LockAuditChain refuses to run
// without a transaction: the lock would end with the statement.
func testAuditChainLockOutsideTx(t *testing.T, s storage.Store) {
	_, _, err := s.LockAuditChain(ctx(), newID())
	require.Error(t, err)
}

func testAuditListChain(t *testing.T, s storage.Store) {
	a, b := newID(), newID()
	var chainA []*audit.Event
	for i := int64(1); i <= 6; i++ {
		// Times run against Seq so that time order cannot pass for Seq order.
		e := newEvent(a, a, at(int(10-i)))
		e.Seq, e.PrevHash = i, hashN(i-1)
		e.Hash = e.ComputeHash()
		chainA = append(chainA, e)
	}
	var chainB []*audit.Event
	for i := int64(1); i <= 3; i++ {
		e := newEvent(b, b, at(int(i)))
		e.Seq = i
		e.Hash = e.ComputeHash()
		chainB = append(chainB, e)
	}
	for _, i := range []int{3, 0, 5, 1, 4, 2} {
		mustInsert(t, s, chainA[i])
	}
	mustInsert(t, s, chainB...)

	for _, c := range []struct {
		main     string
		afterSeq int64
		limit    int
		want     []*audit.Event
	}{
		{a, 0, 100, chainA},
		{a, 2, 3, chainA[2:5]},
		{a, 5, 3, chainA[5:]},
		{a, 6, 10, nil},
		{a, 0, 1, chainA[:1]},
		{a, 0, 0, chainA}, // limit <= 0 means the default page size, as for the other lists
		{b, 0, 100, chainB},
		{b, 1, 100, chainB[1:]},
		{newID(), 0, 100, nil},
	} {
		got, err := s.ListAuditChain(ctx(), c.main, c.afterSeq, c.limit)
		require.NoError(t, err)
		require.Len(t, got, len(c.want), "after %d limit %d", c.afterSeq, c.limit)
		for i := range c.want {
			requireEvent(t, c.want[i], got[i])
		}
	}
}

// stream collects what StreamAuditEvents passes for f.
func stream(t testing.TB, ctx context.Context, s storage.Store, f audit.Filter) []*audit.Event {
	t.Helper()
	var out []*audit.Event
	require.NoError(t, s.StreamAuditEvents(ctx, f, func(e *audit.Event) error {
		c := *e
		out = append(out, &c)
		return nil
	}))
	return out
}

// testAuditStream checks StreamAuditEvents against the reference reading
// of the filters: every matching event once, in listing order, whole,
// whatever f.Limit says; inside a transaction too; and that fn's error
// stops the stream.
func testAuditStream(t *testing.T, s storage.Store) {
	fx := mustAuditFixture(t, s)
	m := fx.main
	rich := newEvent(m, fx.sub2, at(30))
	rich.Details = map[string]string{"rows": "12", "ünï": "cödé"}
	rich.Hash = rich.ComputeHash()
	mustInsert(t, s, rich)
	all := append(slices.Clone(fx.all), rich)
	for _, c := range []struct {
		name string
		f    audit.Filter
	}{
		{"Main", audit.Filter{MainAccountID: m}},
		{"LimitIgnored", audit.Filter{MainAccountID: m, Limit: 3}},
		{"OtherMain", audit.Filter{MainAccountID: fx.other}},
		{"AccountIDsEmpty", audit.Filter{MainAccountID: m, AccountIDs: []string{}}},
		{"Tree", audit.Filter{MainAccountID: m, AccountIDs: []string{fx.main, fx.sub2}}},
		{"FromTo", audit.Filter{MainAccountID: m, From: ptr(at(5)), To: ptr(at(8))}},
		{"Status", audit.Filter{MainAccountID: m, Status: ptr(audit.StatusFailure)}},
		{"ItemAction", audit.Filter{MainAccountID: m, Item: ptr(audit.Item("User")), Action: ptr(audit.Action("Login"))}},
		{"Search", audit.Filter{MainAccountID: m, Search: "PASSWORD"}},
		{"Before", audit.Filter{MainAccountID: m, Before: &audit.Cursor{Time: at(10), ID: fx.all[20].ID}}},
	} {
		ref := c.f
		ref.Limit = 0
		want := expect(all, ref)
		got := stream(t, context.Background(), s, c.f)
		assert.Equal(t, want, idsOf(got), c.name)
		var inTx []*audit.Event
		require.NoError(t, s.InTx(context.Background(), func(ctx context.Context) error {
			inTx = stream(t, ctx, s, c.f)
			return nil
		}))
		assert.Equal(t, want, idsOf(inTx), c.name+" in a transaction")
	}
	// Whole events, Details included unless Brief.
	got := stream(t, context.Background(), s, audit.Filter{MainAccountID: m, From: ptr(at(30))})
	require.Len(t, got, 1)
	requireEvent(t, rich, got[0])
	got = stream(t, context.Background(), s, audit.Filter{MainAccountID: m, From: ptr(at(30)), Brief: true})
	require.Len(t, got, 1)
	assert.Equal(t, rich.Description, got[0].Description)
	assert.Equal(t, rich.AccountID, got[0].AccountID)
	requireUTC(t, rich.Time, got[0].Time, "Time")
	assert.True(t, got[0].Details == nil || maps.Equal(got[0].Details, rich.Details), "Brief: nil or the details")

	// fn's error stops the stream and comes back as is.
	stop := fmt.Errorf("client went away")
	calls := 0
	err := s.StreamAuditEvents(context.Background(), audit.Filter{MainAccountID: m}, func(*audit.Event) error {
		calls++
		return stop
	})
	require.ErrorIs(t, err, stop)
	assert.Equal(t, 1, calls)
}
