package sqlstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/accountkit/accountkit/storage/internal/sqlstore"
	"github.com/accountkit/accountkit/users"
)

// TestExplainUsersList checks the plans of the users list queries (issue
// 18) on PostgreSQL and MariaDB: the SQL that ListUsers really runs for
// each hot shape (first page, deep cursor, role filter, every sort order,
// on the tree and on one account) is captured with a bun query hook and
// explained on 10,000 seeded users after ANALYZE (enough that the common role
// has more than fewHolders grants), so the planner sees a
// realistic table (no planner setting is changed). Each plan must not
// scan accountkit_users in full (Seq Scan, MariaDB type ALL) nor sort the
// users it reads: a sort is allowed only above per-account branches cut
// by their LIMIT (the tree merge sorts at most 51 rows per account), and
// for the rare-role shape, which by design reads at most fewHolders
// (5,000) grants and sorts their users.
//
// It runs where ACCOUNTKIT_TEST_POSTGRES_DSN / ACCOUNTKIT_TEST_MYSQL_DSN
// are set, and fails under CI=true when they are not.
func TestExplainUsersList(t *testing.T) {
	eachServer(t, func(t *testing.T, o opener, m migrator, s *sqlstore.Store) {
		ctx := context.Background()
		mainID, subs := explainUsersSeed(t, s, 10)
		tree := append([]string{mainID}, subs...)
		rec := recordQueries(s)

		// Deep cursors: the user half way through each order.
		after := func(f users.Filter, col string, desc bool) users.Filter {
			where := ""
			if col == "last_login_at" {
				where = "AND last_login_at IS NOT NULL"
			}
			key, at, id := usersMid(t, s, col, desc, f.AccountIDs, where)
			f.AfterID, f.AfterKey, f.AfterCreated = id, key, at
			if col == "last_login_at" {
				f.AfterLastLogin = &at
			}
			return f
		}
		rare, common := usersBenchRare, usersBenchCommon
		type shape struct {
			name      string
			f         users.Filter
			allowSort bool
		}
		shapes := []shape{
			{"FirstPage/Tree", users.Filter{AccountIDs: tree}, false},
			{"FirstPage/Main", users.Filter{AccountIDs: []string{mainID}}, false},
			{"DeepCursor/Tree", after(users.Filter{AccountIDs: tree}, "username", false), false},
			{"DeepCursor/Main", after(users.Filter{AccountIDs: []string{mainID}}, "username", false), false},
			{"RoleCommon/Tree", users.Filter{AccountIDs: tree, Role: &common}, false},
			{"RoleCommonDeep/Tree", after(users.Filter{AccountIDs: tree, Role: &common}, "username", false), false},
			{"RoleRare/Tree", users.Filter{AccountIDs: tree, Role: &rare}, true},
		}
		for _, sort := range []users.Sort{users.SortName, users.SortNameDesc, users.SortEmail, users.SortEmailDesc,
			users.SortCreated, users.SortCreatedDesc, users.SortUsernameDesc, users.SortLastLogin, users.SortLastLoginDesc} {
			f := users.Filter{AccountIDs: tree, Sort: sort}
			shapes = append(shapes, shape{"Sort" + string(sort) + "/Tree", f, false})
			col := map[users.Sort]string{users.SortName: "name_key", users.SortNameDesc: "name_key",
				users.SortEmail: "email", users.SortEmailDesc: "email", users.SortCreated: "created_at",
				users.SortCreatedDesc: "created_at", users.SortUsernameDesc: "username",
				users.SortLastLogin: "last_login_at", users.SortLastLoginDesc: "last_login_at"}[sort]
			shapes = append(shapes, shape{"Sort" + string(sort) + "Deep/Tree", after(f, col, strings.HasPrefix(string(sort), "-")), false})
		}
		for _, sh := range shapes {
			t.Run(sh.name, func(t *testing.T) {
				sh.f.Limit = 51
				queries := explainUsersQueries(rec.capture(func() {
					if _, err := m.ListUsers(ctx, sh.f); err != nil {
						t.Fatal(err)
					}
				}))
				if len(queries) == 0 {
					t.Fatal("ListUsers ran no query on accountkit_users")
				}
				for _, q := range queries {
					if s.Dialect() == sqlstore.MySQL {
						explainUsersCheckMySQL(t, s, q, sh.allowSort)
					} else {
						explainUsersCheckPostgres(t, s, q, sh.allowSort)
					}
				}
			})
		}
	})
}

