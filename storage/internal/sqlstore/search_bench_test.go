package sqlstore_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/storage/internal/sqlstore"
	"github.com/accountkit/accountkit/users"
)

// searchRows is how many users and how many audit events BenchmarkSearch
// seeds (ACCOUNTKIT_BENCH_SEARCH_ROWS, default 100,000 each).
func searchRows(b *testing.B) int {
	if v := os.Getenv("ACCOUNTKIT_BENCH_SEARCH_ROWS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1000 {
			b.Fatalf("ACCOUNTKIT_BENCH_SEARCH_ROWS=%q: want a number >= 1000", v)
		}
		return n - n%1000
	}
	return 100_000
}

// BenchmarkSearch measures q= text search over many users and audit events
// of one account (ACCOUNTKIT_BENCH_SEARCH_ROWS of each, default 100,000),
// side by side with its baseline in the same run: the query as it was
// before word search (LIKE '%q%', a full scan of the account's rows). Each
// case reports p50-ms and p90-ms besides ns/op. Run with e.g.
//
//	go test -run '^$' -bench Search -benchtime 30x ./storage/internal/sqlstore
func BenchmarkSearch(b *testing.B) {
	for _, o := range openers {
		if o.name == "sqlite" {
			continue
		}
		b.Run(o.name, func(b *testing.B) {
			ctx := context.Background()
			m, err := o.open(ctx, o.fresh(b))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { m.Close() })
			if err := m.Migrate(ctx); err != nil {
				b.Fatal(err)
			}
			s := innerStore(b, m)
			n := searchRows(b)
			accountID := ids.NewID()
			start := time.Now()
			seedSearch(b, s, accountID, n)
			b.Logf("%s: seeded %d users and %d audit events in %s", o.name, n, n, time.Since(start).Round(time.Second))
			for _, table := range []string{"accountkit_users", "accountkit_user_words", "accountkit_audit_events", "accountkit_audit_words"} {
				q := "ANALYZE " + table
				if s.Dialect() == sqlstore.MySQL {
					q = "ANALYZE TABLE " + table
				}
				rows, err := s.DB().QueryContext(ctx, q)
				if err != nil {
					b.Fatal(err)
				}
				rows.Close()
			}
			userList := func(q string, want int) func() error {
				return func() error {
					list, err := m.ListUsers(ctx, users.Filter{AccountIDs: []string{accountID}, Search: q, Limit: 51})
					if err == nil && len(list) != want {
						err = fmt.Errorf("search %q: %d users, want %d", q, len(list), want)
					}
					return err
				}
			}
			auditList := func(q string, want int) func() error {
				return func() error {
					list, err := m.ListAuditEvents(ctx, audit.Filter{MainAccountID: accountID, Search: q, Limit: 51})
					if err == nil && len(list) != want {
						err = fmt.Errorf("search %q: %d events, want %d", q, len(list), want)
					}
					return err
				}
			}
			rawSQL := func(query string) func() error {
				return func() error {
					rows, err := s.DB().QueryContext(ctx, query)
					if err != nil {
						return err
					}
					defer rows.Close()
					for rows.Next() {
					}
					return rows.Err()
				}
			}
			for _, c := range []struct {
				name string
				run  func() error
			}{
				{"Users/NoMatch/Words", userList("zzqx", 0)},
				{"Users/NoMatch/SubstringBaseline", rawSQL(sqlstore.SubstringUserSearchSQL(s, accountID, "zzqx"))},
				{"Users/NoMatchTwoWords/Words", userList("picard zzqx", 0)},
				{"Users/Match/Words", userList("picard12", prefixed(n, "12"))},
				{"Audit/NoMatch/Words", auditList("zzqx", 0)},
				{"Audit/NoMatch/SubstringBaseline", rawSQL(sqlstore.SubstringAuditSearchSQL(s, accountID, "zzqx"))},
				{"Audit/Match/Words", auditList("thing 12", prefixed(n, "12"))},
			} {
				b.Run(c.name, func(b *testing.B) {
					times := make([]time.Duration, 0, b.N)
					for i := 0; i < b.N; i++ {
						t0 := time.Now()
						if err := c.run(); err != nil {
							b.Fatal(err)
						}
						times = append(times, time.Since(t0))
					}
					slices.Sort(times)
					ms := func(p float64) float64 {
						return float64(times[int(p*float64(len(times)-1))]) / float64(time.Millisecond)
					}
					b.ReportMetric(ms(0.5), "p50-ms")
					b.ReportMetric(ms(0.9), "p90-ms")
				})
			}
		})
	}
}

// seedSearch stores n users and n audit events in one account, in batches.
func seedSearch(b *testing.B, s *sqlstore.Store, accountID string, n int) {
	ctx := context.Background()
	now := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	for batch := 0; batch < n/1000; batch++ {
		list := make([]*users.User, 1000)
		events := make([]*audit.Event, 1000)
		for i := range list {
			k := batch*1000 + i
			list[i] = &users.User{ID: ids.NewID(), AccountID: accountID, MainAccountID: accountID,
				Username: fmt.Sprintf("user%07d", k), FirstName: "Jean-Luc", LastName: fmt.Sprintf("Picard%d", k),
				Email: fmt.Sprintf("user%07d@example.com", k), Status: users.StatusActive, CreatedAt: now, UpdatedAt: now}
			at := now.Add(time.Duration(k) * time.Second)
			events[i] = &audit.Event{ID: ids.NewID(), AccountID: accountID, MainAccountID: accountID, Time: at,
				ActorName: "system", Item: "User", Action: "update", Status: audit.StatusSuccess,
				Description: fmt.Sprintf("Something happened to thing %d.", k), Seq: int64(k + 1), Hash: "h"}
		}
		if err := sqlstore.BulkInsertUsers(ctx, s, list, false); err != nil {
			b.Fatal(err)
		}
		if err := sqlstore.BulkInsertAuditEvents(ctx, s, events); err != nil {
			b.Fatal(err)
		}
	}
}

// prefixed is how many of 0..n-1 start with p in decimal, at most 51 (a
// page and one).
func prefixed(n int, p string) int {
	c := 0
	for k := 0; k < n && c < 51; k++ {
		if strings.HasPrefix(strconv.Itoa(k), p) {
			c++
		}
	}
	return c
}
