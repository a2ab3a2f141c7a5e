package postgres_test

import (
	"context"
	"testing"

	"github.com/accountkit/accountkit/internal/dbtest"
	"github.com/accountkit/accountkit/storage"
	"github.com/accountkit/accountkit/storage/postgres"
	"github.com/accountkit/accountkit/storage/storagetest"
)

// newStore opens a migrated store on a fresh schema, closed and dropped when
// t ends. The pool is small so parallel subtests stay far below the
// server's max_connections.
func newStore(t *testing.T) storage.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), dbtest.FreshPostgres(t),
		postgres.WithMigrate(), postgres.WithMaxOpenConns(4))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	dbtest.PostgresDSN(t) // skip (or fail on CI) before the suite starts
	storagetest.Run(t, storagetest.Harness{NewStore: newStore, Capabilities: postgres.Capabilities})
}
