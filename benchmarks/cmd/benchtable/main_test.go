package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestTable reads a small go test -bench output and checks the rows: the
// median of repeated lines, the ratio, the goal verdict, two GOMAXPROCS
// kept apart and a measurement without benchmarks listed as not run.
func TestTable(t *testing.T) {
	in := `goos: linux
BenchmarkValidateResponseSideBySide-2   300  5155673 ns/op  356.1 accountkit-µs  4799 crewjam-µs  13.48 x-faster
BenchmarkValidateResponseSideBySide-2   300  5155673 ns/op  300.0 accountkit-µs  4000 crewjam-µs  2.5 x-faster
BenchmarkValidateResponseSideBySide-2   300  5155673 ns/op  400.0 accountkit-µs  5000 crewjam-µs  12.0 x-faster
BenchmarkAuditQuery/n=10000/mysql/tree-2  30  1 ns/op  12.5 p90-ms  0.4 base-p50-ms  9.0 x-base
BenchmarkHash_SimultaneousSignIns-2   1  1 ns/op  256 budget-MiB  494 peak-MiB
BenchmarkHash_SimultaneousSignIns-16  1  1 ns/op  256 budget-MiB  600 peak-MiB
PASS
`
	data := map[string]map[string][]float64{}
	var order []string
	if err := parse(strings.NewReader(in), data, &order); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	write(&out, data, order)
	got := out.String()
	for _, want := range []string{
		"| `ValidateResponseSideBySide-2` | 356 accountkit-µs | 4799 crewjam-µs | 12.00× | ≥ 3× faster than crewjam | yes |",
		"| `AuditQuery/n=10000/mysql/tree-2` | 12.5 p90-ms | 0.40 base-p50-ms | 9.00× | ≤ 10 ms p90 | **no** |",
		"| `Hash_SimultaneousSignIns-2` | 494 peak-MiB | 256 budget-MiB |",
		"| `Hash_SimultaneousSignIns-16` | 600 peak-MiB | 256 budget-MiB | – |",
		"| users list page | not run |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("table lacks %q:\n%s", want, got)
		}
	}
	if !strings.Contains(got, "default GC pacing | yes |") || !strings.Contains(got, "default GC pacing | **no** |") {
		t.Errorf("the memory rows: 494 MiB is within 2× the budget, 600 is not:\n%s", got)
	}
}
