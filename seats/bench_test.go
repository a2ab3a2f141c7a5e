package seats_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/users"
)

// BenchmarkAssignSeatParallel assigns seats to distinct users of one tree
// from GOMAXPROCS goroutines (b.RunParallel) against a pool of exactly b.N
// seats. Every assignment locks the main account's pool row, counts,
// inserts the seat and writes the seat log and audit events, so
// assignments of one tree are serialized by the database; the figure is
// their throughput (assignments/s). After the run it checks that exactly
// b.N seats are held and that one more assignment is refused: no
// over-allocation. Run it with a fixed count for the SQL stores, e.g.
// -benchtime=2000x, as setting up b.N users takes a while.
func BenchmarkAssignSeatParallel(b *testing.B) {
	for name, open := range kittest.Stores() {
		b.Run(name, func(b *testing.B) {
			env := kittest.NewWithStore(b, open(b))
			f := newFixture(b, env)
			f.purchase(b, b.N)
			list := make([]*users.User, b.N+1)
			err := env.Store.InTx(context.Background(), func(ctx context.Context) error {
				now := env.Clock.Now()
				for i := range list {
					acc := f.main
					if i%2 == 1 {
						acc = f.sub
					}
					name := fmt.Sprintf("bench%07d", i)
					u := &users.User{ID: (&accountkit.UUIDv7{}).NewID(), AccountID: acc.ID, MainAccountID: f.main.ID, Username: name,
						Email: name + "@example.com", Status: users.StatusActive, Roles: []string{agentRole}, CreatedAt: now, UpdatedAt: now}
					if err := env.Store.CreateUser(ctx, u); err != nil {
						return err
					}
					list[i] = u
				}
				return nil
			})
			require.NoError(b, err)
			var next atomic.Int64
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					u := list[next.Add(1)-1]
					if _, err := f.svc.Assign(f.mgr, u.ID); err != nil {
						b.Error(err)
					}
				}
			})
			elapsed := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "assignments/s")
			require.Equal(b, b.N, f.count(b, ""), "every assignment landed")
			_, err = f.svc.Assign(f.mgr, list[b.N].ID)
			require.Equal(b, accountkit.LimitExceeded, accountkit.ErrorCode(err), "no over-allocation: %v", err)
			require.Equal(b, b.N, f.count(b, ""))
		})
	}
}
