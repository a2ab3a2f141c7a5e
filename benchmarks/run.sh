#!/usr/bin/env bash
# Runs issue 18's benchmarks, each measuring accountkit beside a baseline
# in the same iteration, on memory, PostgreSQL and MariaDB, and prints the
# table the README shows (ratios and absolute values).
#
#   benchmarks/run.sh              # sizes 10k, 100k and 1M (seeds once per database: long)
#   BENCH_SIZES=10000 benchmarks/run.sh
#
# The SQL benchmarks need ACCOUNTKIT_TEST_POSTGRES_DSN and
# ACCOUNTKIT_TEST_MYSQL_DSN (they skip a database without its DSN). The raw
# `go test` output goes to $BENCH_OUT (default benchmarks/out/bench-<time>.txt);
# `go run ./cmd/benchtable FILE` prints the table again from it.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=${BENCH_SIZES:-"10000 100000 1000000"}
count=${BENCH_COUNT:-3}
mkdir -p benchmarks/out
out=${BENCH_OUT:-benchmarks/out/bench-$(date -u +%Y%m%dT%H%M%S).txt}
: > "$out"
out=$(realpath "$out")

# run DIR LABEL go test ARGS...: runs the benchmark in DIR, adds LABEL
# (e.g. n=10000) as the first sub-benchmark level, appends to $out.
run() {
	local dir=$1 label=$2
	shift 2
	echo "# ($dir) $label $*" >&2
	(cd "$dir" && "$@") 2>&1 | {
		if [ -n "$label" ]; then sed -E "s#^(Benchmark[A-Za-z0-9_]+)([/ -])#\1/$label\2#"; else cat; fi
	} | tee -a "$out" | grep -E '^(Benchmark|FAIL|---|panic)' >&2 || true
}
bench='go test -run ^$ -bench'

run . "" $bench 'BenchmarkHash_SimultaneousSignIns$' -benchtime 1x -cpu 2,16 ./security
run benchmarks "" $bench 'BenchmarkValidateResponseSideBySide$' -benchtime 300x -count "$count" .
run . "" $bench 'BenchmarkAuthenticatedRequest$' -benchtime 300x -count "$count" ./auth
run . "" $bench 'BenchmarkAssignSeatParallel$' -benchtime 500x -count "$count" ./seats
for n in $sizes; do
	ACCOUNTKIT_BENCH_USERS=$n run . "n=$n" $bench 'BenchmarkUsersList$' -benchtime 30x -timeout 2h ./storage/internal/sqlstore
	ACCOUNTKIT_BENCH_AUDIT_EVENTS=$n run . "n=$n" $bench 'BenchmarkAuditQuery$' -benchtime 30x -timeout 2h ./storage/internal/sqlstore
	ACCOUNTKIT_BENCH_SEATS_USERS=$n run . "n=$n" $bench 'BenchmarkSeatsOverview$' -benchtime 30x -timeout 2h ./storage/internal/sqlstore
done
for n in $sizes; do
	if [ "$n" -ge 100000 ]; then
		ACCOUNTKIT_BENCH_EXPORT_EVENTS=$n run . "n=$n" $bench 'BenchmarkAuditExport$' -benchtime 3x -timeout 2h ./storage/internal/sqlstore
	fi
done
(cd benchmarks && go run ./cmd/benchtable "$out")
