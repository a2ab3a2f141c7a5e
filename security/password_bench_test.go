package security_test

import (
	"context"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/accountkit/accountkit/security"
)

// BenchmarkHash_SimultaneousSignIns measures the memory that 100
// simultaneous sign-ins take with the default hasher (DefaultArgon2,
// DefaultHashMemoryBudget): each iteration starts 100 goroutines that each
// verify a password at once, and a sampler reads the Go heap every
// millisecond. It reports peak-MiB, the most heap (live and not yet
// collected objects) above the heap before the iteration, and budget-MiB,
// the hasher's budget, whatever the core count; the budget bounds the
// argon2id memory held at once, garbage not yet collected comes on top.
// Run with e.g.
//
//	go test -run '^$' -bench SimultaneousSignIns -benchtime 3x ./security
func BenchmarkHash_SimultaneousSignIns(b *testing.B) {
	const signIns = 100
	h := security.NewPasswordHasher(security.DefaultArgon2, 0)
	encoded, err := h.Hash(context.Background(), "correct horse battery staple")
	if err != nil {
		b.Fatal(err)
	}
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	heap := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	var peak uint64
	for b.Loop() {
		runtime.GC()
		base := heap()
		stop := make(chan struct{})
		sampled := make(chan uint64)
		go func() {
			var most uint64
			t := time.NewTicker(time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-stop:
					sampled <- most
					return
				case <-t.C:
					if v := heap(); v > base && v-base > most {
						most = v - base
					}
				}
			}
		}()
		var wg sync.WaitGroup
		for range signIns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, _, err := h.Verify(context.Background(), "correct horse battery staple", encoded)
				if err != nil || !ok {
					b.Errorf("verify: %v %v", ok, err)
				}
			}()
		}
		wg.Wait()
		close(stop)
		peak = max(peak, <-sampled)
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
	b.ReportMetric(float64(security.DefaultHashMemoryBudget)/(1<<20), "budget-MiB")
}
