package postgres_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/sqlitedialect"

	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/internal/dbtest"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/security"
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

// TestOpen_Refused: an empty DSN, or one without a database, is refused
// with a clear error before any connection.
func TestOpen_Refused(t *testing.T) {
	t.Setenv("PGDATABASE", "")
	for _, dsn := range []string{"", "  ", "postgres://postgres@127.0.0.1:5432", "postgres://postgres@127.0.0.1:5432/?sslmode=disable"} {
		_, err := postgres.Open(context.Background(), dsn)
		if err == nil || !(strings.Contains(err.Error(), "postgres: empty DSN") || strings.Contains(err.Error(), "names no database")) {
			t.Errorf("Open(%q) = %v, want a refusal naming the DSN", dsn, err)
		}
	}
	if _, err := postgres.OpenDB(context.Background(), nil); err == nil {
		t.Error("OpenDB(nil) accepted")
	}
	if _, err := postgres.OpenBun(context.Background(), bun.NewDB(&sql.DB{}, sqlitedialect.New())); err == nil {
		t.Error("OpenBun accepted a SQLite bun.DB")
	}
}

// TestOpenDB: the store runs on the host's own pool, and Close leaves the
// pool open for the host.
func TestOpenDB(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("pgx", dbtest.FreshPostgres(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := postgres.OpenDB(ctx, db, postgres.WithMigrate())
	if err != nil {
		t.Fatal(err)
	}
	k, err := kit.New(kit.Options{Store: s})
	if err != nil {
		t.Fatal(err)
	}
	sys := security.AsSystem(ctx)
	if _, err := k.Accounts.CreateMain(sys, account.CreateInput{Name: "Acme", Slug: "acme"}); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Accounts.GetBySlug(sys, "acme"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.PingContext(ctx); err != nil {
		t.Fatalf("the host's pool was closed: %v", err)
	}
}
