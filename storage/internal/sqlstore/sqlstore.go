// Package sqlstore is the one SQL implementation of storage.Store, shared by
// the sqlite, postgres and mysql adapters. It is written against bun and
// branches on the Dialect only where the databases disagree (row locks,
// insert-if-absent, migration locks, error codes).
//
// Every value is set in Go: IDs, timestamps (UTC, microseconds) and the
// derived columns used for searching. The schema is hand-written DDL per
// dialect, embedded under migrations/ and applied by Store.Migrate.
//
// Access rules do not live here: the services check permissions before they
// call a store. The package imports the root package, the domain packages
// and storage; it must not import services, the kit package or HTTP code.
package sqlstore

import (
	"context"
	"log/slog"

	"github.com/uptrace/bun"

	"github.com/accountkit/accountkit/storage"
)

// Dialect names the SQL database a Store talks to.
type Dialect string

// The supported dialects.
const (
	Postgres Dialect = "postgres"
	MySQL    Dialect = "mysql"
	SQLite   Dialect = "sqlite"
)

// Store implements storage.Store on a bun.DB.
type Store struct {
	db      *bun.DB
	dialect Dialect
	logger  *slog.Logger
}

var _ storage.Store = (*Store)(nil)

// New returns a Store on db, which must have been opened with the bun
// dialect matching dialect. logger may be nil; it receives retried
// transactions at debug level. New does not migrate; call Migrate.
func New(db *bun.DB, dialect Dialect, logger *slog.Logger) *Store {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Store{db: db, dialect: dialect, logger: logger}
}

// DB returns the underlying bun.DB, for tests and tools.
func (s *Store) DB() *bun.DB { return s.db }

// Dialect returns the dialect the Store was created with.
func (s *Store) Dialect() Dialect { return s.dialect }

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Ping checks that the database answers a query, for readiness checks.
// Errors: Unavailable (unreachable), Internal.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.db.NewSelect().ColumnExpr("1").Scan(ctx, &one); err != nil {
		return translate(err, "database")
	}
	return nil
}
