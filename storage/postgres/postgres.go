// Package postgres is the PostgreSQL storage adapter: storage.Store through
// bun and pgx/v5 (database/sql). Concurrent transactions are serialized by
// row locks, so the adapter declares storage.CapRowLocks.
//
// The package imports storage and its internal SQL implementation only.
package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/accountkit/accountkit/storage"
	"github.com/accountkit/accountkit/storage/internal/sqlstore"
)

// Store is storage.Store on PostgreSQL. Its methods are documented on
// storage.Store and the domain Store interfaces it embeds; Migrate creates
// or upgrades the schema.
type Store struct {
	*sqlstore.Store
}

var _ storage.Store = (*Store)(nil)

// Capabilities are what the adapter can do beyond the common contract.
var Capabilities = []storage.Capability{storage.CapRowLocks}

// Option configures Open.
type Option func(*config)

type config struct {
	migrate  bool
	maxConns int
	logger   *slog.Logger
}

// WithMigrate makes Open run Migrate before it returns.
func WithMigrate() Option { return func(c *config) { c.migrate = true } }

// WithMaxOpenConns caps the connection pool (default 10, at least 2: Migrate
// holds one connection for its lock while it works on another). Keep the
// total of all processes below the server's max_connections.
func WithMaxOpenConns(n int) Option { return func(c *config) { c.maxConns = n } }

// WithLogger sets the logger that receives retried transactions (debug).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// Open connects to PostgreSQL. dsn is a pgx connection string, as a URL
// (postgres://user:pass@host:5432/db?sslmode=disable&search_path=s) or in
// keyword/value form. Unless dsn sets default_query_exec_mode, Open uses
// "exec": bun interpolates arguments into the SQL text, so caching a
// prepared statement per text buys nothing, and a cached plan fails once
// after DDL.
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	cfg := config{maxConns: 10}
	for _, o := range opts {
		o(&cfg)
	}
	pgcfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse dsn: %w", err)
	}
	if !strings.Contains(dsn, "default_query_exec_mode") {
		pgcfg.DefaultQueryExecMode = pgx.QueryExecModeExec
	}
	sqldb := stdlib.OpenDB(*pgcfg)
	cfg.maxConns = max(cfg.maxConns, 2)
	sqldb.SetMaxOpenConns(cfg.maxConns)
	sqldb.SetMaxIdleConns(cfg.maxConns)
	if err := sqldb.PingContext(ctx); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	s := &Store{sqlstore.New(bun.NewDB(sqldb, pgdialect.New()), sqlstore.Postgres, cfg.logger)}
	if cfg.migrate {
		if err := s.Migrate(ctx); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}
