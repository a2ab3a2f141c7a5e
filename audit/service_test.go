package audit_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/storage"
	"github.com/accountkit/accountkit/storage/memory"
)

// record writes n host events in the account, one a minute.
func record(t *testing.T, env *kittest.Env, accountID string, n int, item audit.Item, desc string) {
	t.Helper()
	// The host registers its event, as strict mode (on in kittest) demands.
	require.NoError(t, audit.Register(audit.CatalogueEntry{Item: item, Action: "Activate", Success: desc + " (number)"}))
	for i := 0; i < n; i++ {
		env.Clock.Advance(time.Minute)
		require.NoError(t, env.Kit.Recorder.Record(kittest.As(kittest.Manager(accountID, "robot")), audit.Entry{
			AccountID: accountID, Item: item, Action: "Activate", Description: fmt.Sprintf("%s (%d)", desc, i),
		}))
	}
}

func TestService_List_PagingWhileEventsArrive(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	main := env.MainAccount(t, "acme")
	boss := kittest.As(kittest.Manager(main.ID, "boss"))
	record(t, env, main.ID, 25, "Chatbot", "Chatbot activated")

	seen := map[string]bool{}
	var order []time.Time
	cursor := ""
	for pages := 0; ; pages++ {
		page, err := env.Kit.Audit.List(boss, audit.Query{Item: "Chatbot", Limit: 10, Cursor: cursor})
		require.NoError(t, err)
		for _, e := range page.Events {
			require.False(t, seen[e.ID], "duplicate across pages")
			seen[e.ID] = true
			order = append(order, e.Time)
		}
		// New events arrive between pages; they must not show up later.
		record(t, env, main.ID, 3, "Chatbot", "late")
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	assert.Len(t, seen, 25)
	for i := 1; i < len(order); i++ {
		assert.False(t, order[i].After(order[i-1]), "newest first")
	}
}

func TestService_List_Filters(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	main := env.MainAccount(t, "acme")
	sub := env.SubAccount(t, main, "acme-eu")
	boss := kittest.As(kittest.Manager(main.ID, "boss"))
	env.Clock.Set(time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)) // Tuesday after the setup
	record(t, env, main.ID, 2, "Chatbot", "Tuesday bot")
	env.Clock.Set(time.Date(2026, 3, 11, 9, 0, 0, 0, time.UTC)) // Wednesday
	record(t, env, sub.ID, 3, "Chatbot", "Sub bot")
	record(t, env, main.ID, 1, "Flow", "Flow launched")

	count := func(q audit.Query) int {
		t.Helper()
		q.Limit = 200
		page, err := env.Kit.Audit.List(boss, q)
		require.NoError(t, err)
		return len(page.Events)
	}
	assert.Equal(t, 2, count(audit.Query{Item: "Chatbot"}), "own account only by default")
	assert.Equal(t, 5, count(audit.Query{Item: "Chatbot", IncludeSubaccounts: true}))
	assert.Equal(t, 3, count(audit.Query{AccountID: sub.ID, Item: "Chatbot"}))
	assert.Equal(t, 1, count(audit.Query{Range: audit.RangeToday, Item: "Flow"}))
	assert.Equal(t, 2, count(audit.Query{Range: audit.RangeYesterday}))
	assert.Equal(t, 5, count(audit.Query{Range: audit.RangeThisWeek, Username: "robot", Item: "Chatbot", IncludeSubaccounts: true}))
	assert.Equal(t, 1, count(audit.Query{Search: "FLOW LAUN"}))
	assert.Equal(t, 1, count(audit.Query{Range: audit.RangeLast15Minutes}))
	from := time.Date(2026, 3, 10, 12, 1, 30, 0, time.UTC)
	assert.Equal(t, 1, count(audit.Query{Range: audit.RangeCustom, From: &from, To: ptr(from.Add(time.Hour))}))
	assert.Equal(t, 0, count(audit.Query{Status: "failure"}))

	for _, q := range []audit.Query{
		{Range: "last_decade"}, {Range: audit.RangeCustom}, {Range: audit.RangeToday, From: &from},
		{From: &from, To: &from}, {TimeZone: "Mars/Olympus"}, {TimeZone: "../../etc/passwd"},
		{Status: "maybe"}, {Limit: 500}, {Limit: -2}, {Cursor: "garbage!"},
		{Cursor: accountkit.EncodeCursor("x", "y")}, {Search: strings.Repeat("q", 300)},
		// Word search bounds: every one would otherwise be an index range
		// too wide or too many.
		{Search: "f"}, {Search: "flow l"}, {Search: "!!"}, {Search: strings.Repeat("q", 65)},
		{Search: "one two three four five"},
	} {
		_, err := env.Kit.Audit.List(boss, q)
		assert.Equal(t, accountkit.Invalid, accountkit.ErrorCode(err), "%+v", q)
	}
}

func ptr[T any](v T) *T { return &v }

