package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/internal/dbtest"
	"github.com/accountkit/accountkit/storage"
	"github.com/accountkit/accountkit/storage/mysql"
	"github.com/accountkit/accountkit/storage/postgres"
	"github.com/accountkit/accountkit/storage/sqlite"
)

// opener opens a store on dsn without migrating it.
type opener struct {
	name  string
	fresh func(tb testing.TB) string // a DSN for an empty database
	open  func(ctx context.Context, dsn string) (migrator, error)
}

// migrator is what every adapter's Store offers.
type migrator interface {
	storage.Store
	Migrate(ctx context.Context) error
}

var openers = []opener{
	{"sqlite", func(tb testing.TB) string { return filepath.Join(tb.TempDir(), "test.db") },
		func(ctx context.Context, dsn string) (migrator, error) { return sqlite.Open(ctx, dsn) }},
	{"postgres", dbtest.FreshPostgres,
		func(ctx context.Context, dsn string) (migrator, error) {
			return postgres.Open(ctx, dsn, postgres.WithMaxOpenConns(4))
		}},
	{"mysql", dbtest.FreshMySQL,
		func(ctx context.Context, dsn string) (migrator, error) {
			return mysql.Open(ctx, dsn, mysql.WithMaxOpenConns(4))
		}},
}

// eachDB runs fn on a fresh, migrated store of every adapter.
func eachDB(t *testing.T, fn func(t *testing.T, s migrator)) {
	for _, o := range openers {
		t.Run(o.name, func(t *testing.T) {
			t.Parallel()
			s := mustOpen(t, o, o.fresh(t))
			if err := s.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			fn(t, s)
		})
	}
}

