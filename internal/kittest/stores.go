package kittest

import (
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/internal/dbtest"
	"github.com/accountkit/accountkit/storage"
	"github.com/accountkit/accountkit/storage/memory"
	"github.com/accountkit/accountkit/storage/mysql"
	"github.com/accountkit/accountkit/storage/postgres"
)

// Opener returns a fresh, migrated store, closed when the test ends.
type Opener func(t testing.TB) storage.Store

// Stores returns the stores service-level tests run on: memory always,
// PostgreSQL and MariaDB/MySQL when their DSNs are set (required under
// CI=true; see internal/dbtest).
func Stores() map[string]Opener {
	out := map[string]Opener{"memory": func(t testing.TB) storage.Store {
		s := memory.New()
		t.Cleanup(func() { _ = s.Close() })
		return s
	}}
	if os.Getenv(dbtest.PostgresEnv) != "" || os.Getenv("CI") == "true" {
		out["postgres"] = func(t testing.TB) storage.Store {
			s, err := postgres.Open(context.Background(), dbtest.FreshPostgres(t), postgres.WithMigrate(), postgres.WithMaxOpenConns(8))
			require.NoError(t, err)
			t.Cleanup(func() { _ = s.Close() })
			return s
		}
	}
	if os.Getenv(dbtest.MySQLEnv) != "" || os.Getenv("CI") == "true" {
		out["mysql"] = func(t testing.TB) storage.Store {
			s, err := mysql.Open(context.Background(), dbtest.FreshMySQL(t), mysql.WithMigrate(), mysql.WithMaxOpenConns(8))
			require.NoError(t, err)
			t.Cleanup(func() { _ = s.Close() })
			return s
		}
	}
	return out
}
