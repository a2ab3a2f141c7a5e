package mysql_test

import (
	"context"
	"strings"
	"testing"

	"github.com/accountkit/accountkit/internal/dbtest"
	"github.com/accountkit/accountkit/storage"
	"github.com/accountkit/accountkit/storage/mysql"
	"github.com/accountkit/accountkit/storage/storagetest"
)

// newStore opens a migrated store on a fresh database, closed and dropped
// when t ends.
func newStore(t *testing.T) storage.Store {
	t.Helper()
	s, err := mysql.Open(context.Background(), dbtest.FreshMySQL(t),
		mysql.WithMigrate(), mysql.WithMaxOpenConns(4))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	dbtest.MySQLDSN(t) // skip (or fail on CI) before the suite starts
	storagetest.Run(t, storagetest.Harness{NewStore: newStore, Capabilities: mysql.Capabilities})
}

func TestDSN(t *testing.T) {
	got, err := mysql.DSN("root@tcp(127.0.0.1:3306)/test?parseTime=false")
	if err != nil {
		t.Fatal(err)
	}
	want := "root@tcp(127.0.0.1:3306)/test?clientFoundRows=true&parseTime=true"
	if got != want {
		t.Fatalf("DSN = %q, want %q", got, want)
	}
}

// TestDSN_Refused: an empty DSN, or one without a database, is refused
// with a clear error before any connection.
func TestDSN_Refused(t *testing.T) {
	for _, dsn := range []string{"", "  ", "root@tcp(127.0.0.1:3306)/", "root@tcp(127.0.0.1:3306)/?parseTime=true"} {
		_, err := mysql.Open(context.Background(), dsn)
		if err == nil || !strings.Contains(err.Error(), "mysql: ") || !(strings.Contains(err.Error(), "empty DSN") || strings.Contains(err.Error(), "names no database")) {
			t.Errorf("Open(%q) = %v, want a refusal naming the DSN", dsn, err)
		}
	}
}