func mustOpen(tb testing.TB, o opener, dsn string) migrator {
	tb.Helper()
	s, err := o.open(context.Background(), dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

var ids accountkit.UUIDv7

func wantCode(t *testing.T, err error, code accountkit.Code) {
	t.Helper()
	if got := accountkit.ErrorCode(err); got != code {
		t.Fatalf("error code = %q, want %q (err: %v)", got, code, err)
	}
}

func TestMigrate_Concurrent(t *testing.T) {
	for _, o := range openers {
		t.Run(o.name, func(t *testing.T) {
			t.Parallel()
			dsn := o.fresh(t)
			var wg sync.WaitGroup
			errs := make([]error, 4)
			for i := range errs {
				s := mustOpen(t, o, dsn)
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[i] = s.Migrate(context.Background())
				}()
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("migrate %d: %v", i, err)
				}
			}
			// And again, sequentially: nothing left to do.
			if err := mustOpen(t, o, dsn).Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func newAccount(parent *account.Account, slug string, now time.Time) *account.Account {
	a := &account.Account{ID: ids.NewID(), Name: "Name " + slug, Slug: slug, Status: account.StatusEnabled, CreatedAt: now, UpdatedAt: now}
	if parent != nil {
		a.ParentID = parent.ID
		a.Ancestry = append(append([]string{}, parent.Ancestry...), a.ID)
	} else {
		a.Ancestry = []string{a.ID}
	}
	return a
}

func TestStore_Smoke(t *testing.T) {
	eachDB(t, func(t *testing.T, s migrator) {
		ctx := context.Background()
		now := time.Date(2024, 5, 6, 7, 8, 9, 123456000, time.UTC)
		main := newAccount(nil, "main", now)
		sub := newAccount(main, "sub", now)
		subsub := newAccount(sub, "sub-sub", now)
		other := newAccount(nil, "other", now)
		for _, a := range []*account.Account{main, sub, subsub, other} {
			if err := s.CreateAccount(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		dup := newAccount(nil, "main", now)
		wantCode(t, s.CreateAccount(ctx, dup), accountkit.Conflict)
		dup.ID, dup.Slug = main.ID, "fresh"
		wantCode(t, s.CreateAccount(ctx, dup), accountkit.Conflict)

		got, err := s.GetAccount(ctx, subsub.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.CreatedAt.Equal(now) || got.CreatedAt.Location() != time.UTC || got.ParentID != sub.ID || len(got.Ancestry) != 3 {
			t.Fatalf("got %+v", got)
		}
		_, err = s.GetAccount(ctx, ids.NewID())
		wantCode(t, err, accountkit.NotFound)
		_, err = s.GetAccountBySlug(ctx, "nope")
		wantCode(t, err, accountkit.NotFound)

		sub.Name = "Ünïcode Näme"
		wantCode(t, s.UpdateAccount(ctx, sub), "")
		wantCode(t, s.UpdateAccount(ctx, sub), "") // unchanged row still matches
		sub.Slug = "other"
		wantCode(t, s.UpdateAccount(ctx, sub), accountkit.Conflict)
		wantCode(t, s.UpdateAccount(ctx, newAccount(nil, "x", now)), accountkit.NotFound)

		list, err := s.ListAccounts(ctx, account.Filter{Search: "ÜNÏ"})
		if err != nil || len(list) != 1 || list[0].ID != sub.ID {
			t.Fatalf("search: %v %v", list, err)
		}
		list, err = s.ListAccounts(ctx, account.Filter{DescendantOf: &main.ID})
		if err != nil || len(list) != 2 || list[0].Slug != "sub" || list[1].Slug != "sub-sub" {
			t.Fatalf("descendants: %v %v", list, err)
		}
		list, err = s.ListAccounts(ctx, account.Filter{Search: "%"})
		if err != nil || len(list) != 0 {
			t.Fatalf("wildcard: %v %v", list, err)
		}
		tree, err := s.AccountSubtree(ctx, main.ID)
		if err != nil || len(tree) != 3 || tree[0] != main.ID {
			t.Fatalf("subtree: %v %v", tree, err)
		}
		_, err = s.AccountSubtree(ctx, ids.NewID())
		wantCode(t, err, accountkit.NotFound)

		// Audit.
		ev := func(i int) *audit.Event {
			return &audit.Event{ID: ids.NewID(), AccountID: sub.ID, MainAccountID: main.ID, Time: now.Add(time.Duration(i) * time.Second),
				Item: "User", Action: "create", Status: audit.StatusSuccess, Description: fmt.Sprintf("Ärger %d", i), Seq: int64(i + 1)}
		}
		e0 := ev(0)
		e0.Details = map[string]string{"a": "b"}
		e1 := ev(1)
		e1.Details = map[string]string{}
		for _, e := range []*audit.Event{e0, e1, ev(2)} {
			if err := s.InsertAuditEvent(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		wantCode(t, s.InsertAuditEvent(ctx, e0), accountkit.Conflict)
		evs, err := s.ListAuditEvents(ctx, audit.Filter{MainAccountID: main.ID, Search: "ärger", Limit: 2})
		if err != nil || len(evs) != 2 || evs[0].Seq != 3 || evs[1].Seq != 2 {
			t.Fatalf("list: %v %v", evs, err)
		}
		if evs[1].Details == nil || len(evs[1].Details) != 0 || evs[0].Details != nil {
			t.Fatalf("details: %#v %#v", evs[0].Details, evs[1].Details)
		}
		evs, err = s.ListAuditEvents(ctx, audit.Filter{MainAccountID: main.ID, Before: &audit.Cursor{Time: evs[1].Time, ID: evs[1].ID}})
		if err != nil || len(evs) != 1 || evs[0].ID != e0.ID || evs[0].Details["a"] != "b" {
			t.Fatalf("page 2: %v %v", evs, err)
		}

		_, _, err = s.LockAuditChain(ctx, main.ID)
		if err == nil {
			t.Fatal("LockAuditChain outside a transaction succeeded")
		}
		wantCode(t, s.AdvanceAuditChain(ctx, other.ID, 1, "h"), accountkit.NotFound)

		// Concurrent chain appends: every seq exactly once.
		const writers = 10
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for i := 0; i < writers; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- s.InTx(ctx, func(ctx context.Context) error {
					seq, hash, err := s.LockAuditChain(ctx, other.ID)
					if err != nil {
						return err
					}
					e := &audit.Event{ID: ids.NewID(), AccountID: other.ID, MainAccountID: other.ID, Time: now, Seq: seq + 1, PrevHash: hash}
					e.Hash = e.ComputeHash()
					if err := s.InsertAuditEvent(ctx, e); err != nil {
						return err
					}
					return s.AdvanceAuditChain(ctx, other.ID, e.Seq, e.Hash)
				})
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		chain, err := s.ListAuditChain(ctx, other.ID, 0, 100)
		if err != nil || len(chain) != writers {
			t.Fatalf("chain: %d %v", len(chain), err)
		}
		for i, e := range chain {
			if e.Seq != int64(i+1) || (i > 0 && e.PrevHash != chain[i-1].Hash) || e.Hash != e.ComputeHash() {
				t.Fatalf("chain[%d] broken: %+v", i, e)
			}
		}

		// Rollback on error and on panic.
		boom := errors.New("boom")
		err = s.InTx(ctx, func(ctx context.Context) error {
			if err := s.CreateAccount(ctx, newAccount(nil, "rolled-back", now)); err != nil {
				return err
			}
			return s.InTx(ctx, func(ctx context.Context) error { return boom })
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		func() {
			defer func() { _ = recover() }()
			_ = s.InTx(ctx, func(ctx context.Context) error {
				_ = s.CreateAccount(ctx, newAccount(nil, "panicked", now))
				panic("x")
			})
		}()
		for _, slug := range []string{"rolled-back", "panicked"} {
			_, err = s.GetAccountBySlug(ctx, slug)
			wantCode(t, err, accountkit.NotFound)
		}
	})
}
