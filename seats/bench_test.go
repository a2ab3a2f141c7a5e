package seats_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/users"
)

// assigners is how many goroutines assign seats at once in
// BenchmarkAssignSeatParallel, whatever GOMAXPROCS is.
const assigners = 64

// BenchmarkAssignSeatParallel assigns seats to distinct users of one tree
// from 64 goroutines against a pool of exactly b.N seats. Every assignment
// locks the main account's pool row, counts, inserts the seat and writes
// the seat log and audit events, so assignments of one tree are serialized
// by the database; the figure is their throughput (assignments/s). After
// the run it checks that exactly b.N seats are held and that one more
// assignment is refused: no over-allocation. On PostgreSQL and MySQL the
// sub-benchmark BareTx runs the baseline in the same process and database:
// a bare transaction that locks a pool row, counts its seats and inserts
// one, from 64 goroutines too. Run it with a fixed count for the SQL
// stores, e.g. -benchtime=2000x, as setting up b.N users takes a while.
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
			b.ResetTimer()
			elapsed := inParallel(b.N, func(i int) {
				if _, err := f.svc.Assign(f.mgr, list[i].ID); err != nil {
					b.Error(err)
				}
			})
			b.StopTimer()
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "assignments/s")
			require.Equal(b, b.N, f.count(b, ""), "every assignment landed")
			_, err = f.svc.Assign(f.mgr, list[b.N].ID)
			require.Equal(b, accountkit.LimitExceeded, accountkit.ErrorCode(err), "no over-allocation: %v", err)
			require.Equal(b, b.N, f.count(b, ""))
		})
	}
}

// inParallel runs fn(0..n-1) from exactly assigners goroutines and returns
// the elapsed time.
func inParallel(n int, fn func(i int)) time.Duration {
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range assigners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(i)
			}
		}()
	}
	wg.Wait()
	return time.Since(start)
}

// BenchmarkAssignSeatParallelBaseline is the baseline of
// BenchmarkAssignSeatParallel on the SQL servers, in the same database
// kind: a bare transaction that locks a pool row (SELECT ... FOR UPDATE),
// counts the pool's seats and inserts one, from 64 goroutines. Run both in
// one command (-bench AssignSeatParallel) to read the ratio.
func BenchmarkAssignSeatParallelBaseline(b *testing.B) {
	for name, open := range kittest.Stores() {
		store := open(b)
		dbs, ok := store.(interface{ DB() *bun.DB })
		if !ok || (dbs.DB().Dialect().Name() != dialect.PG && dbs.DB().Dialect().Name() != dialect.MySQL) {
			continue
		}
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			db := dbs.DB()
			for _, q := range []string{
				"CREATE TABLE IF NOT EXISTS bench_pools (id VARCHAR(36) NOT NULL PRIMARY KEY, lim INT NOT NULL)",
				"CREATE TABLE IF NOT EXISTS bench_seats (pool_id VARCHAR(36) NOT NULL, user_id VARCHAR(36) NOT NULL, PRIMARY KEY (pool_id, user_id))",
				"DELETE FROM bench_seats",
				"DELETE FROM bench_pools",
				"INSERT INTO bench_pools (id, lim) VALUES ('pool', 1000000000)",
			} {
				_, err := db.ExecContext(ctx, q)
				require.NoError(b, err)
			}
			b.ResetTimer()
			elapsed := inParallel(b.N, func(i int) {
				err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
					var lim, used int
					if err := tx.QueryRowContext(ctx, "SELECT lim FROM bench_pools WHERE id = 'pool' FOR UPDATE").Scan(&lim); err != nil {
						return err
					}
					if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM bench_seats WHERE pool_id = 'pool'").Scan(&used); err != nil {
						return err
					}
					if used >= lim {
						return fmt.Errorf("pool full")
					}
					_, err := tx.ExecContext(ctx, "INSERT INTO bench_seats (pool_id, user_id) VALUES ('pool', ?)", fmt.Sprintf("u%09d", i))
					return err
				})
				if err != nil {
					b.Error(err)
				}
			})
			b.StopTimer()
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "assignments/s")
		})
	}
}
