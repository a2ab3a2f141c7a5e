package memory_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/storage"
	"github.com/accountkit/accountkit/storage/memory"
	"github.com/accountkit/accountkit/storage/storagetest"
)

func TestConformance(t *testing.T) {
	storagetest.Run(t, storagetest.Harness{
		NewStore: func(t *testing.T) storage.Store {
			s := memory.New()
			t.Cleanup(func() { s.Close() })
			return s
		},
	})
}

// TestStore_Close checks that a closed store refuses every call.
func TestStore_Close(t *testing.T) {
	ctx := context.Background()
	s := memory.New()
	require.NoError(t, s.Close())
	_, err := s.GetAccount(ctx, "x")
	assert.Equal(t, accountkit.Internal, accountkit.ErrorCode(err))
	called := false
	err = s.InTx(ctx, func(context.Context) error { called = true; return nil })
	assert.Equal(t, accountkit.Internal, accountkit.ErrorCode(err))
	assert.False(t, called)
}

// TestStore_TxContext checks what a transaction's context means to other
// stores and after the transaction: another store ignores it, and using it
// once InTx has returned is an error rather than an unlocked write.
func TestStore_TxContext(t *testing.T) {
	ctx := context.Background()
	a, b := memory.New(), memory.New()
	var ids accountkit.UUIDv7
	var leaked context.Context
	require.NoError(t, a.InTx(ctx, func(ctx context.Context) error {
		leaked = ctx
		// b is not in a's transaction: its own InTx runs and commits.
		return b.InTx(ctx, func(ctx context.Context) error {
			_, _, err := b.LockAuditChain(ctx, "m")
			return err
		})
	}))
	require.NoError(t, b.InTx(ctx, func(ctx context.Context) error {
		return b.AdvanceAuditChain(ctx, "m", 1, "h")
	}), "b's chain head was committed")

	id := ids.NewID()
	err := a.CreateAccount(leaked, &account.Account{ID: id, Ancestry: []string{id}, Slug: "late"})
	assert.Equal(t, accountkit.Internal, accountkit.ErrorCode(err))
	_, err = a.GetAccountBySlug(ctx, "late")
	assert.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err))
}

// BenchmarkListAuditEvents lists pages of a 100,000-event log: the newest
// page with a filter, and a page deep in the log reached with a cursor.
func BenchmarkListAuditEvents(b *testing.B) {
	const n = 100_000
	ctx := context.Background()
	s := memory.New()
	defer s.Close()
	var ids accountkit.UUIDv7
	main := ids.NewID()
	subs := []string{main, ids.NewID(), ids.NewID(), ids.NewID()}
	items := []audit.Item{"User", "Team", "Role", "Account", "Seat"}
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var middle *audit.Event
	err := s.InTx(ctx, func(ctx context.Context) error {
		for i := range n {
			e := &audit.Event{
				ID:            ids.NewID(),
				AccountID:     subs[i%len(subs)],
				MainAccountID: main,
				Time:          start.Add(time.Duration(i) * time.Second),
				ActorID:       fmt.Sprintf("user-%d", i%50),
				ActorName:     fmt.Sprintf("user%d", i%50),
				Item:          items[i%len(items)],
				Action:        "Update",
				Status:        audit.StatusSuccess,
				Description:   fmt.Sprintf("Event number %d happened.", i),
				Seq:           int64(i + 1),
			}
			if i == n/2 {
				middle = e
			}
			if err := s.InsertAuditEvent(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	team := audit.Item("Team")
	for _, c := range []struct {
		name string
		f    audit.Filter
	}{
		{"FirstPage", audit.Filter{MainAccountID: main, Limit: 50}},
		{"FirstPageFiltered", audit.Filter{MainAccountID: main, Item: &team, AccountIDs: subs[1:2], Limit: 50}},
		{"DeepCursor", audit.Filter{MainAccountID: main, Before: &audit.Cursor{Time: middle.Time, ID: middle.ID}, Limit: 50}},
		{"DeepCursorFiltered", audit.Filter{MainAccountID: main, Item: &team, AccountIDs: subs[1:2], Before: &audit.Cursor{Time: middle.Time, ID: middle.ID}, Limit: 50}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				list, err := s.ListAuditEvents(ctx, c.f)
				if err != nil || len(list) != 50 {
					b.Fatalf("got %d events, err %v", len(list), err)
				}
			}
		})
	}
}
