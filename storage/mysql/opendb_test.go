package mysql_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/mysqldialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/internal/dbtest"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/storage/mysql"
)

// useStore runs a service call that writes and one that reads through s,
// and an update that changes nothing (which only clientFoundRows tells
// apart from a missing row).
func useStore(t *testing.T, s *mysql.Store) {
	t.Helper()
	k, err := kit.New(kit.Options{Store: s})
	require.NoError(t, err)
	sys := security.AsSystem(context.Background())
	a, err := k.Accounts.CreateMain(sys, account.CreateInput{Name: "Acme", Slug: "acme"})
	require.NoError(t, err)
	got, err := k.Accounts.GetBySlug(sys, "acme")
	require.NoError(t, err)
	require.Equal(t, a.ID, got.ID)
	require.Equal(t, a.CreatedAt.UTC(), got.CreatedAt.UTC())
	name := "Acme"
	_, err = k.Accounts.Update(sys, a.ID, account.Update{Name: &name})
	require.NoError(t, err, "an update that changes nothing")
}

// TestOpenDB: the store runs on the host's own pool (opened on mysql.DSN),
// and Close leaves the pool open for the host.
func TestOpenDB(t *testing.T) {
	ctx := context.Background()
	dsn, err := mysql.DSN(dbtest.FreshMySQL(t))
	require.NoError(t, err)
	db, err := sql.Open("mysql", dsn)
	require.NoError(t, err)
	defer db.Close()
	s, err := mysql.OpenDB(ctx, db, mysql.WithMigrate())
	require.NoError(t, err)
	useStore(t, s)
	require.NoError(t, s.Close())
	require.NoError(t, db.PingContext(ctx), "the host's pool was closed")
}

// TestOpenBun: the same with the host's *bun.DB built on a connector.
func TestOpenBun(t *testing.T) {
	ctx := context.Background()
	cfg, err := gomysql.ParseDSN(dbtest.FreshMySQL(t))
	require.NoError(t, err)
	cfg.ParseTime, cfg.ClientFoundRows = true, true
	conn, err := gomysql.NewConnector(cfg)
	require.NoError(t, err)
	db := bun.NewDB(sql.OpenDB(conn), mysqldialect.New(mysqldialect.WithTimeLocation("UTC")))
	defer db.Close()
	s, err := mysql.OpenBun(ctx, db, mysql.WithMigrate())
	require.NoError(t, err)
	useStore(t, s)
	require.NoError(t, s.Close())
	var one int
	require.NoError(t, db.NewSelect().ColumnExpr("1").Scan(ctx, &one), "the host's bun.DB was closed")
}

// TestOpenDB_Refused: a pool opened without what the adapter needs is
// refused with an error that names the missing parameter, before any
// table is created.
func TestOpenDB_Refused(t *testing.T) {
	ctx := context.Background()
	_, err := mysql.OpenDB(ctx, nil)
	require.Error(t, err)
	_, err = mysql.OpenBun(ctx, bun.NewDB(&sql.DB{}, sqlitedialect.New()))
	require.Error(t, err)
	_, err = mysql.OpenBun(ctx, nil)
	require.Error(t, err)

	base, err := gomysql.ParseDSN(dbtest.FreshMySQL(t))
	require.NoError(t, err)
	for _, tc := range []struct {
		name string
		edit func(*gomysql.Config)
		want string
	}{
		{"NoParseTime", func(c *gomysql.Config) { c.ParseTime, c.ClientFoundRows = false, true }, "parseTime=true"},
		{"LocalTime", func(c *gomysql.Config) { c.ParseTime, c.ClientFoundRows, c.Loc = true, true, time.Local }, "loc=UTC"},
		{"NoClientFoundRows", func(c *gomysql.Config) { c.ParseTime, c.ClientFoundRows = true, false }, "clientFoundRows=true"},
		{"NoDatabase", func(c *gomysql.Config) { c.ParseTime, c.ClientFoundRows, c.DBName = true, true, "" }, "no database selected"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := base.Clone()
			tc.edit(cfg)
			db, err := sql.Open("mysql", cfg.FormatDSN())
			require.NoError(t, err)
			defer db.Close()
			_, err = mysql.OpenDB(ctx, db, mysql.WithMigrate())
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.want)
			if base.DBName != "" && cfg.DBName != "" {
				var n int
				require.NoError(t, db.QueryRowContext(ctx,
					"SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ?", cfg.DBName).Scan(&n))
				require.Zero(t, n, "a refused pool was migrated")
			}
		})
	}
}

// TestOpenBun_Telemetry: WithMetrics and WithTracing put their hook on
// the host's *bun.DB, so the host's own statements are measured and
// traced on MariaDB as accountkit's are.
func TestOpenBun_Telemetry(t *testing.T) {
	ctx := context.Background()
	dsn, err := mysql.DSN(dbtest.FreshMySQL(t))
	require.NoError(t, err)
	sqldb, err := sql.Open("mysql", dsn)
	require.NoError(t, err)
	db := bun.NewDB(sqldb, mysqldialect.New(mysqldialect.WithTimeLocation("UTC")))
	defer db.Close()
	reader := sdkmetric.NewManualReader()
	spans := tracetest.NewSpanRecorder()
	s, err := mysql.OpenBun(ctx, db, mysql.WithMigrate(),
		mysql.WithMetrics(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))),
		mysql.WithTracing(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))))
	require.NoError(t, err)
	defer s.Close()
	_, err = db.NewRaw("SELECT 1 FROM no_such_table").Exec(ctx)
	require.Error(t, err)

	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(ctx, &rm))
	var timed uint64
	var failed int64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch m.Name {
			case "db.client.operation.duration":
				for _, dp := range m.Data.(metricdata.Histogram[float64]).DataPoints {
					sys, _ := dp.Attributes.Value("db.system")
					require.Equal(t, "mysql", sys.AsString())
					timed += dp.Count
				}
			case "db.client.operation.errors":
				for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
					failed += dp.Value
				}
			}
		}
	}
	require.NotZero(t, timed, "the migrations and the host's statement are timed")
	require.EqualValues(t, 1, failed, "the host's failed statement is counted")
	last := spans.Ended()[len(spans.Ended())-1]
	require.Equal(t, "SELECT", last.Name())
}
