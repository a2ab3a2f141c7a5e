// Command benchtable prints issue 18's performance table from `go test
// -bench` output: for each measurement, every matching benchmark with its
// value, the baseline measured in the same iteration, their ratio, the goal
// and whether it is met. It reads the files named on the command line, or
// standard input, and writes Markdown. benchmarks/run.sh runs the
// benchmarks and pipes their output here.
//
// A benchmark that appears several times (-count) is summarized by the
// median of each metric. Measurements whose benchmarks are absent from the
// input are listed as "not run".
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// A measurement is one row of the table: the benchmarks that
// measure it and the metrics to read from them.
type measurement struct {
	// What the row measures.
	What string
	// Bench matches the benchmark names without their GOMAXPROCS suffix
	// (the suffix stays in the table: -cpu 2,16 gives two rows); Skip,
	// when set, leaves out the names it matches.
	Bench, Skip *regexp.Regexp
	// Value and Base are the units of the measured value and of its
	// same-iteration baseline ("" when there is none).
	Value, Base string
	// Ratio is the unit of the ratio metric; Goal its bound, Higher when
	// the ratio must be at least Goal instead of at most.
	Ratio  string
	Goal   float64
	Higher bool
	// GoalText is the goal as the issue states it.
	GoalText string
}

var table = []measurement{
	{What: "SAML Response validation, both signed (vs crewjam/saml v0.5.1)", Bench: regexp.MustCompile(`^BenchmarkValidateResponseSideBySide$`),
		Value: "accountkit-µs", Base: "crewjam-µs", Ratio: "x-faster", Goal: 3, Higher: true, GoalText: "≥ 3× faster than crewjam"},
	{What: "authenticated request (session → principal), vs one primary-key SELECT", Bench: regexp.MustCompile(`^BenchmarkAuthenticatedRequest/(postgres|mysql)/Authenticate$`),
		Value: "p50-µs", Base: "base-p50-µs", Ratio: "x-base", Goal: 3, GoalText: "≤ 3× the bare SELECT, 1 round trip"},
	{What: "authenticated request over HTTP, vs the same handler bare", Bench: regexp.MustCompile(`^BenchmarkAuthenticatedRequest/memory/HTTPMiddleware$`),
		Value: "p50-µs", Base: "base-p50-µs", Ratio: "x-base", Goal: 1.02, GoalText: "≤ 2 % added (memory store)"},
	{What: "seat assignment, 64 parallel assigners, vs a bare lock-count-insert transaction", Bench: regexp.MustCompile(`^BenchmarkAssignSeatParallel/[^/]+$`),
		Value: "assign/s", Base: "bare/s", Ratio: "x-base", Goal: 1.5, GoalText: "≤ 1.5× the bare transaction"},
	{What: "users list page", Bench: regexp.MustCompile(`^BenchmarkUsersList/.*`), Skip: regexp.MustCompile(`/Search`),
		Value: "p90-ms", Base: "base-p50-ms", Ratio: "x-base", Goal: 10, GoalText: "≤ 10 ms p90"},
	{What: "audit log page", Bench: regexp.MustCompile(`^BenchmarkAuditQuery/.*`), Skip: regexp.MustCompile(`/Search`),
		Value: "p90-ms", Base: "base-p50-ms", Ratio: "x-base", Goal: 10, GoalText: "≤ 10 ms p90"},
	{What: "text search (q=)", Bench: regexp.MustCompile(`^Benchmark(UsersList|AuditQuery)/.*/Search`),
		Value: "p90-ms", Base: "base-p50-ms", Ratio: "x-base", Goal: 50, GoalText: "≤ 50 ms p90 (no match at 1 M rows)"},
	{What: "seats overview", Bench: regexp.MustCompile(`^BenchmarkSeatsOverview/.*`),
		Value: "p90-ms", Base: "base-p50-ms", Ratio: "x-base", Goal: 10, GoalText: "≤ 10 ms p90"},
	{What: "audit CSV export, vs a bare streaming SELECT + encoding/csv", Bench: regexp.MustCompile(`^BenchmarkAuditExport/.*`),
		Value: "Service-ms/op", Base: "BareStreamingCSV-ms/op", Ratio: "service/bare", Goal: 1.3, GoalText: "≤ 1.3×"},
	{What: "hashing memory, 100 simultaneous sign-ins", Bench: regexp.MustCompile(`^BenchmarkHash_SimultaneousSignIns$`),
		Value: "peak-MiB", Base: "budget-MiB", GoalText: "argon2id memory held at once ≤ the budget (default 256 MiB) whatever the core count; Go heap peak ≤ 2× the budget with the default GC pacing"},
}

