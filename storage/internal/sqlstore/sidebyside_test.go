package sqlstore_test

import (
	"slices"
	"testing"
	"time"
)

// sideBySide runs the measured case and its baseline once each in every
// iteration, in alternating order, so that both share the machine's load
// at that moment (go test -count does not interleave sub-benchmarks), and
// reports the metrics benchmarks/cmd/benchtable reads: p50-ms and p90-ms
// of the case, base-p50-ms of the baseline and x-base, the median of the
// per-iteration ratios case/baseline. An error of either fails b.
func sideBySide(b *testing.B, run, base func() error) {
	b.Helper()
	times := make([]time.Duration, 0, b.N)
	bases := make([]time.Duration, 0, b.N)
	ratios := make([]float64, 0, b.N)
	timed := func(fn func() error) time.Duration {
		t0 := time.Now()
		if err := fn(); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var t, bt time.Duration
		if i%2 == 0 {
			t, bt = timed(run), timed(base)
		} else {
			bt, t = timed(base), timed(run)
		}
		times, bases = append(times, t), append(bases, bt)
		ratios = append(ratios, float64(t)/float64(bt))
	}
	b.StopTimer()
	b.ReportMetric(pctMs(times, 0.5), "p50-ms")
	b.ReportMetric(pctMs(times, 0.9), "p90-ms")
	b.ReportMetric(pctMs(bases, 0.5), "base-p50-ms")
	slices.Sort(ratios)
	b.ReportMetric(ratios[(len(ratios)-1)/2], "x-base")
}

// pctMs is the p-th quantile of ds in milliseconds; it sorts ds.
func pctMs(ds []time.Duration, p float64) float64 {
	slices.Sort(ds)
	return float64(ds[int(p*float64(len(ds)-1))]) / float64(time.Millisecond)
}
