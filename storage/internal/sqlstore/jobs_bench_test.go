package sqlstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/users"
)

// BenchmarkPurgeSessions measures the sessions job on 20,000 sessions
// (two idle timeouts, a third of them ended): the first purge, which
// deletes, is logged; the timed loop is the steady state, a purge that
// finds nothing to delete among the live sessions. Run with e.g.
//
//	go test -run '^$' -bench PurgeSessions -benchtime 20x ./storage/internal/sqlstore
func BenchmarkPurgeSessions(b *testing.B) {
	const total = 20_000
	for _, o := range openers {
		b.Run(o.name, func(b *testing.B) {
			ctx := context.Background()
			s := mustOpen(b, o, o.fresh(b))
			if err := s.Migrate(ctx); err != nil {
				b.Fatal(err)
			}
			inner := innerStore(b, s)
			now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
			ended := 0
			for batch := 0; batch < total; batch += 1000 {
				err := inner.InTx(ctx, func(ctx context.Context) error {
					for i := batch; i < batch+1000; i++ {
						idle := []time.Duration{30 * time.Minute, 8 * time.Hour}[i%2]
						lastSeen := now.Add(-time.Duration(i%3) * time.Hour) // 0, 1 or 2 h ago
						if !now.Before(lastSeen.Add(idle)) {
							ended++
						}
						err := inner.CreateSession(ctx, &auth.Session{ID: ids.NewID(), TokenHash: fmt.Sprintf("%064d", i),
							CSRFHash: "c", UserID: ids.NewID(), AccountID: ids.NewID(), Method: users.LoginPassword,
							CreatedAt: lastSeen, LastSeenAt: lastSeen, IdleTimeout: idle, ExpiresAt: now.Add(12 * time.Hour)})
						if err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			start := time.Now()
			n, err := inner.PurgeSessions(ctx, now)
			if err != nil {
				b.Fatal(err)
			}
			if n != ended {
				b.Fatalf("purged %d, want %d", n, ended)
			}
			b.Logf("%s: first purge deleted %d of %d sessions in %s", o.name, n, total, time.Since(start).Round(time.Millisecond))
			b.ResetTimer()
			for b.Loop() {
				if n, err := inner.PurgeSessions(ctx, now); err != nil || n != 0 {
					b.Fatalf("purge: %d, %v", n, err)
				}
			}
		})
	}
}
