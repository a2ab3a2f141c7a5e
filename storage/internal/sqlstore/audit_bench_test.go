package sqlstore_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"

	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/internal/dbtest"
	"github.com/accountkit/accountkit/storage/internal/sqlstore"
)

// auditBenchEvents is the size of BenchmarkAuditQuery's log:
// ACCOUNTKIT_BENCH_AUDIT_EVENTS, default 1,000,000.
func auditBenchEvents(b *testing.B) int {
	v := os.Getenv("ACCOUNTKIT_BENCH_AUDIT_EVENTS")
	if v == "" {
		return 1_000_000
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 10*benchBatch {
		b.Fatalf("ACCOUNTKIT_BENCH_AUDIT_EVENTS=%q: want a number >= %d", v, 10*benchBatch)
	}
	return n - n%benchBatch
}

// auditBenchLog is what BenchmarkAuditQuery needs to know of a seeded log;
// it is kept, as JSON, in the marker table of the benchmark's database.
type auditBenchLog struct {
	Events int       `json:"events"`
	MainID string    `json:"main_id"`
	Subs   []string  `json:"subs"`
	Actors []string  `json:"actors"`
	End    time.Time `json:"end"`
}

// auditBenchMarker is the table that holds the auditBenchLog of a seeded
// database; it is written last, so a seeding that failed half way is
// started again (in a database emptied first).
const auditBenchMarker = "akbench_audit_marker"

// auditBenchDSN returns the DSN of the database (MariaDB) or schema
// (PostgreSQL) akbench_auditlist_<n>, created if missing. Unlike the fresh
// databases of the tests it is kept after the run, so a log of a million
// events is generated once per server; drop it by hand when done
// (DROP SCHEMA akbench_auditlist_1000000 CASCADE / DROP DATABASE ...).
func auditBenchDSN(b *testing.B, db string, n int) string {
	name := "akbench_auditlist_" + strconv.Itoa(n)
	switch db {
	case "postgres":
		base := dbtest.PostgresDSN(b)
		execAdmin(b, "pgx", base, "CREATE SCHEMA IF NOT EXISTS "+name)
		return dbtest.WithSearchPath(b, base, name)
	case "mysql":
		base := dbtest.MySQLDSN(b)
		execAdmin(b, "mysql", base, "CREATE DATABASE IF NOT EXISTS "+name+" CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
		cfg, err := mysqldrv.ParseDSN(base)
		if err != nil {
			b.Fatal(err)
		}
		cfg.DBName = name
		return cfg.FormatDSN()
	}
	b.Fatalf("no bench database for %s", db)
	return ""
}

func execAdmin(b *testing.B, driver, dsn, stmt string) {
	db, err := sql.Open(driver, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(stmt); err != nil {
		b.Fatal(err)
	}
}

// auditBenchSeed returns the log of the benchmark database s, generating
// it (n events) unless the marker says it is there.
func auditBenchSeed(b *testing.B, s *sqlstore.Store, n int) auditBenchLog {
	ctx := context.Background()
	db := s.DB()
	if _, err := db.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS "+auditBenchMarker+" (v TEXT NOT NULL)"); err != nil {
		b.Fatal(err)
	}
	var raw string
	err := db.QueryRowContext(ctx, "SELECT v FROM "+auditBenchMarker).Scan(&raw)
	switch {
	case err == nil:
		var l auditBenchLog
		if err := json.Unmarshal([]byte(raw), &l); err != nil {
			b.Fatal(err)
		}
		if l.Events == n {
			return l
		}
	case !errors.Is(err, sql.ErrNoRows):
		b.Fatal(err)
	}
	for _, t := range []string{auditBenchMarker, "accountkit_audit_words", "accountkit_audit_events"} {
		if _, err := db.ExecContext(ctx, "DELETE FROM "+t); err != nil {
			b.Fatal(err)
		}
	}
	l := auditBenchLog{Events: n, MainID: ids.NewID(), End: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)}
	start := time.Now()
	l.Subs, l.Actors = generateLog(b, s, l.MainID, l.End, n)
	b.Logf("generated %d events in %s", n, time.Since(start).Round(time.Second))
	for _, t := range []string{"accountkit_audit_events", "accountkit_audit_words"} {
		q := "ANALYZE " + t
		if s.Dialect() == sqlstore.MySQL {
			q = "ANALYZE TABLE " + t
		}
		rows, err := db.QueryContext(ctx, q)
		if err != nil {
			b.Fatal(err)
		}
		rows.Close()
	}
	v, _ := json.Marshal(l)
	if _, err := db.ExecContext(ctx, "INSERT INTO "+auditBenchMarker+" (v) VALUES (?)", string(v)); err != nil {
		b.Fatal(err)
	}
	return l
}

// auditBenchCase is one audit list query of BenchmarkAuditQuery: the
// audit.Filter the service builds for one kind of request, and how many
// events the page must hold.
type auditBenchCase struct {
	name string
	f    audit.Filter
	want int // -1: any number
}

// auditBenchCases are the requests of the audit log page, as
// audit.Service.filter turns them into filters: the account_id IN (...)
// of the principal's account (main only) or of its whole tree
// (include_subaccounts), Limit 51 (a page of 50 and one more to know
// whether a next page exists), the range presets as Range.Bounds computes
// them, and the cursor as the service decodes it.
func auditBenchCases(b testing.TB, s *sqlstore.Store, l auditBenchLog) []auditBenchCase {
	ctx := context.Background()
	mainOnly := []string{l.MainID}
	tree := append([]string{l.MainID}, l.Subs...)
	const lim = 51
	f := func(accounts []string) audit.Filter {
		return audit.Filter{MainAccountID: l.MainID, AccountIDs: accounts, Limit: lim}
	}
	item, action, failure := benchItems[2], benchActions[3], audit.StatusFailure
	actor, username := l.Actors[7], "user07"
	// "Now" is an hour before the last event, so that today and this week
	// hold data.
	now := l.End.Add(-time.Hour)
	todayFrom, todayTo, _ := audit.RangeToday.Bounds(now, time.UTC)
	weekFrom, weekTo, _ := audit.RangeThisWeek.Bounds(now, time.UTC)
	from30 := l.End.Add(-30 * 24 * time.Hour)

	// The cursor half way through the log: the newest event of the tree
	// older than the middle of the time range, as the service decodes a
	// cursor (microseconds).
	mid := l.End.Add(-benchDays * 24 * time.Hour / 2)
	page, err := s.ListAuditEvents(ctx, audit.Filter{MainAccountID: l.MainID, To: &mid, Limit: 1})
	if err != nil || len(page) != 1 {
		b.Fatal(page, err)
	}
	cursor := &audit.Cursor{Time: time.UnixMicro(page[0].Time.UnixMicro()).UTC(), ID: page[0].ID}

	var cs []auditBenchCase
	add := func(name string, want int, fn func(*audit.Filter)) {
		c := auditBenchCase{name: name, want: want}
		c.f = f(tree)
		fn(&c.f)
		cs = append(cs, c)
	}
	add("FirstPageTree", lim, func(*audit.Filter) {})
	add("FirstPageMain", lim, func(f *audit.Filter) { f.AccountIDs = mainOnly })
	add("FilterAction", lim, func(f *audit.Filter) { f.Action = &action })
	add("FilterItem", lim, func(f *audit.Filter) { f.Item = &item })
	add("FilterActorID", lim, func(f *audit.Filter) { f.ActorID = &actor })
	add("FilterUsername", lim, func(f *audit.Filter) { f.ActorName = &username })
	add("FilterFailure", lim, func(f *audit.Filter) { f.Status = &failure })
	add("RangeToday", -1, func(f *audit.Filter) { f.From, f.To = &todayFrom, todayTo })
	add("RangeThisWeek", -1, func(f *audit.Filter) { f.From, f.To = &weekFrom, weekTo })
	// The harness's "filtered page": item, failures, last 30 days, for
	// the tree and for the main account only.
	add("FilteredTree", -1, func(f *audit.Filter) { f.Item, f.Status, f.From, f.To = &item, &failure, &from30, &l.End })
	add("FilteredMain", -1, func(f *audit.Filter) {
		f.AccountIDs, f.Item, f.Status, f.From, f.To = mainOnly, &item, &failure, &from30, &l.End
	})
	add("DeepCursorTree", lim, func(f *audit.Filter) { f.Before = cursor })
	add("DeepCursorMain", lim, func(f *audit.Filter) { f.AccountIDs, f.Before = mainOnly, cursor })
	add("DeepCursorFiltered", -1, func(f *audit.Filter) { f.Item, f.Status, f.Before = &item, &failure, cursor })
	add("DeepCursorMainFailures", -1, func(f *audit.Filter) { f.AccountIDs, f.Status, f.Before = mainOnly, &failure, cursor })
	add("SearchNoMatch", 0, func(f *audit.Filter) { f.Search = "zzqx" })
	add("SearchFewMatches", benchRare, func(f *audit.Filter) { f.Search = "zebra" })
	return cs
}

// BenchmarkAuditQuery measures audit log pages (audit.Store
// ListAuditEvents, the query of GET /audit-events) over one main account's
// log of ACCOUNTKIT_BENCH_AUDIT_EVENTS events (default 1,000,000; 12
// sub-accounts, 40 actors, 8 items, 6 actions, 10 % failures, 90 days),
// for each case of auditBenchCases.
//
// Each iteration runs the case and its baseline, in alternating order: a
// bare SELECT of 50 whole rows by primary-key range from the middle of the
// table, the cheapest page the database can serve. Each case reports the
// p50 and p90 of the case (p50-ms, p90-ms), the baseline's p50
// (base-p50-ms) and x-base, the median over the iterations of
// case/baseline. Before it runs, each case's plan is checked as
// TestExplainAudit checks it (no full scan, no sort but a word search's
// or one of a few rows).
//
// The log is generated once per database and size, into a database
// (MariaDB) or schema (PostgreSQL) named akbench_auditlist_<events> that
// is kept for later runs (see auditBenchDSN). Run with e.g.
//
//	ACCOUNTKIT_BENCH_AUDIT_EVENTS=100000 go test -run '^$' -bench AuditQuery -benchtime 30x ./storage/internal/sqlstore
func BenchmarkAuditQuery(b *testing.B) {
	n := auditBenchEvents(b)
	for _, o := range openers {
		if o.name == "sqlite" {
			continue
		}
		b.Run(o.name, func(b *testing.B) {
			ctx := context.Background()
			m := mustOpen(b, o, auditBenchDSN(b, o.name, n))
			if err := m.Migrate(ctx); err != nil {
				b.Fatal(err)
			}
			s := innerStore(b, m)
			l := auditBenchSeed(b, s, n)
			// The baseline reads from the middle of the primary key.
			var midID string
			if err := s.DB().QueryRowContext(ctx, "SELECT id FROM accountkit_audit_events WHERE main_account_id = ? AND seq = ?",
				l.MainID, n/2).Scan(&midID); err != nil {
				b.Fatal(err)
			}
			base := func() error {
				rows, err := s.DB().QueryContext(ctx, "SELECT * FROM accountkit_audit_events WHERE id > ? ORDER BY id LIMIT 50", midID)
				if err != nil {
					return err
				}
				defer rows.Close()
				k := 0
				for rows.Next() {
					k++
				}
				if k != 50 {
					return fmt.Errorf("baseline: %d rows", k)
				}
				return rows.Err()
			}
			hook := recordQueries(s)
			for _, c := range auditBenchCases(b, s, l) {
				if os.Getenv("ACCOUNTKIT_BENCH_EXPLAIN") != "" {
					explain(b, o.name, c.name, s, c.f)
				}
				// The plan at this size, checked as TestExplainAudit checks
				// its small log's.
				if problems := explainAuditCase(b, m, s, hook, c, explainAuditSmallSort); len(problems) > 0 {
					b.Error(strings.Join(problems, "\n"))
				}
				b.Run(c.name, func(b *testing.B) {
					run := func() error {
						evs, err := m.ListAuditEvents(ctx, c.f)
						if err == nil && c.want >= 0 && len(evs) != c.want {
							err = fmt.Errorf("%d events, want %d", len(evs), c.want)
						}
						if err == nil && c.want < 0 && len(evs) == 0 {
							err = errors.New("no events")
						}
						return err
					}
					sideBySide(b, run, base)
				})
			}
		})
	}
}
