package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/accountkit/accountkit/storage"
	"github.com/accountkit/accountkit/storage/sqlite"
	"github.com/accountkit/accountkit/storage/storagetest"
)

// newStore opens a migrated store on a file in t.TempDir.
func newStore(t *testing.T) storage.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "accountkit.db"), sqlite.WithMigrate())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storagetest.Run(t, storagetest.Harness{NewStore: newStore, Capabilities: sqlite.Capabilities})
}
