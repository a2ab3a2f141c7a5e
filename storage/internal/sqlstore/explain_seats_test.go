package sqlstore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/accountkit/accountkit/seats"
	"github.com/accountkit/accountkit/storage/internal/sqlstore"
	"github.com/accountkit/accountkit/users"
)

// explainSeatsUsers is how many users TestExplainSeats seeds in the tree
// it queries (tree 2 of seatUser, half of them in the main account); a
// second tree of explainSeatsOthers users shares the tables, so that a
// plan reading the whole table for one tree shows.
const (
	explainSeatsUsers  = 12_000
	explainSeatsOthers = 24_000
)

// explainSeatsShape is one query of the Seats page and what its plan must
// not do. list pages (LIMIT 51 in username or time order) must read an
// index in page order: no full scan of the seats or users tables and no
// sort. Counts must come from an index: no full table scan.
type explainSeatsShape struct {
	name string
	sql  string
	list bool
}

// TestExplainSeats checks the plans of the Seats page's hot queries on
// PostgreSQL and MariaDB (skipped without their DSNs, failed under
// CI=true): two trees of 12,000 and 4,000 users, 90 % holding seats,
// ANALYZEd, then EXPLAIN of the holder pages of one account (first page,
// cursor page, a sub-account), the inactive holders of the tree (first
// and cursor page), the seats of a members page, the seat log pages and
// the seat counts behind the overview and the accounts tab.
func TestExplainSeats(t *testing.T) {
	eachServer(t, func(t *testing.T, o opener, m migrator, s *sqlstore.Store) {
		ctx := context.Background()
		seedSeats(t, m, s, 1, explainSeatsOthers)
		seedSeats(t, m, s, 2, explainSeatsUsers)
		seatsAnalyze(t, s)
		main, err := m.GetAccountBySlug(ctx, "akbench-t2-seats-main")
		if err != nil {
			t.Fatal(err)
		}
		sub, err := m.GetAccountBySlug(ctx, "akbench-t2-sub-05")
		if err != nil {
			t.Fatal(err)
		}
		for _, sh := range explainSeatsShapes(ctx, s, main.ID, sub.ID) {
			t.Run(sh.name, func(t *testing.T) {
				var problems []string
				if s.Dialect() == sqlstore.MySQL {
					problems = explainSeatsMySQL(t, s, sh)
				} else {
					problems = explainSeatsPostgres(t, s, sh)
				}
				for _, p := range problems {
					t.Errorf("%s\nquery: %s", p, sh.sql)
				}
			})
		}
	})
}

// explainSeatsShapes returns the hot query shapes on the tree of mainID.
func explainSeatsShapes(ctx context.Context, s *sqlstore.Store, mainID, subID string) []explainSeatsShape {
	n := explainSeatsUsers
	// A cursor a tenth into the usernames: with PostgreSQL's estimates at
	// this small size, a page near the end looks cheap enough to sort.
	k := 0
	for (k*seatsScramble)%n != n/10 {
		k++
	}
	mid := seatUser(2, k, n)
	crit := &seats.InactiveCriteria{Statuses: []users.Status{users.StatusDisabled}, ActiveBefore: seatsEnd.Add(-seatsInactive)}
	var page []string
	for k := n / 2; k < n/2+50; k++ {
		page = append(page, seatUser(2, k, n).id)
	}
	holders := func(f seats.HolderFilter) string { return sqlstore.SeatHoldersSQL(ctx, s, f) }
	log := func(f seats.LogFilter) string { return sqlstore.SeatLogSQL(ctx, s, f) }
	return []explainSeatsShape{
		{"Holders/First", holders(seats.HolderFilter{MainAccountID: mainID, AccountIDs: []string{mainID}, Limit: 51}), true},
		{"Holders/Cursor", holders(seats.HolderFilter{MainAccountID: mainID, AccountIDs: []string{mainID}, Limit: 51,
			AfterUsername: mid.username, AfterID: mid.id}), true},
		// A sub-account of 500 users: sorting its holders is the cheap plan.
		{"Holders/Sub", holders(seats.HolderFilter{MainAccountID: mainID, AccountIDs: []string{subID}, Limit: 51}), false},
		{"Inactive/First", holders(seats.HolderFilter{MainAccountID: mainID, Inactive: crit, Limit: 51}), true},
		{"Inactive/Cursor", holders(seats.HolderFilter{MainAccountID: mainID, Inactive: crit, Limit: 51,
			AfterUsername: mid.username, AfterID: mid.id}), true},
		{"Members/Seats", holders(seats.HolderFilter{MainAccountID: mainID, UserIDs: page, Limit: len(page)}), false},
		{"Log/First", log(seats.LogFilter{MainAccountID: mainID, Limit: 51}), true},
		{"Log/Cursor", log(seats.LogFilter{MainAccountID: mainID, Limit: 51,
			Before: &seats.LogCursor{Time: seatsEnd.Add(-explainSeatsUsers / 2 * 60e9), ID: mid.id}}), true},
		{"Count/Seats", sqlstore.CountSeatsSQL(s, mainID), false},
		{"Count/ByAccount", sqlstore.CountSeatsByAccountSQL(s, mainID), false},
	}
}

