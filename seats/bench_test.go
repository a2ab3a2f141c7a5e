package seats_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
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

// benchBlock is how many assignments (and as many bare transactions) one
// block of BenchmarkAssignSeatParallel runs.
const benchBlock = 100

// BenchmarkAssignSeatParallel assigns seats to distinct users of one tree
// from 64 goroutines against a pool of exactly b.N seats. Assignments of
// one tree are serialized by the database (the pool's counter row), so the
// figure is their throughput.
//
// On PostgreSQL and MariaDB the baseline runs inside the same iteration so
// that both share the machine's load: b.N is cut into blocks of
// benchBlock; each block runs its assignments from 64 goroutines and as
// many bare transactions (lock a pool row with SELECT ... FOR UPDATE,
// count its seats, insert one) from 64 goroutines, in alternating order.
// Reported: assign/s and bare/s (totals), x-base (median over the blocks
// of assign time / bare time, i.e. bare rate / assign rate), stmts/op (all
// statements of one assignment, reads before the transaction included)
// and locked-stmts/op (from the statement that locks the pool, included,
// to COMMIT, excluded), counted by a bun query hook; lock-ms/op is the
// time from the start of the locking statement to the end of COMMIT, and
// the log lists the mean time of each statement kind. ns/op is the
// assignment time only.
//
// After the run it checks that exactly b.N seats are held and that one
// more assignment is refused: no over-allocation. Run it with a fixed
// count, e.g. -benchtime=500x, as setting up b.N users takes a while.
func BenchmarkAssignSeatParallel(b *testing.B) {
	for name, open := range kittest.Stores() {
		b.Run(name, func(b *testing.B) {
			store := open(b)
			env := kittest.NewWithStore(b, store)
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
			var bare *bareTx
			var stats *stmtStats
			if dbs, ok := store.(interface{ DB() *bun.DB }); ok {
				if n := dbs.DB().Dialect().Name(); n == dialect.PG || n == dialect.MySQL {
					bare = newBareTx(b, dbs.DB())
					stats = &stmtStats{byKind: map[string]*kindStat{}}
					dbs.DB().AddQueryHook(stats)
				}
			}
			assign := func(i int) {
				ctx := f.mgr
				var op *opStmts
				if stats != nil {
					op = &opStmts{}
					ctx = context.WithValue(ctx, opKey{}, op)
				}
				if _, err := f.svc.Assign(ctx, list[i].ID); err != nil {
					b.Error(err)
				}
				if op != nil {
					stats.add(op)
				}
			}
			var assignTime, bareTime time.Duration
			var ratios []float64
			b.ResetTimer()
			for blk, from := 0, 0; from < b.N; blk, from = blk+1, from+benchBlock {
				n := min(benchBlock, b.N-from)
				var ta, tb time.Duration
				runAssign := func() { ta = inParallel(n, func(i int) { assign(from + i) }) }
				if bare == nil {
					runAssign()
					assignTime += ta
					continue
				}
				runBare := func() {
					b.StopTimer()
					tb = inParallel(n, func(int) { bare.run(b) })
					b.StartTimer()
				}
				if blk%2 == 0 {
					runAssign()
					runBare()
				} else {
					runBare()
					runAssign()
				}
				assignTime += ta
				bareTime += tb
				ratios = append(ratios, float64(ta)/float64(tb))
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/assignTime.Seconds(), "assign/s")
			if bare != nil {
				b.ReportMetric(float64(b.N)/bareTime.Seconds(), "bare/s")
				b.ReportMetric(median(ratios), "x-base")
				stats.report(b)
			}
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

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// bareTx is the baseline of BenchmarkAssignSeatParallel: a bare
// transaction that locks a pool row (SELECT ... FOR UPDATE), counts the
// pool's seats and inserts one, in tables of its own in the same database.
type bareTx struct {
	db   *bun.DB
	next atomic.Int64
}

func newBareTx(b *testing.B, db *bun.DB) *bareTx {
	ctx := context.Background()
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
	return &bareTx{db: db}
}

func (t *bareTx) run(b *testing.B) {
	ctx := context.Background()
	i := t.next.Add(1)
	err := t.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
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
}

// opKey carries an assignment's *opStmts in its context, so the query
// hook attributes each statement to its assignment (the transaction's
// context, and COMMIT's, derive from it).
type opKey struct{}

type stmt struct {
	query      string
	start, end time.Time
}

// opStmts are the statements of one assignment.
type opStmts struct {
	mu    sync.Mutex
	stmts []stmt
}

type kindStat struct {
	n     int
	total time.Duration
}

// stmtStats is a bun query hook that collects the statements of the
// assignments whose context carries an *opStmts.
type stmtStats struct {
	mu                 sync.Mutex
	ops, stmts, locked int
	lockTime           time.Duration
	byKind             map[string]*kindStat
}

func (s *stmtStats) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

func (s *stmtStats) AfterQuery(ctx context.Context, e *bun.QueryEvent) {
	op, _ := ctx.Value(opKey{}).(*opStmts)
	if op == nil {
		return
	}
	op.mu.Lock()
	op.stmts = append(op.stmts, stmt{query: e.Query, start: e.StartTime, end: time.Now()})
	op.mu.Unlock()
}

// locks reports whether q takes the seat pool's lock: the first statement
// that locks or updates the pool row (or its counter).
func locks(q string) bool {
	return strings.Contains(q, "accountkit_seat_pools") && (strings.HasPrefix(q, "UPDATE") || strings.Contains(q, "FOR UPDATE"))
}

// kind names a statement by its operation and first table.
func kind(q string) string {
	f := strings.Fields(q)
	if len(f) == 0 {
		return "?"
	}
	op := strings.ToUpper(f[0])
	for i, w := range f {
		w = strings.Trim(w, "\"`(")
		if strings.HasPrefix(w, "accountkit_") && i > 0 {
			suffix := ""
			if strings.Contains(q, "FOR UPDATE") {
				suffix = " FOR UPDATE"
			}
			return op + " " + w + suffix
		}
	}
	return op
}

func (s *stmtStats) add(op *opStmts) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ops++
	s.stmts += len(op.stmts)
	lockAt := -1
	for i, st := range op.stmts {
		k := kind(st.query)
		if s.byKind[k] == nil {
			s.byKind[k] = &kindStat{}
		}
		s.byKind[k].n++
		s.byKind[k].total += st.end.Sub(st.start)
		if lockAt < 0 && locks(st.query) {
			lockAt = i
		}
		if lockAt >= 0 && st.query == "COMMIT" {
			s.locked += i - lockAt
			s.lockTime += st.end.Sub(op.stmts[lockAt].end)
			lockAt = -2 // counted; later statements run after the commit
		}
	}
}

func (s *stmtStats) report(b *testing.B) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ops == 0 {
		return
	}
	b.ReportMetric(float64(s.stmts)/float64(s.ops), "stmts/op")
	b.ReportMetric(float64(s.locked)/float64(s.ops), "locked-stmts/op")
	b.ReportMetric(float64(s.lockTime.Microseconds())/1000/float64(s.ops), "lock-ms/op")
	kinds := make([]string, 0, len(s.byKind))
	for k := range s.byKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var sb strings.Builder
	for _, k := range kinds {
		st := s.byKind[k]
		fmt.Fprintf(&sb, "; %s %.2f/op %.3f ms", k, float64(st.n)/float64(s.ops), float64(st.total.Microseconds())/1000/float64(st.n))
	}
	if b.N > 1 {
		b.Logf("statements per assignment (%d assignments, mean time each)%s", s.ops, sb.String())
	}
}

var _ bun.QueryHook = (*stmtStats)(nil)
