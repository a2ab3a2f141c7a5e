// Package dbtest gives tests their own PostgreSQL schema or MySQL/MariaDB
// database, so database tests can run in parallel and leave nothing behind.
//
// The server comes from ACCOUNTKIT_TEST_POSTGRES_DSN
// (postgres://postgres@127.0.0.1:5432/test?sslmode=disable) and
// ACCOUNTKIT_TEST_MYSQL_DSN (root@tcp(127.0.0.1:3306)/test). Without the
// variable a test is skipped, unless CI=true, where a missing DSN or an
// unreachable server fails it. A local skip is also written to the
// terminal (Announce), since go test ./... shows nothing of a passing
// package but "ok".
//
// The package is for tests only and imports the database drivers only.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
)

// Environment variables naming the test servers.
const (
	PostgresEnv = "ACCOUNTKIT_TEST_POSTGRES_DSN"
	MySQLEnv    = "ACCOUNTKIT_TEST_MYSQL_DSN"
)

// unavailable skips the test, or fails it when CI=true. A skip is also
// announced on the terminal (see Announce).
func unavailable(tb testing.TB, format string, args ...any) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatalf(format, args...)
		return
	}
	Announce(fmt.Sprintf(format, args...))
	tb.Skipf(format, args...)
}

// Terminal opens where Announce writes: the process's controlling
// terminal, /dev/tty. Tests replace it.
var Terminal = func() (io.WriteCloser, error) { return os.OpenFile("/dev/tty", os.O_WRONLY, 0) }

var (
	announceMu   sync.Mutex
	announceDone = map[string]bool{}
)

// Announce writes one line, once per reason and test binary, to the
// terminal: "accountkit: <package>: database tests NOT run: <reason>".
//
// It exists because `go test ./...` (package-list mode) discards
// everything a passing package prints, t.Skip messages and os.Stderr
// included, unless -v is given; the package would show only "ok". The
// test binary inherits go test's controlling terminal, so a line written
// to /dev/tty reaches the person who ran the command. Without a terminal
// (CI, an IDE, a cron job) nothing is written and the skip stays visible
// only with -v. A cached result ("ok ... (cached)") replays no output:
// -count=1 runs the package again. Under CI=true a missing database fails
// instead, so nothing is announced.
func Announce(reason string) {
	announceMu.Lock()
	defer announceMu.Unlock()
	if announceDone[reason] {
		return
	}
	announceDone[reason] = true
	w, err := Terminal()
	if err != nil {
		return
	}
	defer w.Close()
	fmt.Fprintf(w, "accountkit: %s: database tests NOT run: %s\n", testedPackage(), reason)
}

// testedPackage names the package whose test binary this is, from its
// build information (".test" trimmed), else from the binary's name.
func testedPackage() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Path != "" {
		return strings.TrimSuffix(bi.Path, ".test")
	}
	return strings.TrimSuffix(filepath.Base(os.Args[0]), ".test")
}

// NotTested announces (see Announce) that the tests on the server named
// by env do not run because env is unset, for tests that leave a store
// out of a table instead of skipping.
func NotTested(env string) {
	Announce(env + " not set")
}

// PostgresDSN returns ACCOUNTKIT_TEST_POSTGRES_DSN; see the package doc for
// what happens when it is unset.
func PostgresDSN(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv(PostgresEnv)
	if dsn == "" {
		unavailable(tb, "%s not set", PostgresEnv)
	}
	return dsn
}

// MySQLDSN returns ACCOUNTKIT_TEST_MYSQL_DSN; see the package doc for what
// happens when it is unset.
func MySQLDSN(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv(MySQLEnv)
	if dsn == "" {
		unavailable(tb, "%s not set", MySQLEnv)
	}
	return dsn
}

// Name returns a fresh name "accountkit_t_<16 hex digits>" for a schema or
// database.
func Name() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "accountkit_t_" + hex.EncodeToString(b[:])
}

// admin opens a one-connection pool on dsn and checks that it answers.
func admin(tb testing.TB, driver, dsn string) *sql.DB {
	tb.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		tb.Fatalf("dbtest: open %s: %v", driver, err)
	}
	db.SetMaxOpenConns(1)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		unavailable(tb, "dbtest: %s unreachable: %v", driver, err)
	}
	return db
}

// FreshPostgres creates an empty schema on the test server and returns a
// DSN whose search_path is that schema. The schema is dropped when the test
// ends.
func FreshPostgres(tb testing.TB) string {
	tb.Helper()
	base := PostgresDSN(tb)
	db := admin(tb, "pgx", base)
	defer db.Close()
	name := Name()
	if _, err := db.Exec("CREATE SCHEMA " + name); err != nil {
		tb.Fatalf("dbtest: create schema: %v", err)
	}
	tb.Cleanup(func() {
		db := admin(tb, "pgx", base)
		defer db.Close()
		if _, err := db.Exec("DROP SCHEMA IF EXISTS " + name + " CASCADE"); err != nil {
			tb.Errorf("dbtest: drop schema %s: %v", name, err)
		}
	})
	return WithSearchPath(tb, base, name)
}

// WithSearchPath returns dsn (URL or keyword/value form) with search_path
// set to schema.
func WithSearchPath(tb testing.TB, dsn, schema string) string {
	tb.Helper()
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			tb.Fatalf("dbtest: parse %s: %v", PostgresEnv, err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " search_path=" + schema
}

// FreshMySQL creates an empty database on the test server and returns a DSN
// that uses it. The database is dropped when the test ends.
func FreshMySQL(tb testing.TB) string {
	tb.Helper()
	base := MySQLDSN(tb)
	cfg, err := mysql.ParseDSN(base)
	if err != nil {
		tb.Fatalf("dbtest: parse %s: %v", MySQLEnv, err)
	}
	db := admin(tb, "mysql", base)
	defer db.Close()
	name := Name()
	if _, err := db.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		tb.Fatalf("dbtest: create database: %v", err)
	}
	tb.Cleanup(func() {
		db := admin(tb, "mysql", base)
		defer db.Close()
		if _, err := db.Exec("DROP DATABASE IF EXISTS " + name); err != nil {
			tb.Errorf("dbtest: drop database %s: %v", name, err)
		}
	})
	cfg.DBName = name
	return cfg.FormatDSN()
}
