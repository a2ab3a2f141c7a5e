package sqlstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/accountkit/accountkit/storage/internal/sqlstore"
)

// explainAuditEvents is how many events TestExplainAudit seeds: enough
// that the planners prefer indexes as they do on a large log (with a few
// hundred rows a sequential scan and a sort are cheaper, and right).
const explainAuditEvents = 30_000

// TestExplainAudit checks the plans of the audit log page queries on
// PostgreSQL and MariaDB: for every case of auditBenchCases (the filters
// the audit service builds), the SQL that ListAuditEvents really runs,
// captured by a bun query hook, is EXPLAINed on a seeded and analysed log
// and must
//
//   - read accountkit_audit_events through an index, never by a full scan
//     (PostgreSQL Seq Scan; MariaDB access type ALL or index),
//   - and, except for word searches, return the rows in index order: no
//     Sort node (PostgreSQL) and no filesort or temporary table (MariaDB),
//   - and on MariaDB, unless the filter tests the actor name (TEXT, not
//     indexed) or words, find the page's ids by an index-only scan.
//
// A word search is driven by the word ranges of accountkit_audit_words (a
// search with no match reads an empty range), so its matches are sorted:
// the sort is over the matching events, not over the log.
//
// Without ACCOUNTKIT_TEST_POSTGRES_DSN / ACCOUNTKIT_TEST_MYSQL_DSN the
// database is skipped, and under CI=true it fails (internal/dbtest).
func TestExplainAudit(t *testing.T) {
	eachServer(t, func(t *testing.T, o opener, m migrator, s *sqlstore.Store) {
		l := auditBenchLog{Events: explainAuditEvents, MainID: ids.NewID(), End: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)}
		l.Subs, l.Actors = generateLog(t, s, l.MainID, l.End, l.Events)
		explainAuditAnalyze(t, s)
		hook := recordQueries(s)
		for _, c := range auditBenchCases(t, s, l) {
			t.Run(c.name, func(t *testing.T) {
				if problems := explainAuditCase(t, m, s, hook, c, explainAuditSmallSort); len(problems) > 0 {
					t.Error(strings.Join(problems, "\n"))
				}
			})
		}
	})
}

// explainAuditSmallSort is the largest estimated input of a PostgreSQL
// Sort node that TestExplainAudit (and BenchmarkAuditQuery, at its size)
// lets pass. When a narrow filter (the main account's failures of one
// item in a month, or before a cursor) is estimated to match about a page
// in all, the planner rightly sorts those few rows, found by a bitmap
// scan of the same index, instead of walking the index in order. A sort
// of the log, or of a day of it, stays out.
const explainAuditSmallSort = 250

// explainAuditCase runs the query of case c through ListAuditEvents,
// captures its SQL with hook, EXPLAINs it and returns what is wrong with
// the plan (see TestExplainAudit), with the SQL and the plan when
// something is. PostgreSQL sorts of at most smallSort estimated rows pass.
func explainAuditCase(tb testing.TB, m migrator, s *sqlstore.Store, hook *queryRecorder, c auditBenchCase, smallSort float64) []string {
	tb.Helper()
	queries := hook.capture(func() {
		if _, err := m.ListAuditEvents(context.Background(), c.f); err != nil {
			tb.Fatal(err)
		}
	})
	if len(queries) != 1 {
		tb.Fatalf("ListAuditEvents ran %d statements, want 1: %q", len(queries), queries)
	}
	plan := explainAuditPlan(tb, s, queries[0])
	search := c.f.Search != ""
	var problems []string
	if s.Dialect() == sqlstore.MySQL {
		problems = explainAuditMySQL(tb, plan, search, !search && c.f.ActorName == nil)
	} else {
		problems = explainAuditPostgres(tb, plan, search, smallSort)
	}
	if len(problems) > 0 {
		problems = append(problems, c.name+": "+queries[0], "plan:\n"+plan)
	}
	return problems
}

