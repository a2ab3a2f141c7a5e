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
	benchBatch   = 1000
	benchSubs    = 12
	benchActors  = 40
	benchDays    = 90
	benchWriters = 4
	// benchRare is how many events of a generated log carry the rare
	// word "zebra" in their description (evenly spread over the log):
	// the "search with a few matches" case.
	benchRare = 5
)

var (
	benchItems   = []audit.Item{"User", "Account", "Role", "APIKey", "Seat", "Session", "Settings", "Chatbot"}
	benchActions = []audit.Action{"create", "update", "delete", "login", "export", "invite"}
)

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
func generate(b testing.TB, s *sqlstore.Store, mainID string, end time.Time, n int) []string {
	subs, _ := generateLog(b, s, mainID, end, n)
	return subs
}

// generateLog is generate, and also returns the actors' IDs (actor k is
// named fmt.Sprintf("user%02d", k)).
func generateLog(b testing.TB, s *sqlstore.Store, mainID string, end time.Time, n int) (subs, actors []string) {
	ctx := context.Background()
	subs = make([]string, benchSubs)
	for i := range subs {
		subs[i] = ids.NewID()
	}
	actors = make([]string, benchActors)
	for i := range actors {
		actors[i] = ids.NewID()
	}
	total := n
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
				desc := fmt.Sprintf("Something happened to thing %d.", n)
				if n%(total/benchRare) == total/benchRare/2 {
					desc = fmt.Sprintf("Key rotated for zebra%d.", n)
				}
				events[i] = &audit.Event{
					ID: idAt(at, rng), AccountID: acc, MainAccountID: mainID, Time: at,
					ActorID: actors[a], ActorName: fmt.Sprintf("user%02d", a),
					Item: benchItems[rng.IntN(len(benchItems))], Action: benchActions[rng.IntN(len(benchActions))],
					Status: status, Description: desc,
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
	return subs, actors
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
