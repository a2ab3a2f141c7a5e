package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/storage/sqlite"
)

func TestDSN(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"/tmp/a.db", "/tmp/a.db?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_txlock=immediate"},
		{":memory:", ":memory:?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_txlock=immediate"},
		{"file:a.db?_pragma=busy_timeout(50)", "file:a.db?_pragma=busy_timeout(50)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_txlock=immediate"},
	} {
		if got, _ := sqlite.DSN(c.in); got != c.want {
			t.Errorf("DSN(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestOpen_Memory checks that every connection of an in-memory store sees
// the same database.
func TestOpen_Memory(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, ":memory:", sqlite.WithMigrate())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var ids accountkit.UUIDv7
	now := time.Now().UTC().Truncate(time.Microsecond)
	a := &account.Account{ID: ids.NewID(), Name: "A", Slug: "a", Status: account.StatusEnabled, CreatedAt: now, UpdatedAt: now}
	a.Ancestry = []string{a.ID}
	if err := s.InTx(ctx, func(ctx context.Context) error { return s.CreateAccount(ctx, a) }); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := s.GetAccountBySlug(ctx, "a"); err != nil {
			t.Fatal(err)
		}
	}
}
