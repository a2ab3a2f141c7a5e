package sqlite_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

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

// TestIDB_HostSQLInTransaction: host SQL run through IDB inside InTx
// commits and rolls back with accountkit's own change.
func TestIDB_HostSQLInTransaction(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, ":memory:", sqlite.WithMigrate())
	require.NoError(t, err)
	defer s.Close()
	_, err = s.IDB(ctx).ExecContext(ctx, "CREATE TABLE host_profiles (account_id TEXT PRIMARY KEY)")
	require.NoError(t, err)
	count := func() (accounts, profiles int) {
		require.NoError(t, s.IDB(ctx).NewRaw("SELECT COUNT(*) FROM accountkit_accounts").Scan(ctx, &accounts))
		require.NoError(t, s.IDB(ctx).NewRaw("SELECT COUNT(*) FROM host_profiles").Scan(ctx, &profiles))
		return
	}
	boom := errors.New("host refused")
	for _, fail := range []bool{true, false} {
		err := s.InTx(ctx, func(ctx context.Context) error {
			var ids accountkit.UUIDv7
			now := time.Now().UTC()
			acc := &account.Account{ID: ids.NewID(), Name: "Acme", Slug: "acme", Status: account.StatusEnabled, CreatedAt: now, UpdatedAt: now}
			acc.Ancestry = []string{acc.ID}
			if err := s.CreateAccount(ctx, acc); err != nil {
				return err
			}
			if _, err := s.IDB(ctx).ExecContext(ctx, "INSERT INTO host_profiles (account_id) VALUES (?)", acc.ID); err != nil {
				return err
			}
			if fail {
				return boom
			}
			return nil
		})
		a, p := count()
		if fail {
			require.ErrorIs(t, err, boom)
			require.Equal(t, [2]int{0, 0}, [2]int{a, p}, "both rolled back")
		} else {
			require.NoError(t, err)
			require.Equal(t, [2]int{1, 1}, [2]int{a, p}, "both committed")
		}
	}
}