// explainSeatsTables are the big tables no plan may scan in full.
var explainSeatsTables = []string{"accountkit_seats", "accountkit_users", "accountkit_seat_log", "accountkit_user_roles"}

// explainSeatsPostgres returns what is wrong with sh's PostgreSQL plan.
func explainSeatsPostgres(t *testing.T, s *sqlstore.Store, sh explainSeatsShape) []string {
	t.Helper()
	plan := strings.Join(explainSeatsRows(t, s, "EXPLAIN "+sh.sql, 0), "\n")
	t.Logf("plan:\n%s", plan)
	var out []string
	for _, table := range explainSeatsTables {
		if strings.Contains(plan, "Seq Scan on "+table) {
			out = append(out, "full scan of "+table+":\n"+plan)
		}
	}
	if sh.list && strings.Contains(plan, "Sort Key") {
		out = append(out, "sort on a list page:\n"+plan)
	}
	return out
}

// explainSeatsMySQL returns what is wrong with sh's MariaDB plan: a full
// table scan (type ALL) of a big table, on list pages also a full index
// scan (type index), a filesort or a temporary table.
func explainSeatsMySQL(t *testing.T, s *sqlstore.Store, sh explainSeatsShape) []string {
	t.Helper()
	rows := explainSeatsRows(t, s, "EXPLAIN "+sh.sql, -1)
	t.Logf("plan:\n%s", strings.Join(rows, "\n"))
	var out []string
	for _, r := range rows {
		f := strings.Split(r, "|")
		// id|select_type|table|type|possible_keys|key|key_len|ref|rows|Extra
		if len(f) < 10 {
			t.Fatalf("unexpected EXPLAIN row %q", r)
		}
		table, typ, extra := f[2], f[3], f[9]
		big := table == "st" || table == "u" || table == "iru" || table == "accountkit_seats" || table == "accountkit_seat_log"
		if typ == "ALL" && big {
			out = append(out, "full scan: "+r)
		}
		if sh.list && typ == "index" && big {
			out = append(out, "full index scan on a list page: "+r)
		}
		if sh.list && (strings.Contains(extra, "filesort") || strings.Contains(extra, "temporary")) {
			out = append(out, "sort on a list page: "+r)
		}
	}
	return out
}

// explainSeatsRows runs an EXPLAIN and returns its rows, each row's
// columns joined by "|" (col >= 0: that column only).
func explainSeatsRows(t *testing.T, s *sqlstore.Store, query string, col int) []string {
	t.Helper()
	_, rows := explainRows(t, s, query)
	out := make([]string, 0, len(rows))
	for _, row := range rows {
		if col >= 0 {
			out = append(out, row[col])
		} else {
			out = append(out, strings.Join(row, "|"))
		}
	}
	return out
}
