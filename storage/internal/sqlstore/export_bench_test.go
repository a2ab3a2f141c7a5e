package sqlstore_test

import (
	"context"
	"encoding/csv"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/security"
)

// BenchmarkAuditExport measures the CSV export of a main account's whole
// log (the account and its 12 sub-accounts) through audit.Service.Export,
// beside, in the same run and on the same data, the baseline a host would
// write by hand: one streaming SELECT of the same columns and rows, each
// row written with encoding/csv. A third case, Paged, reads the same rows
// 500 at a time with the keyset cursor, as the export did before it
// streamed. Each iteration runs the three, in rotating order, and the
// benchmark reports each one's time and the ratios service/bare and
// paged/bare: on a noisy machine read the ratios.
//
// The log has ACCOUNTKIT_BENCH_EXPORT_EVENTS events (default 100,000; the
// issue's figure is at 1,000,000), generated once per database:
//
//	ACCOUNTKIT_BENCH_EXPORT_EVENTS=1000000 go test -run '^$' -bench AuditExport -benchtime 3x -count 5 ./storage/internal/sqlstore
func BenchmarkAuditExport(b *testing.B) {
	n := 100_000
	if v := os.Getenv("ACCOUNTKIT_BENCH_EXPORT_EVENTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < benchBatch {
			b.Fatalf("ACCOUNTKIT_BENCH_EXPORT_EVENTS=%q: want a number ≥ %d", v, benchBatch)
		}
		n -= n % benchBatch
	}
	for _, o := range openers {
		if o.name == "sqlite" {
			continue
		}
		b.Run(o.name, func(b *testing.B) {
			ctx := context.Background()
			s := mustOpen(b, o, o.fresh(b))
			if err := s.Migrate(ctx); err != nil {
				b.Fatal(err)
			}
			inner := innerStore(b, s)
			mainID := ids.NewID()
			end := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
			start := time.Now()
			subs := generate(b, inner, mainID, end, n)
			b.Logf("%s: generated %d events in %s", o.name, n, time.Since(start).Round(time.Second))
			analyze(b, inner)
			tree := append([]string{mainID}, subs...)
			for i, id := range tree {
				a := &account.Account{ID: id, Ancestry: []string{mainID}, Name: "Bench " + strconv.Itoa(i),
					Slug: "bench-" + strings.ToLower(id), Status: account.StatusEnabled, CreatedAt: end, UpdatedAt: end}
				if id != mainID {
					a.ParentID, a.Ancestry = mainID, []string{mainID, id}
				}
				if err := s.CreateAccount(ctx, a); err != nil {
					b.Fatal(err)
				}
			}
			// The generated events hold chain positions 1…n: move the chain
			// head past them, so the export's own event comes after.
			if err := s.InTx(ctx, func(ctx context.Context) error {
				if _, _, err := s.LockAuditChain(ctx, mainID); err != nil {
					return err
				}
				return s.AdvanceAuditChain(ctx, mainID, int64(n), strings.Repeat("f", 64))
			}); err != nil {
				b.Fatal(err)
			}
			svc, err := audit.NewService(audit.Deps{Runtime: accountkit.NewRuntime(), Store: s}, audit.Options{})
			if err != nil {
				b.Fatal(err)
			}
			sys := security.AsSystem(ctx)
			// Each export records an event of its own: To keeps the log the
			// same size from one iteration to the next.
			q := audit.Query{AccountID: mainID, IncludeSubaccounts: true, To: &end}
			cols := "occurred_at, account_id, actor_id, actor_name, item, action, status, description, target_type, target_id, target_name, ip, user_agent"
			bare := "SELECT " + cols + " FROM accountkit_audit_events WHERE main_account_id = ? AND account_id IN (?) AND occurred_at < ? ORDER BY occurred_at DESC, id DESC"

			cases := []struct {
				name string
				run  func(w io.Writer) (int, error)
			}{
				{"Service", func(w io.Writer) (int, error) {
					cw := &countLines{w: w}
					err := svc.Export(sys, q, cw)
					return cw.lines - 1, err
				}},
				{"BareStreamingCSV", func(w io.Writer) (int, error) {
					return bareCSV(ctx, inner.DB(), w, bare, mainID, bun.List(tree), end)
				}},
				{"Paged", func(w io.Writer) (int, error) {
					cw := csv.NewWriter(w)
					rows := 0
					err := audit.StreamPages(ctx, s.ListAuditEvents, audit.Filter{MainAccountID: mainID, AccountIDs: tree, To: &end}, 500,
						func(e *audit.Event) error {
							rows++
							return cw.Write([]string{e.Time.Format(time.RFC3339Nano), e.AccountID, e.ActorID, e.ActorName,
								string(e.Item), string(e.Action), string(e.Status), e.Description,
								e.TargetType, e.TargetID, e.TargetName, e.IP, e.UserAgent})
						})
					cw.Flush()
					return rows, err
				}},
			}
			// Each iteration runs every case once, in an order that rotates,
			// and the time of each is summed apart: the ratios compare runs
			// made under the same load.
			spent := make([]time.Duration, len(cases))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for k := range cases {
					c := (i + k) % len(cases)
					t0 := time.Now()
					rows, err := cases[c].run(io.Discard)
					spent[c] += time.Since(t0)
					if err != nil {
						b.Fatal(cases[c].name, err)
					}
					if rows != n {
						b.Fatalf("%s: %d rows, want %d", cases[c].name, rows, n)
					}
				}
			}
			for c := range cases {
				b.ReportMetric(float64(spent[c].Milliseconds())/float64(b.N), cases[c].name+"-ms/op")
			}
			b.ReportMetric(float64(spent[0])/float64(spent[1]), "service/bare")
			b.ReportMetric(float64(spent[2])/float64(spent[1]), "paged/bare")
		})
	}
}

// bareCSV is the baseline: one streaming query, each row written with
// encoding/csv as it arrives.
func bareCSV(ctx context.Context, db *bun.DB, w io.Writer, query string, args ...any) (int, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cw := csv.NewWriter(w)
	rec := make([]string, 13)
	dest := make([]any, 13)
	var at time.Time
	dest[0] = &at
	for i := 1; i < len(rec); i++ {
		dest[i] = &rec[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return n, err
		}
		rec[0] = at.UTC().Format(time.RFC3339Nano)
		if err := cw.Write(rec); err != nil {
			return n, err
		}
		n++
	}
	cw.Flush()
	if err := rows.Err(); err != nil {
		return n, err
	}
	return n, cw.Error()
}

// countLines counts the lines written through it.
type countLines struct {
	w     io.Writer
	lines int
}

func (c *countLines) Write(p []byte) (int, error) {
	for _, b := range p {
		if b == '\n' {
			c.lines++
		}
	}
	return c.w.Write(p)
}
