// Package sqlite is the SQLite storage adapter: storage.Store on a database
// file (or an in-memory database) through bun and modernc.org/sqlite, which
// needs no cgo.
//
// SQLite has no row locks: every transaction starts with BEGIN IMMEDIATE
// (the DSN's _txlock=immediate), so writers are serialized and wait up to
// the busy timeout for each other. The adapter therefore does not declare
// storage.CapRowLocks.
//
// The package imports storage and its internal SQL implementation only.
package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/driver/sqliteshim"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/accountkit/accountkit/storage"
	"github.com/accountkit/accountkit/storage/internal/sqlstore"
)

// Store is storage.Store on SQLite. Its methods are documented on
// storage.Store and the domain Store interfaces it embeds; Migrate creates
// or upgrades the schema.
type Store struct {
	*sqlstore.Store
}

var _ storage.Store = (*Store)(nil)

// Capabilities are what the adapter can do beyond the common contract:
// nothing, as SQLite serializes whole transactions instead of locking rows.
var Capabilities []storage.Capability

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

// WithMaxOpenConns caps the connection pool (default 4). It is ignored for
// ":memory:", which always uses a single connection.
func WithMaxOpenConns(n int) Option { return func(c *config) { c.maxConns = n } }

// WithLogger sets the logger that receives retried transactions (debug).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// pragmas are added to the DSN unless it already sets them.
var pragmas = []struct{ key, param string }{
	{"busy_timeout", "_pragma=busy_timeout(10000)"},
	{"foreign_keys", "_pragma=foreign_keys(1)"},
	{"journal_mode", "_pragma=journal_mode(WAL)"},
	{"_txlock", "_txlock=immediate"},
}

// DSN returns the modernc.org/sqlite data source name Open uses for dsn: the
// path (or ":memory:") with busy_timeout(10000), foreign_keys(1),
// journal_mode(WAL) (not for in-memory databases) and _txlock=immediate
// appended unless dsn already sets them. It reports whether the database
// lives in memory.
func DSN(dsn string) (string, bool) {
	memory := dsn == ":memory:" || strings.Contains(dsn, "mode=memory") || strings.HasPrefix(dsn, "file::memory:")
	var params []string
	for _, p := range pragmas {
		if strings.Contains(dsn, p.key) || (memory && p.key == "journal_mode") {
			continue
		}
		params = append(params, p.param)
	}
	if len(params) == 0 {
		return dsn, memory
	}
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + strings.Join(params, "&"), memory
}

// Open opens the SQLite database at dsn, a file path (created if missing)
// or ":memory:" for a private in-memory database; see DSN for the pragmas
// it adds. An in-memory database lives on one connection, so every caller
// sees the same data; it disappears on Close.
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	cfg := config{maxConns: 4}
	for _, o := range opts {
		o(&cfg)
	}
	full, memory := DSN(dsn)
	sqldb, err := sql.Open(sqliteshim.ShimName, full)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	if memory || cfg.maxConns < 1 {
		cfg.maxConns = 1
	}
	sqldb.SetMaxOpenConns(cfg.maxConns)
	sqldb.SetMaxIdleConns(cfg.maxConns)
	sqldb.SetConnMaxLifetime(0)
	sqldb.SetConnMaxIdleTime(0)
	if err := sqldb.PingContext(ctx); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	db := bun.NewDB(sqldb, sqlitedialect.New())
	if err := sqlstore.Instrument(db, sqlstore.SQLite, cfg.tel); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("sqlite: telemetry: %w", err)
	}
	s := &Store{sqlstore.New(db, sqlstore.SQLite, cfg.logger)}
	if cfg.migrate {
		if err := s.Migrate(ctx); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}
