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
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/dialect/mysqldialect"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/accountkit/accountkit/storage"
	"github.com/accountkit/accountkit/storage/internal/sqlstore"
)

// Store is storage.Store on MySQL or MariaDB. Its methods are documented on
// storage.Store and the domain Store interfaces it embeds; Migrate creates
// or upgrades the schema.
type Store struct {
	*sqlstore.Store
	borrowed bool // the pool is the host's (OpenDB, OpenBun): Close leaves it open
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
	return open(ctx, bun.NewDB(sqldb, mysqldialect.New(mysqldialect.WithTimeLocation("UTC"))), cfg, false)
}

func open(ctx context.Context, db *bun.DB, cfg config, borrowed bool) (*Store, error) {
	if err := sqlstore.Instrument(db, sqlstore.MySQL, cfg.tel); err != nil {
		if !borrowed {
			_ = db.Close()
		}
		return nil, fmt.Errorf("mysql: telemetry: %w", err)
	}
	s := &Store{Store: sqlstore.New(db, sqlstore.MySQL, cfg.logger), borrowed: borrowed}
	if cfg.migrate {
		if err := s.Migrate(ctx); err != nil {
			_ = s.Close()
			return nil, err
		}
	}
	return s, nil
}

// OpenDB uses the host's own pool (its dialer, TLS, pool limits), opened
// with go-sql-driver/mysql on a DSN that has what Open forces: pass the
// host's DSN through DSN first (parseTime=true, loc=UTC,
// clientFoundRows=true), or set those fields on a mysql.Config given to
// mysql.NewConnector. OpenDB checks them on one connection before it
// returns, and refuses a pool that lacks them or that has no database
// selected: without them times would be read as text or in another zone,
// and an update that changes nothing would look like a missing row.
// WithMaxOpenConns is ignored (the host sized its pool; keep it at 2 or
// more for Migrate). Close leaves the pool open: the host closes it.
func OpenDB(ctx context.Context, db *sql.DB, opts ...Option) (*Store, error) {
	if db == nil {
		return nil, errors.New("mysql: OpenDB needs a *sql.DB")
	}
	return OpenBun(ctx, bun.NewDB(db, mysqldialect.New(mysqldialect.WithTimeLocation("UTC"))), opts...)
}

// OpenBun is OpenDB for the host's *bun.DB (MySQL dialect; create it with
// mysqldialect.WithTimeLocation("UTC") so times are written in UTC). The
// pool is checked as OpenDB does. With WithTracing or WithMetrics the
// query hook is added to db itself, so the host's own queries on it are
// traced and measured too.
func OpenBun(ctx context.Context, db *bun.DB, opts ...Option) (*Store, error) {
	if db == nil || db.Dialect().Name() != dialect.MySQL {
		return nil, errors.New("mysql: OpenBun needs a *bun.DB with the MySQL dialect")
	}
	cfg := config{}
	for _, o := range opts {
		o(&cfg)
	}
	if err := checkPool(ctx, db.DB); err != nil {
		return nil, err
	}
	return open(ctx, db, cfg, true)
}

// checkPool asks one connection of the host's pool whether it was opened
// as DSN would have opened it: a database selected, DATETIME read as
// time.Time in UTC (parseTime=true, loc=UTC), and matched rather than
// changed rows counted (clientFoundRows=true, probed on a temporary
// table, which is private to the connection and dropped at once).
func checkPool(ctx context.Context, db *sql.DB) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("mysql: connect: %w", err)
	}
	defer conn.Close()
	var name sql.NullString
	if err := conn.QueryRowContext(ctx, "SELECT DATABASE()").Scan(&name); err != nil {
		return fmt.Errorf("mysql: connect: %w", err)
	}
	if !name.Valid || name.String == "" {
		return errors.New("mysql: the host's pool has no database selected (user:pass@tcp(host:3306)/dbname)")
	}
	var ts any
	if err := conn.QueryRowContext(ctx, "SELECT CAST('2001-02-03 04:05:06.000007' AS DATETIME(6))").Scan(&ts); err != nil {
		return fmt.Errorf("mysql: check pool: %w", err)
	}
	if tm, ok := ts.(time.Time); !ok {
		return errors.New("mysql: the host's pool reads DATETIME as text: open it with parseTime=true (see mysql.DSN)")
	} else if tm.Location() != time.UTC {
		return errors.New("mysql: the host's pool reads times in " + tm.Location().String() + ": open it with loc=UTC (see mysql.DSN)")
	}
	const probe = "accountkit_found_rows_probe"
	if _, err := conn.ExecContext(ctx, "CREATE TEMPORARY TABLE "+probe+" (id INT PRIMARY KEY)"); err != nil {
		return fmt.Errorf("mysql: check pool: %w", err)
	}
	defer func() { _, _ = conn.ExecContext(context.WithoutCancel(ctx), "DROP TEMPORARY TABLE IF EXISTS "+probe) }()
	if _, err := conn.ExecContext(ctx, "INSERT INTO "+probe+" (id) VALUES (1)"); err != nil {
		return fmt.Errorf("mysql: check pool: %w", err)
	}
	res, err := conn.ExecContext(ctx, "UPDATE "+probe+" SET id = 1 WHERE id = 1")
	if err != nil {
		return fmt.Errorf("mysql: check pool: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("mysql: check pool: %w", err)
	} else if n != 1 {
		return errors.New("mysql: the host's pool counts changed rows, not matched ones: open it with clientFoundRows=true (see mysql.DSN)")
	}
	return nil
}

// Close closes the connection pool, unless it is the host's (OpenDB,
// OpenBun).
func (s *Store) Close() error {
	if s.borrowed {
		return nil
	}
	return s.Store.Close()
}