// explainUsersSeed stores batches × 1,000 users of the benchmark's
// population (usersBenchBatchInsert) and refreshes the statistics.
func explainUsersSeed(t *testing.T, s *sqlstore.Store, batches int) (string, []string) {
	ctx := context.Background()
	mainID := ids.NewID()
	subs := make([]string, usersBenchSubs)
	for i := range subs {
		subs[i] = ids.NewID()
	}
	now := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	for b := 0; b < batches; b++ {
		if err := usersBenchBatchInsert(ctx, s, b, mainID, subs, now, batches*usersBenchBatch/usersBenchFewN); err != nil {
			t.Fatal(err)
		}
	}
	for _, table := range []string{"accountkit_users", "accountkit_user_roles", "accountkit_user_words"} {
		q := "ANALYZE " + table
		if s.Dialect() == sqlstore.MySQL {
			q = "ANALYZE TABLE " + table
		}
		rows, err := s.DB().QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return mainID, subs
}

// explainUsersQueries keeps the SELECT statements on accountkit_users
// of the statements a ListUsers call ran.
func explainUsersQueries(queries []string) []string {
	var out []string
	for _, q := range queries {
		if strings.HasPrefix(q, "SELECT") && strings.Contains(q, "accountkit_users") {
			out = append(out, q)
		}
	}
	return out
}

// explainUsersCheckMySQL explains q on MariaDB (plain EXPLAIN, one row per
// table read) and fails on a full scan of accountkit_users (type ALL, or
// an index read whole: type index) and, unless allowSort, on a filesort
// of it (a sort of a derived table, the merge of the per-account
// branches, is allowed).
func explainUsersCheckMySQL(t *testing.T, s *sqlstore.Store, q string, allowSort bool) {
	t.Helper()
	cols, rows := explainRows(t, s, "EXPLAIN "+q)
	var plan strings.Builder
	type line struct{ table, typ, extra string }
	var lines []line
	for _, vals := range rows {
		var l line
		for i, c := range cols {
			switch c {
			case "table":
				l.table = vals[i]
			case "type":
				l.typ = vals[i]
			case "Extra":
				l.extra = vals[i]
			}
			fmt.Fprintf(&plan, "%s=%s ", c, vals[i])
		}
		plan.WriteString("\n")
		lines = append(lines, l)
	}
	for _, l := range lines {
		if l.table != "u" { // accountkit_users is always aliased u; derived tables are <derivedN>
			continue
		}
		if l.typ == "ALL" || l.typ == "index" {
			t.Errorf("full scan of accountkit_users (type %s)\n%s\n%s", l.typ, short(q), plan.String())
		}
		if !allowSort && strings.Contains(l.extra, "filesort") {
			t.Errorf("filesort of accountkit_users\n%s\n%s", short(q), plan.String())
		}
	}
	if allowSort {
		return
	}
	// A filesort shows on the first table of a join: a join's first
	// table other than u sorting means the users are sorted too.
	for _, l := range lines {
		if l.table != "u" && !strings.HasPrefix(l.table, "<") && strings.Contains(l.extra, "filesort") {
			t.Errorf("filesort of a join with accountkit_users\n%s\n%s", short(q), plan.String())
		}
	}
}

// explainUsersCheckPostgres explains q on PostgreSQL (FORMAT JSON) and
// fails on a Seq Scan of accountkit_users and, unless allowSort, on a
// Sort node that reads accountkit_users other than through a Limit (the
// per-account branches of the tree merge).
func explainUsersCheckPostgres(t *testing.T, s *sqlstore.Store, q string, allowSort bool) {
	t.Helper()
	var out string
	if err := s.DB().QueryRowContext(context.Background(), "EXPLAIN (FORMAT JSON) "+q).Scan(&out); err != nil {
		t.Fatal(err)
	}
	var plans []struct {
		Plan explainUsersNode `json:"Plan"`
	}
	if err := json.Unmarshal([]byte(out), &plans); err != nil || len(plans) != 1 {
		t.Fatalf("EXPLAIN output %q: %v", out, err)
	}
	var walk func(n *explainUsersNode)
	walk = func(n *explainUsersNode) {
		if n.Relation == "accountkit_users" && n.Type == "Seq Scan" {
			t.Errorf("Seq Scan of accountkit_users\n%s\n%s", short(q), out)
		}
		if n.Type == "Sort" || n.Type == "Incremental Sort" {
			if !allowSort && n.readsUsersUnlimited() {
				t.Errorf("%s of accountkit_users\n%s\n%s", n.Type, short(q), out)
			}
		}
		for i := range n.Plans {
			walk(&n.Plans[i])
		}
	}
	walk(&plans[0].Plan)
}

// explainUsersNode is a node of a PostgreSQL JSON plan.
type explainUsersNode struct {
	Type     string             `json:"Node Type"`
	Relation string             `json:"Relation Name"`
	Plans    []explainUsersNode `json:"Plans"`
}

// readsUsersUnlimited reports whether a scan of accountkit_users lies
// below n without a Limit node in between.
func (n *explainUsersNode) readsUsersUnlimited() bool {
	for i := range n.Plans {
		c := &n.Plans[i]
		if c.Type == "Limit" {
			continue
		}
		if c.Relation == "accountkit_users" || c.readsUsersUnlimited() {
			return true
		}
	}
	return false
}

// short is q cut for an error message: its WHERE clause on.
func short(q string) string {
	if i := strings.Index(q, " WHERE "); i > 0 {
		q = q[i:]
	}
	if len(q) > 600 {
		q = q[:600] + "..."
	}
	return q
}

// usersMid returns the sort key (as text, or as a time for the time
// columns) and ID of the user half way through the users of accountIDs
// ordered by col (then ID), in the direction desc; where adds conditions.
func usersMid(tb testing.TB, s *sqlstore.Store, col string, desc bool, accountIDs []string, where string) (string, time.Time, string) {
	tb.Helper()
	ctx := context.Background()
	dir := " ASC"
	if desc {
		dir = " DESC"
	}
	var cnt int
	if err := s.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM accountkit_users WHERE account_id IN (?) "+where,
		bun.List(accountIDs)).Scan(&cnt); err != nil {
		tb.Fatal(err)
	}
	q := "SELECT " + col + ", id FROM accountkit_users WHERE account_id IN (?) " + where +
		" ORDER BY " + col + dir + ", id" + dir + " LIMIT 1 OFFSET ?"
	var key, id string
	var at time.Time
	var dest any = &key
	if col == "last_login_at" || col == "created_at" {
		dest = &at
	}
	if err := s.DB().QueryRowContext(ctx, q, bun.List(accountIDs), cnt/2).Scan(dest, &id); err != nil {
		tb.Fatal(err)
	}
	return key, at.UTC(), id
}
