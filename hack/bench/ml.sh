#!/usr/bin/env bash
# Micro-benchmark of the app's pure core: text-quality prediction latency (p50/p99, one call at a time)
# and audits per second of a ~20 KiB page on all cores, in-process (no HTTP). Prints each run and the
# median of the runs.
#   hack/bench/ml.sh [runs] [seconds-per-run]      defaults: 5 runs of 3 s
# Environment: BENCH_BUILD_DIR (default build-bench), BENCH_THREADS (default: number of cores),
# BENCH_BIN (use this app-core-bench binary instead of building one).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
runs="${1:-5}"
seconds="${2:-3}"
build="${BENCH_BUILD_DIR:-$root/build-bench}"
threads="${BENCH_THREADS:-$(nproc)}"

bench="${BENCH_BIN:-}"   # a prebuilt app-core-bench, to skip the build
if [ -z "$bench" ]; then
  if [ ! -f "$build/build.ninja" ]; then
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPO_BUILD_TESTS=OFF >/dev/null
  fi
  ninja -C "$build" app-core-bench >/dev/null
  bench="$build/app/ml/tools/app-core-bench"
fi

results=()
for i in $(seq 1 "$runs"); do
  line="$("$bench" --seconds "$seconds" --threads "$threads")"
  echo "run $i: $line"
  results+=("$line")
done

median() {   # median of the numbers on stdin
  sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
field() { printf '%s\n' "${results[@]}" | tr ' ' '\n' | sed -n "s/^$1=//p" | median; }

echo "median of $runs runs ($threads threads, $(nproc) cores):"
echo "  ml_prediction_p50_us=$(field predict_p50_us)"
echo "  ml_prediction_p99_us=$(field predict_p99_us)"
echo "  audits_per_second=$(field audits_per_s)  (page_bytes=$(field page_bytes))"
cpu_us="$(field cpu_us_per_audit)"
echo "  cpu_us_per_audit=$cpu_us  (=> $(awk -v c="$cpu_us" -v n="$(nproc)" 'BEGIN { printf "%.0f", n * 1e6 / c }') audits/s if all $(nproc) cores were free)"
echo "  load average while measuring: $(cut -d' ' -f1-3 /proc/loadavg)"
