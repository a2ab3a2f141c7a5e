package sqlstore_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/storage/internal/sqlstore"
	"github.com/accountkit/accountkit/storage/mysql"
	"github.com/accountkit/accountkit/storage/postgres"
	"github.com/accountkit/accountkit/storage/sqlite"
)

const (
	benchEvents  = 1_000_000
	benchBatch   = 1000
	benchSubs    = 12
	benchActors  = 40
	benchDays    = 90
	benchWriters = 4
)

var (
	benchItems   = []audit.Item{"User", "Account", "Role", "APIKey", "Seat", "Session", "Settings", "Chatbot"}
	benchActions = []audit.Action{"create", "update", "delete", "login", "export", "invite"}
)

// BenchmarkAuditQuery measures audit log pages over 1,000,000 events of one
// main account (12 sub-accounts, 40 actors, 8 items, 6 actions, 10 %
// failures, 90 days), with the account_id IN (...) filter the audit
// service adds to every query (the main account alone, or the tree). The data are generated once per database, in a fresh
// schema or database, before the timed sub-benchmarks; run with e.g.
//
//	go test -run '^$' -bench AuditQuery -benchtime 20x ./storage/internal/sqlstore
func BenchmarkAuditQuery(b *testing.B) {
	for _, o := range openers {
		if o.name == "sqlite" {
			continue
		}
		b.Run(o.name, func(b *testing.B) {
			ctx := context.Background()
			s, err := o.open(ctx, o.fresh(b))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			if err := s.Migrate(ctx); err != nil {
				b.Fatal(err)
			}
			inner := innerStore(b, s)
			mainID := ids.NewID()
			end := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
			start := time.Now()
			subs := generate(b, inner, mainID, end, benchEvents)
			b.Logf("%s: generated %d events in %s", o.name, benchEvents, time.Since(start).Round(time.Second))
			analyze(b, inner)

			// The service always adds account_id IN (...): the principal's
			// account alone by default, the whole tree with
			// include_subaccounts. The cases below do the same.
			mainOnly := []string{mainID}
			tree := append([]string{mainID}, subs...)
			item, status := benchItems[2], audit.StatusFailure
			from, to := end.Add(-30*24*time.Hour), end
			filtered := audit.Filter{MainAccountID: mainID, AccountIDs: tree, Item: &item, Status: &status, From: &from, To: &to, Limit: 50}
			// The cursor half way through: the newest event older than the
			// middle of the time range.
			mid := end.Add(-benchDays * 24 * time.Hour / 2)
			page, err := s.ListAuditEvents(ctx, audit.Filter{MainAccountID: mainID, To: &mid, Limit: 1})
			if err != nil || len(page) != 1 {
				b.Fatal(page, err)
			}
			cursor := &audit.Cursor{Time: page[0].Time, ID: page[0].ID}
			deepMain := audit.Filter{MainAccountID: mainID, AccountIDs: mainOnly, Before: cursor, Limit: 50}
			deepTree := audit.Filter{MainAccountID: mainID, AccountIDs: tree, Before: cursor, Limit: 50}
			deepFailures := audit.Filter{MainAccountID: mainID, AccountIDs: tree, Status: &status, Before: cursor, Limit: 50}

			for _, c := range []struct {
				name string
				f    audit.Filter
			}{
				{"FirstPageFiltered", filtered}, {"DeepCursorMainAccount", deepMain},
				{"DeepCursorTree", deepTree}, {"DeepCursorTreeFailures", deepFailures},
			} {
				explain(b, o.name, c.name, inner, c.f)
				b.Run(c.name, func(b *testing.B) {
					for i := 0; i < b.N; i++ {
						evs, err := s.ListAuditEvents(ctx, c.f)
						if err != nil {
							b.Fatal(err)
						}
						if len(evs) != 50 {
							b.Fatalf("got %d events, want 50", len(evs))
						}
					}
				})
			}
		})
	}
}

// innerStore returns the sqlstore.Store every adapter embeds.
func innerStore(tb testing.TB, s migrator) *sqlstore.Store {
	tb.Helper()
	switch v := s.(type) {
	case *postgres.Store:
		return v.Store
	case *mysql.Store:
		return v.Store
	case *sqlite.Store:
		return v.Store
	}
	tb.Fatalf("unknown adapter %T", s)
	return nil
}

