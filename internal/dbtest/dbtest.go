// Package dbtest gives tests their own PostgreSQL schema or MySQL/MariaDB
// database, so database tests can run in parallel and leave nothing behind.
//
// The server comes from ACCOUNTKIT_TEST_POSTGRES_DSN
// (postgres://postgres@127.0.0.1:5432/test?sslmode=disable) and
// ACCOUNTKIT_TEST_MYSQL_DSN (root@tcp(127.0.0.1:3306)/test). Without the
// variable a test is skipped, unless CI=true, where a missing DSN or an
// unreachable server fails it.
//
// The package is for tests only and imports the database drivers only.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
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

// unavailable skips the test, or fails it when CI=true.
func unavailable(tb testing.TB, format string, args ...any) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatalf(format, args...)
	}
	tb.Skipf(format, args...)
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