// explainAuditAnalyze refreshes the planner statistics of the audit
// tables after the bulk load, as autovacuum (PostgreSQL) or the
// persistent statistics (MariaDB) would on a live log.
func explainAuditAnalyze(t *testing.T, s *sqlstore.Store) {
	t.Helper()
	for _, table := range []string{"accountkit_audit_events", "accountkit_audit_words"} {
		q := "VACUUM ANALYZE " + table
		if s.Dialect() == sqlstore.MySQL {
			q = "ANALYZE TABLE " + table
		}
		rows, err := s.DB().QueryContext(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
}

// explainAuditPlan returns the JSON plan of query.
func explainAuditPlan(t testing.TB, s *sqlstore.Store, query string) string {
	t.Helper()
	prefix := "EXPLAIN (FORMAT JSON) "
	if s.Dialect() == sqlstore.MySQL {
		prefix = "EXPLAIN FORMAT=JSON "
	}
	var plan string
	if err := s.DB().QueryRowContext(context.Background(), prefix+query).Scan(&plan); err != nil {
		t.Fatalf("explain: %v\n%s", err, query)
	}
	return plan
}

// explainAuditWalk calls fn with every JSON object in v.
func explainAuditWalk(v any, fn func(map[string]any)) {
	switch v := v.(type) {
	case map[string]any:
		fn(v)
		for _, c := range v {
			explainAuditWalk(c, fn)
		}
	case []any:
		for _, c := range v {
			explainAuditWalk(c, fn)
		}
	}
}

// explainAuditPostgres returns what is wrong with a PostgreSQL JSON plan.
func explainAuditPostgres(t testing.TB, plan string, search bool, smallSort float64) []string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(plan), &v); err != nil {
		t.Fatal(err)
	}
	var problems []string
	explainAuditWalk(v, func(n map[string]any) {
		typ, _ := n["Node Type"].(string)
		rel, _ := n["Relation Name"].(string)
		switch {
		case rel == "accountkit_audit_events" && (typ == "Seq Scan" || typ == "Bitmap Heap Scan" && n["Recheck Cond"] == nil):
			problems = append(problems, "full scan of accountkit_audit_events: "+typ)
		case (typ == "Sort" || typ == "Incremental Sort") && !search && !(explainAuditInput(n) <= smallSort):
			problems = append(problems, fmt.Sprintf("%s node (keys %v)", typ, n["Sort Key"]))
		}
	})
	return problems
}

// explainAuditInput is the estimated number of rows into a PostgreSQL
// plan node n (its first child's Plan Rows; +Inf when unknown).
func explainAuditInput(n map[string]any) float64 {
	if kids, _ := n["Plans"].([]any); len(kids) > 0 {
		if k, _ := kids[0].(map[string]any); k != nil {
			if r, ok := k["Plan Rows"].(float64); ok {
				return r
			}
		}
	}
	return math.Inf(1)
}

// explainAuditMySQL returns what is wrong with a MariaDB JSON plan.
//
// When covered, the page's ids must come from an index-only scan (every
// filtered column is in the index; the actor name, a TEXT column, is not).
func explainAuditMySQL(t testing.TB, plan string, search, covered bool) []string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(plan), &v); err != nil {
		t.Fatal(err)
	}
	var problems []string
	indexOnly := false
	explainAuditWalk(v, func(n map[string]any) {
		// MariaDB names a table by its alias: bun's audit_event_row for
		// the model, e for the page's rows.
		name, _ := n["table_name"].(string)
		if name == "audit_event_row" {
			indexOnly = indexOnly || n["using_index"] == true
		}
		if name == "accountkit_audit_events" || name == "audit_event_row" || name == "e" {
			switch access, _ := n["access_type"].(string); access {
			case "ALL", "index":
				problems = append(problems, fmt.Sprintf("full scan of accountkit_audit_events (%s): access_type %s", name, access))
			}
		}
		if search {
			return
		}
		if _, ok := n["filesort"]; ok {
			problems = append(problems, "filesort")
		}
		if b, _ := n["using_filesort"].(bool); b {
			problems = append(problems, "using_filesort")
		}
		if _, ok := n["temporary_table"]; ok {
			problems = append(problems, "temporary table")
		}
	})
	if covered && !indexOnly {
		problems = append(problems, "the page's ids are not read by an index-only scan")
	}
	return problems
}
