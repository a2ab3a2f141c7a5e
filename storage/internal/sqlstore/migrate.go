package sqlstore

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"
)

//go:embed migrations
var migrationFiles embed.FS

// Names of bun/migrate's bookkeeping tables and of the session lock that
// serializes Migrate across processes.
const (
	migrationsTable     = "accountkit_migrations"
	migrationLocksTable = "accountkit_migration_locks"
	migrationLockName   = "accountkit_migrate"
	// migrationLockKey is the pg_advisory_lock key: the first 8 bytes of
	// "accountkit" read as a big-endian integer.
	migrationLockKey int64 = 0x6163636f756e746b
)

// Migrate creates or upgrades the schema. It is idempotent, and safe to run
// from several processes at once: on PostgreSQL and MySQL it holds a
// session-level lock (pg_advisory_lock, GET_LOCK) on a dedicated connection
// around bun/migrate's Init and Migrate; on SQLite, whose writers are
// serialized anyway, it retries a few times.
func (s *Store) Migrate(ctx context.Context) error {
	return s.migrateTo(ctx, "")
}

// migrateTo is Migrate applying only the migrations whose names (their
// leading number, e.g. "008") are at most last; "" applies them all.
// Tests use it to check how a migration converts existing data.
func (s *Store) migrateTo(ctx context.Context, last string) error {
	sub, err := fs.Sub(migrationFiles, "migrations/"+string(s.dialect))
	if err != nil {
		return err
	}
	all := migrate.NewMigrations()
	if err := all.Discover(sub); err != nil {
		return fmt.Errorf("sqlstore: discover migrations: %w", err)
	}
	all.Add(s.searchWordsMigration())
	all.Add(s.nameKeyMigration())
	migrations := all
	if last != "" {
		migrations = migrate.NewMigrations()
		for _, m := range all.Sorted() {
			if m.Name <= last {
				migrations.Add(m)
			}
		}
	}
	m := migrate.NewMigrator(s.db, migrations,
		migrate.WithTableName(migrationsTable),
		migrate.WithLocksTableName(migrationLocksTable),
		migrate.WithMarkAppliedOnSuccess(true),
	)
	run := func() error {
		if err := m.Init(ctx); err != nil {
			return fmt.Errorf("sqlstore: init migrations: %w", err)
		}
		if _, err := m.Migrate(ctx); err != nil {
			return fmt.Errorf("sqlstore: migrate: %w", err)
		}
		return nil
	}
	switch s.dialect {
	case Postgres:
		return s.withSessionLock(ctx,
			"SELECT pg_advisory_lock(?)", "SELECT pg_advisory_unlock(?)", migrationLockKey, run)
	case MySQL:
		return s.withSessionLock(ctx,
			"SELECT GET_LOCK(?, 60)", "SELECT RELEASE_LOCK(?)", migrationLockName, run)
	default:
		for attempt := 1; ; attempt++ {
			err := run()
			if err == nil || attempt == 5 {
				return err
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Duration(attempt) * 50 * time.Millisecond):
			}
		}
	}
}

// withSessionLock runs fn while a dedicated connection holds a session
// lock. lockSQL must return 1 (MySQL) or void (PostgreSQL) once the lock is
// held.
func (s *Store) withSessionLock(ctx context.Context, lockSQL, unlockSQL string, key any, fn func() error) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlstore: migration lock: %w", err)
	}
	defer conn.Close()
	if err := acquire(ctx, conn, lockSQL, key); err != nil {
		return err
	}
	defer func() {
		// A fresh context: the lock must be released even if ctx is done.
		// Closing the connection would release it too, but it returns to
		// the pool instead.
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_, _ = conn.ExecContext(uctx, unlockSQL, key)
	}()
	return fn()
}

func acquire(ctx context.Context, conn bun.Conn, lockSQL string, key any) error {
	var got any
	if err := conn.QueryRowContext(ctx, lockSQL, key).Scan(&got); err != nil {
		return fmt.Errorf("sqlstore: migration lock: %w", err)
	}
	switch v := got.(type) {
	case int64:
		if v != 1 {
			return fmt.Errorf("sqlstore: migration lock %q not acquired within 60s", migrationLockName)
		}
	case []byte:
		if string(v) != "1" {
			return fmt.Errorf("sqlstore: migration lock %q not acquired within 60s", migrationLockName)
		}
	}
	return nil
}
