// Package postgres is the PostgreSQL storage adapter: storage.Store through
// bun and pgx/v5 (database/sql). Concurrent transactions are serialized by
// row locks, so the adapter declares storage.CapRowLocks.
//
// The package imports storage and its internal SQL implementation only.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/dialect/pgdialect"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/accountkit/accountkit/storage"
	"github.com/accountkit/accountkit/storage/internal/sqlstore"
)

// Store is storage.Store on PostgreSQL. Its methods are documented on
// storage.Store and the domain Store interfaces it embeds; Migrate creates
// or upgrades the schema.
type Store struct {
	*sqlstore.Store
	borrowed bool // the pool is the host's (OpenDB): Close leaves it open
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
	tel      sqlstore.Telemetry
}

// WithTracing wraps every SQL statement in an OpenTelemetry client span
// named after its operation (SELECT, INSERT, ...) with db.system and
// db.operation.name only — never the statement or its arguments. A nil
// tp means the global provider (otel.GetTracerProvider).
func WithTracing(tp trace.TracerProvider) Option {
	return func(c *config) { c.tel.Tracing, c.tel.TracerProvider = true, tp }
}

// WithMetrics records a duration histogram (db.client.operation.duration,
// seconds) and an error counter (db.client.operation.errors) for every
// SQL statement, by db.system and db.operation.name only, through the
// same query hook as WithTracing. A nil mp means the global provider
// (otel.GetMeterProvider).
func WithMetrics(mp metric.MeterProvider) Option {
	return func(c *config) { c.tel.Metrics, c.tel.MeterProvider = true, mp }
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
	if strings.TrimSpace(dsn) == "" {
		return nil, errors.New("postgres: empty DSN: give one such as postgres://user@host:5432/dbname?sslmode=disable")
	}
	pgcfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse dsn: %w", err)
	}
	if pgcfg.Database == "" {
		return nil, errors.New("postgres: the DSN names no database (postgres://user@host:5432/dbname): refusing to use the server's default one")
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
	return open(ctx, bun.NewDB(sqldb, pgdialect.New()), cfg, false)
}

func open(ctx context.Context, db *bun.DB, cfg config, borrowed bool) (*Store, error) {
	if err := sqlstore.Instrument(db, sqlstore.Postgres, cfg.tel); err != nil {
		if !borrowed {
			_ = db.Close()
		}
		return nil, fmt.Errorf("postgres: telemetry: %w", err)
	}
	s := &Store{Store: sqlstore.New(db, sqlstore.Postgres, cfg.logger), borrowed: borrowed}
	if cfg.migrate {
		if err := s.Migrate(ctx); err != nil {
			_ = s.Close()
			return nil, err
		}
	}
	return s, nil
}

// OpenDB uses the host's own pool (its dialer, TLS, pool limits), opened
// with the pgx driver (github.com/jackc/pgx/v5/stdlib). Prefer the "exec"
// default_query_exec_mode, as Open does: a cached plan fails once after
// DDL. WithMaxOpenConns is ignored (the host sized its pool; keep it at 2
// or more for Migrate). Close leaves the pool open: the host closes it.
func OpenDB(ctx context.Context, db *sql.DB, opts ...Option) (*Store, error) {
	if db == nil {
		return nil, errors.New("postgres: OpenDB needs a *sql.DB")
	}
	return OpenBun(ctx, bun.NewDB(db, pgdialect.New()), opts...)
}

// OpenBun is OpenDB for the host's *bun.DB (PostgreSQL dialect). With
// WithTracing or WithMetrics the query hook is added to db itself, so
// the host's own queries on it are traced and measured too.
func OpenBun(ctx context.Context, db *bun.DB, opts ...Option) (*Store, error) {
	if db == nil || db.Dialect().Name() != dialect.PG {
		return nil, errors.New("postgres: OpenBun needs a *bun.DB with the PostgreSQL dialect")
	}
	cfg := config{}
	for _, o := range opts {
		o(&cfg)
	}
	if err := db.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	return open(ctx, db, cfg, true)
}

// Close closes the connection pool, unless it is the host's (OpenDB,
// OpenBun).
func (s *Store) Close() error {
	if s.borrowed {
		return nil
	}
	return s.Store.Close()
}
