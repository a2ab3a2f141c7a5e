package sqlstore_test

import (
	"context"
	"database/sql"
	"sync"
	"testing"

	"github.com/uptrace/bun"

	"github.com/accountkit/accountkit/storage/internal/sqlstore"
)

// The helpers the EXPLAIN tests (explain_users_test.go,
// explain_audit_test.go, explain_seats_test.go) share.

// eachServer runs fn in a parallel subtest per database server
// (PostgreSQL, MariaDB; not SQLite, whose planner the EXPLAIN tests do not
// judge) on a fresh, migrated database of its own: m is the store, s its
// inner *sqlstore.Store. Without the server's DSN the subtest skips, and
// under CI=true it fails (internal/dbtest).
func eachServer(t *testing.T, fn func(t *testing.T, o opener, m migrator, s *sqlstore.Store)) {
	for _, o := range openers {
		if o.name == "sqlite" {
			continue
		}
		t.Run(o.name, func(t *testing.T) {
			t.Parallel()
			m := mustOpen(t, o, o.fresh(t))
			if err := m.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			fn(t, o, m, innerStore(t, m))
		})
	}
}

// queryRecorder is a bun query hook that keeps the statements run while
// it captures, so that a test EXPLAINs the SQL the store really sends.
type queryRecorder struct {
	mu      sync.Mutex
	on      bool
	queries []string
}

// recordQueries adds a queryRecorder, idle until capture, to s's database.
func recordQueries(s *sqlstore.Store) *queryRecorder {
	r := &queryRecorder{}
	s.DB().AddQueryHook(r)
	return r
}

// capture returns the statements fn runs.
func (r *queryRecorder) capture(fn func()) []string {
	r.mu.Lock()
	r.on, r.queries = true, nil
	r.mu.Unlock()
	fn()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.on = false
	return r.queries
}

// BeforeQuery implements bun.QueryHook.
func (r *queryRecorder) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

// AfterQuery implements bun.QueryHook.
func (r *queryRecorder) AfterQuery(_ context.Context, ev *bun.QueryEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.on {
		r.queries = append(r.queries, ev.Query)
	}
}

// explainRows runs a tabular EXPLAIN (MariaDB's plain EXPLAIN, one row per
// table read) and returns its column names and rows, NULL as "".
func explainRows(t testing.TB, s *sqlstore.Store, query string) (cols []string, rows [][]string) {
	t.Helper()
	res, err := s.DB().DB.QueryContext(context.Background(), query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer res.Close()
	if cols, err = res.Columns(); err != nil {
		t.Fatal(err)
	}
	for res.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := res.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(vals))
		for i, v := range vals {
			row[i] = v.String
		}
		rows = append(rows, row)
	}
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	return cols, rows
}