// generate stores n events (a multiple of benchBatch) of mainID and its
// sub-accounts, and returns the sub-accounts' IDs.
func generate(b *testing.B, s *sqlstore.Store, mainID string, end time.Time, n int) []string {
	ctx := context.Background()
	subs := make([]string, benchSubs)
	for i := range subs {
		subs[i] = ids.NewID()
	}
	actors := make([]string, benchActors)
	for i := range actors {
		actors[i] = ids.NewID()
	}
	span := int64(benchDays * 24 * time.Hour / time.Microsecond)
	step := span / int64(n)
	start := end.Add(-time.Duration(span) * time.Microsecond)
	var (
		wg       sync.WaitGroup
		sem      = make(chan struct{}, benchWriters)
		errOnce  sync.Once
		firstErr error
	)
	for batch := 0; batch < n/benchBatch; batch++ {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			rng := rand.New(rand.NewPCG(uint64(batch), 42))
			events := make([]*audit.Event, benchBatch)
			for i := range events {
				n := batch*benchBatch + i
				acc := mainID
				if k := rng.IntN(benchSubs + 1); k < benchSubs {
					acc = subs[k]
				}
				status := audit.StatusSuccess
				if rng.IntN(10) == 0 {
					status = audit.StatusFailure
				}
				a := rng.IntN(benchActors)
				// Events arrive in time order, about one per 7.8 s, and get
				// UUIDv7 IDs of their own time, as in production; so the
				// primary key (MariaDB's clustered index, PostgreSQL's heap
				// order) follows time.
				at := start.Add(time.Duration(int64(n)*step+rng.Int64N(step)) * time.Microsecond)
				events[i] = &audit.Event{
					ID: idAt(at, rng), AccountID: acc, MainAccountID: mainID, Time: at,
					ActorID: actors[a], ActorName: fmt.Sprintf("user%02d", a),
					Item: benchItems[rng.IntN(len(benchItems))], Action: benchActions[rng.IntN(len(benchActions))],
					Status: status, Description: fmt.Sprintf("Something happened to thing %d.", n),
					TargetType: "user", TargetID: ids.NewID(), TargetName: "target", IP: "192.0.2.1", UserAgent: "bench/1.0",
					Details: map[string]string{"n": fmt.Sprint(n)},
					Seq:     int64(n + 1), PrevHash: strings.Repeat("0", 64), Hash: strings.Repeat("f", 64),
				}
			}
			if err := sqlstore.BulkInsertAuditEvents(ctx, s, events); err != nil {
				errOnce.Do(func() { firstErr = err })
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		b.Fatal(firstErr)
	}
	return subs
}

// idAt returns a UUIDv7 whose timestamp is t.
func idAt(t time.Time, rng *rand.Rand) string {
	var b [16]byte
	ms := uint64(t.UnixMilli())
	for i := 0; i < 6; i++ {
		b[i] = byte(ms >> (40 - 8*i))
	}
	r1, r2 := rng.Uint64(), rng.Uint64()
	for i := 6; i < 16; i++ {
		b[i] = byte(r1 >> (8 * (i % 8)))
		if i >= 8 {
			b[i] = byte(r2 >> (8 * (i - 8)))
		}
	}
	b[6] = 0x70 | b[6]&0x0f
	b[8] = 0x80 | b[8]&0x3f
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// analyze refreshes the planner statistics after the bulk load.
func analyze(b *testing.B, s *sqlstore.Store) {
	q := "ANALYZE accountkit_audit_events"
	if s.Dialect() == sqlstore.MySQL {
		q = "ANALYZE TABLE accountkit_audit_events"
	}
	rows, err := s.DB().QueryContext(context.Background(), q)
	if err != nil {
		b.Fatal(err)
	}
	rows.Close()
}

// explain logs the plan of the query ListAuditEvents runs for f.
func explain(b *testing.B, db, name string, s *sqlstore.Store, f audit.Filter) {
	ctx := context.Background()
	query := sqlstore.AuditQuery(ctx, s, f)
	prefix := "EXPLAIN (ANALYZE, BUFFERS) "
	if s.Dialect() == sqlstore.MySQL {
		prefix = "ANALYZE FORMAT=JSON "
	}
	rows, err := s.DB().QueryContext(ctx, prefix+query)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var out strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			b.Fatal(err)
		}
		out.WriteString(line + "\n")
	}
	b.Logf("%s %s\n%s\n%s", db, name, query, out.String())
}
