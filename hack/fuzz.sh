#!/usr/bin/env bash
# Builds the audit engine's libFuzzer target with clang (ASan + UBSan) and runs it.
#   hack/fuzz.sh [seconds]          default 60; `make fuzz` runs it, and a short run is part of the tests
# Environment: FUZZ_BUILD_DIR (default build-fuzz), FUZZ_JOBS (default 1; more runs libFuzzer's -fork mode).
# The corpus starts from tests/fixtures/html and grows in $FUZZ_BUILD_DIR/corpus (outside the source tree);
# crashing inputs are written to $FUZZ_BUILD_DIR/artifacts/.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-60}"
out="${FUZZ_BUILD_DIR:-$root/build-fuzz}"
jobs="${FUZZ_JOBS:-1}"

cxx="$(command -v clang++ || command -v clang++-14 || true)"
if [ -z "$cxx" ]; then
  echo "fuzz: clang++ not found; run hack/install-deps.sh (packages clang, libclang-rt-14-dev)" >&2
  exit 2
fi

mkdir -p "$out/obj" "$out/corpus" "$out/artifacts"
out="$(cd "$out" && pwd)"
flags=(-std=c++20 -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined
       -fno-sanitize-recover=undefined -I"$root/app" -DPO_APP_MODEL_DIR="\"$root/app/models\"")

# Incremental: recompile a source only when it or any header under app/ is newer than its object.
objects=()
for src in "$root"/app/audit/*.cpp "$root"/app/ml/*.cpp "$root"/app/fuzz/audit_fuzz.cpp; do
  obj="$out/obj/$(basename "$(dirname "$src")")_$(basename "${src%.cpp}").o"
  objects+=("$obj")
  if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ -n "$(find "$root/app" -name '*.hpp' -newer "$obj" -print -quit)" ]; then
    "$cxx" "${flags[@]}" -c "$src" -o "$obj"
  fi
done
"$cxx" -fsanitize=fuzzer,address,undefined "${objects[@]}" $(pkg-config --libs gumbo) -o "$out/audit_fuzz"

cp -n "$root"/tests/fixtures/html/*.html "$out/corpus/" 2>/dev/null || true
echo "fuzz: running audit_fuzz for ${seconds}s (corpus $out/corpus)"
parallel=()
[ "$jobs" -gt 1 ] && parallel=(-fork="$jobs")
# From $out, so anything libFuzzer writes to the working directory stays out of the source tree.
(cd "$out" && ./audit_fuzz corpus -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
  "${parallel[@]}" -artifact_prefix="$out/artifacts/" -print_final_stats=1) >"$out/last-run.log" 2>&1 && status=0 || status=$?
tail -n 12 "$out/last-run.log"
if [ "$status" -ne 0 ]; then
  echo "fuzz: FAILED (exit $status); reproducer in $out/artifacts/" >&2
  exit "$status"
fi
echo "fuzz: ok"
