// Package mysql is the MySQL and MariaDB storage adapter: storage.Store
// through bun and go-sql-driver/mysql. It is tested on MariaDB 10.11 and
// written for MySQL 8 too (no RETURNING, no database defaults). Concurrent
// transactions are serialized by row locks, so the adapter declares
// storage.CapRowLocks.
//
// The package imports storage and its internal SQL implementation only.
package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/mysqldialect"
	"go.opentelemetry.io/otel/trace"

	"github.com/accountkit/accountkit/storage"
	"github.com/accountkit/accountkit/storage/internal/sqlstore"
)

// Store is storage.Store on MySQL or MariaDB. Its methods are documented on
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
	tracing  bool
	tracer   trace.TracerProvider
}

// WithTracing wraps every SQL statement in an OpenTelemetry client span
// named after its operation (SELECT, INSERT, ...) with db.system and
// db.operation.name only — never the statement or its arguments. A nil
// tp means the global provider (otel.GetTracerProvider).
func WithTracing(tp trace.TracerProvider) Option {
	return func(c *config) { c.tracing, c.tracer = true, tp }
}

// WithMigrate makes Open run Migrate before it returns.
func WithMigrate() Option { return func(c *config) { c.migrate = true } }

// WithMaxOpenConns caps the connection pool (default 10, at least 2: Migrate
// holds one connection for its lock while it works on another).
func WithMaxOpenConns(n int) Option { return func(c *config) { c.maxConns = n } }

// WithLogger sets the logger that receives retried transactions (debug).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// DSN returns the go-sql-driver/mysql DSN Open uses for dsn
// (user:pass@tcp(host:3306)/db?params): parseTime=true, loc=UTC and
// clientFoundRows=true are forced, whatever dsn says. An empty DSN, or
// one that names no database, is refused: the adapter would otherwise
// connect with no database selected.
func DSN(dsn string) (string, error) {
	if strings.TrimSpace(dsn) == "" {
		return "", errors.New("mysql: empty DSN: give one such as user:pass@tcp(host:3306)/dbname")
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return "", fmt.Errorf("mysql: parse dsn: %w", err)
	}
	if cfg.DBName == "" {
		return "", errors.New("mysql: the DSN names no database (user:pass@tcp(host:3306)/dbname)")
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	cfg.ClientFoundRows = true
	return cfg.FormatDSN(), nil
}

// Open connects to MySQL or MariaDB; see DSN for the parameters it forces.
// Times are written and read in UTC (DATETIME(6)).
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	cfg := config{maxConns: 10}
	for _, o := range opts {
		o(&cfg)
	}
	full, err := DSN(dsn)
	if err != nil {
		return nil, err
	}
	sqldb, err := sql.Open("mysql", full)
	if err != nil {
		return nil, fmt.Errorf("mysql: open: %w", err)
	}
	cfg.maxConns = max(cfg.maxConns, 2)
	sqldb.SetMaxOpenConns(cfg.maxConns)
	sqldb.SetMaxIdleConns(cfg.maxConns)
	sqldb.SetConnMaxLifetime(time.Hour)
	if err := sqldb.PingContext(ctx); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("mysql: connect: %w", err)
	}
	db := bun.NewDB(sqldb, mysqldialect.New(mysqldialect.WithTimeLocation("UTC")))
	if cfg.tracing {
		sqlstore.TraceQueries(db, sqlstore.MySQL, cfg.tracer)
	}
	s := &Store{sqlstore.New(db, sqlstore.MySQL, cfg.logger)}
	if cfg.migrate {
		if err := s.Migrate(ctx); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}