func TestService_List_Access(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	main := env.MainAccount(t, "acme")
	sub := env.SubAccount(t, main, "acme-eu")
	other := env.MainAccount(t, "globex")

	_, err := env.Kit.Audit.List(context.Background(), audit.Query{})
	assert.Equal(t, accountkit.Unauthenticated, accountkit.ErrorCode(err))
	_, err = env.Kit.Audit.List(kittest.As(kittest.Member(main.ID, "clerk", security.PermUsersRead)), audit.Query{})
	assert.Equal(t, accountkit.Forbidden, accountkit.ErrorCode(err))

	intruder := kittest.As(kittest.Manager(other.ID, "mallory"))
	for _, id := range []string{main.ID, sub.ID} {
		_, err = env.Kit.Audit.List(intruder, audit.Query{AccountID: id})
		assert.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err))
		_, err = env.Kit.Audit.Verify(intruder, id)
		assert.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err))
		err = env.Kit.Audit.Export(intruder, audit.Query{AccountID: id}, &bytes.Buffer{})
		assert.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err))
	}
	// A sub-account's manager sees its own log but not the main account's.
	local := kittest.As(kittest.Manager(sub.ID, "local"))
	_, err = env.Kit.Audit.List(local, audit.Query{})
	require.NoError(t, err)
	_, err = env.Kit.Audit.List(local, audit.Query{AccountID: main.ID})
	assert.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err))
	_, err = env.Kit.Audit.Verify(local, sub.ID)
	assert.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err), "the chain spans the main account")
}

func TestService_Export(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	main := env.MainAccount(t, "acme")
	boss := kittest.As(kittest.Manager(main.ID, "boss"))
	record(t, env, main.ID, 1201, "Chatbot", "bot") // more than two export batches
	record(t, env, main.ID, 1, "Chatbot", "=HYPERLINK(\"http://evil\")")

	var buf bytes.Buffer
	require.NoError(t, env.Kit.Audit.Export(boss, audit.Query{Item: "Chatbot", TimeZone: "Europe/Berlin"}, &buf))
	rows, err := csv.NewReader(&buf).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 1203)
	assert.Equal(t, "time", rows[0][0])
	assert.Equal(t, `'=HYPERLINK("http://evil") (0)`, rows[1][7], "formula defused")
	assert.True(t, strings.HasSuffix(rows[1][0], "+01:00"), "times in the caller's zone: %s", rows[1][0])

	ev := env.LastEvent(t, main.ID)
	assert.Equal(t, audit.ItemSearch, ev.Item)
	assert.Equal(t, audit.ActionExport, ev.Action)
	assert.Equal(t, audit.StatusSuccess, ev.Status)
	assert.Equal(t, "1202", ev.Details["rows"])

	err = env.Kit.Audit.Export(boss, audit.Query{Status: "bogus"}, &buf)
	assert.Equal(t, accountkit.Invalid, accountkit.ErrorCode(err))
	ev = env.LastEvent(t, main.ID)
	assert.Equal(t, audit.StatusFailure, ev.Status)
	assert.Equal(t, "Logs export to file failed.", ev.Description)
}

// tamperStore alters what the store returns, as an attacker with database
// access would alter rows.
type tamperStore struct {
	storage.Store
	edit func([]*audit.Event) []*audit.Event
}

func (s tamperStore) ListAuditChain(ctx context.Context, main string, after int64, limit int) ([]*audit.Event, error) {
	evs, err := s.Store.ListAuditChain(ctx, main, after, limit)
	if err != nil || s.edit == nil {
		return evs, err
	}
	return s.edit(evs), nil
}

func TestService_Verify(t *testing.T) {
	t.Parallel()
	base := memory.New()
	t.Cleanup(func() { _ = base.Close() })
	ts := &tamperStore{Store: base}
	env := kittest.NewWithStore(t, ts)
	main := env.MainAccount(t, "acme")
	sub := env.SubAccount(t, main, "acme-eu")
	record(t, env, sub.ID, 10, "Chatbot", "bot")
	boss := kittest.As(kittest.Manager(main.ID, "boss"))

	res, err := env.Kit.Audit.Verify(boss, "")
	require.NoError(t, err)
	assert.True(t, res.OK)
	assert.EqualValues(t, 12, res.Events)

	cases := map[string]struct {
		edit   func([]*audit.Event) []*audit.Event
		broken int64
	}{
		"altered description": {func(e []*audit.Event) []*audit.Event { e[4].Description = "nothing to see"; return e }, 5},
		"altered actor":       {func(e []*audit.Event) []*audit.Event { e[6].ActorName = "someone-else"; return e }, 7},
		"altered time":        {func(e []*audit.Event) []*audit.Event { e[2].Time = e[2].Time.Add(time.Hour); return e }, 3},
		"removed event":       {func(e []*audit.Event) []*audit.Event { return append(e[:3:3], e[4:]...) }, 4},
		"removed tail":        {func(e []*audit.Event) []*audit.Event { return e[:len(e)-1] }, 12},
		"rehashed forgery": {func(e []*audit.Event) []*audit.Event {
			e[8].Description = "forged"
			e[8].Hash = e[8].ComputeHash() // consistent by itself, but the next link breaks
			return e
		}, 10},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			ts.edit = func(evs []*audit.Event) []*audit.Event {
				cp := make([]*audit.Event, len(evs))
				for i, e := range evs {
					v := *e
					cp[i] = &v
				}
				return c.edit(cp)
			}
			defer func() { ts.edit = nil }()
			res, err := env.Kit.Audit.Verify(boss, sub.ID)
			require.NoError(t, err)
			assert.False(t, res.OK)
			assert.Equal(t, c.broken, res.BrokenAt, res.Reason)
		})
	}
}