// valueGoal lists the rows whose goal bounds the value, not the ratio.
func (m measurement) valueGoal() bool {
	return strings.HasSuffix(m.Value, "-ms") && strings.HasPrefix(m.Value, "p90")
}

var (
	line   = regexp.MustCompile(`^(Benchmark\S+)\s+\d+\s+(.*)$`)
	procsN = regexp.MustCompile(`-\d+$`)
)

// parse reads benchmark lines into name → unit → values.
func parse(r io.Reader, into map[string]map[string][]float64, order *[]string) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		name := m[1]
		f := strings.Fields(m[2])
		metrics := into[name]
		if metrics == nil {
			metrics = map[string][]float64{}
			into[name] = metrics
			*order = append(*order, name)
		}
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			metrics[f[i+1]] = append(metrics[f[i+1]], v)
		}
	}
	return sc.Err()
}

func median(vs []float64) (float64, bool) {
	if len(vs) == 0 {
		return 0, false
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2], true
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2, true
}

func format(v float64, ok bool, unit string) string {
	if !ok {
		return "–"
	}
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f %s", v, unit)
	case v >= 10:
		return fmt.Sprintf("%.1f %s", v, unit)
	default:
		return fmt.Sprintf("%.2f %s", v, unit)
	}
}

func write(w io.Writer, data map[string]map[string][]float64, order []string) {
	fmt.Fprintln(w, "| measurement | benchmark | value | baseline (same iteration) | ratio | goal | met |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
	for _, m := range table {
		found := false
		for _, name := range order {
			bare := procsN.ReplaceAllString(name, "")
			if !m.Bench.MatchString(bare) || m.Skip != nil && m.Skip.MatchString(bare) {
				continue
			}
			found = true
			metrics := data[name]
			v, vok := median(metrics[m.Value])
			bv, bok := median(metrics[m.Base])
			r, rok := median(metrics[m.Ratio])
			ratio := "–"
			if rok {
				ratio = fmt.Sprintf("%.2f×", r)
			}
			met := "–"
			switch {
			case m.valueGoal() && vok:
				met = yes(v <= m.Goal)
			case m.Goal > 0 && rok && m.Higher:
				met = yes(r >= m.Goal)
			case m.Goal > 0 && rok:
				met = yes(r <= m.Goal)
			case m.Goal == 0 && vok && bok:
				// The budget bounds the hashes' memory; garbage not yet
				// collected comes on top, at most as much again with
				// GOGC=100.
				met = yes(v <= 2*bv)
			}
			fmt.Fprintf(w, "| %s | `%s` | %s | %s | %s | %s | %s |\n", m.What, strings.TrimPrefix(name, "Benchmark"),
				format(v, vok, strings.TrimSuffix(m.Value, "/op")), format(bv, bok, strings.TrimSuffix(m.Base, "/op")), ratio, m.GoalText, met)
		}
		if !found {
			fmt.Fprintf(w, "| %s | not run | | | | %s | |\n", m.What, m.GoalText)
		}
	}
}

func yes(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

func main() {
	data := map[string]map[string][]float64{}
	var order []string
	if len(os.Args) == 1 {
		if err := parse(os.Stdin, data, &order); err != nil {
			fmt.Fprintln(os.Stderr, "benchtable:", err)
			os.Exit(1)
		}
	}
	for _, name := range os.Args[1:] {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchtable:", err)
			os.Exit(1)
		}
		err = parse(f, data, &order)
		f.Close()
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchtable:", err)
			os.Exit(1)
		}
	}
	write(os.Stdout, data, order)
}
