#!/usr/bin/env bash
# Builds the app's libFuzzer targets with clang (ASan + UBSan) and runs them, one after the other:
#   audit    the audit engine and the text-quality model (app/fuzz/audit_fuzz.cpp)
#   request  HTTP request parsing: JSON bodies, query strings, cursors, paths, JWTs (app/fuzz/request_fuzz.cpp)
#
#   hack/fuzz.sh [seconds] [audit|request|all]     default 60 s per target, all; `make fuzz` runs it,
#                                                   and a short run of each target is part of the tests
# Environment: FUZZ_BUILD_DIR (default build-fuzz), FUZZ_JOBS (default 1; more runs libFuzzer's -fork mode).
# Corpora start from the seeds in the source tree (tests/fixtures/html, tests/fixtures/requests) and grow in
# $FUZZ_BUILD_DIR/corpus and $FUZZ_BUILD_DIR/corpus-request (outside the source tree); crashing inputs are
# written to $FUZZ_BUILD_DIR/artifacts/. Keep each crash that gets fixed as a seed, so it is replayed forever.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-60}"
which="${2:-all}"
out="${FUZZ_BUILD_DIR:-$root/build-fuzz}"
jobs="${FUZZ_JOBS:-1}"
case "$which" in
  audit|request) targets=("$which") ;;
  all) targets=(audit request) ;;
  *) echo "fuzz: unknown target '$which' (audit, request or all)" >&2; exit 2 ;;
esac

cxx="$(command -v clang++ || command -v clang++-14 || true)"
if [ -z "$cxx" ]; then
  echo "fuzz: clang++ not found; run hack/install-deps.sh (packages clang, libclang-rt-14-dev)" >&2
  exit 2
fi

mkdir -p "$out/obj" "$out/artifacts"
out="$(cd "$out" && pwd)"
flags=(-std=c++20 -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined
       -fno-sanitize-recover=undefined -I"$root/app" -I"$root/common/include"
       -DPO_APP_MODEL_DIR="\"$root/app/models\"")

# Incremental: recompile a source only when it or any header under app/ is newer than its object.
objects=()
compile() {  # sets objects to the object file of each source
  local src obj
  objects=()
  for src in "$@"; do
    obj="$out/obj/$(basename "$(dirname "$src")")_$(basename "${src%.cpp}").o"
    if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ -n "$(find "$root/app" -name '*.hpp' -newer "$obj" -print -quit)" ]; then
      "$cxx" "${flags[@]}" -c "$src" -o "$obj"
    fi
    objects+=("$obj")
  done
}

build() {  # target
  case "$1" in
    audit)
      compile "$root"/app/audit/*.cpp "$root"/app/ml/*.cpp "$root/app/fuzz/audit_fuzz.cpp"
      "$cxx" -fsanitize=fuzzer,address,undefined "${objects[@]}" $(pkg-config --libs gumbo) -o "$out/audit_fuzz" ;;
    request)
      compile "$root"/app/audit/*.cpp "$root"/app/ml/*.cpp \
        "$root"/app/server/{request_parsing,audit_store,db_pool,auth,router,clients}.cpp "$root/app/fuzz/request_fuzz.cpp"
      "$cxx" -fsanitize=fuzzer,address,undefined "${objects[@]}" $(pkg-config --libs gumbo libpqxx libcrypto spdlog fmt) \
        -o "$out/request_fuzz" ;;
  esac
}

status=0
for target in "${targets[@]}"; do
  build "$target"
  if [ "$target" = audit ]; then
    corpus="$out/corpus" seeds=("$root"/tests/fixtures/html/*.html) max_len=65536
  else
    corpus="$out/corpus-request" seeds=("$root"/tests/fixtures/requests/*) max_len=16384
  fi
  mkdir -p "$corpus"
  cp -n "${seeds[@]}" "$corpus/" 2>/dev/null || true
  echo "fuzz: running ${target}_fuzz for ${seconds}s (corpus $corpus)"
  parallel=()
  [ "$jobs" -gt 1 ] && parallel=(-fork="$jobs")
  log="$out/last-run-$target.log"
  # Seeds are replayed first; from $out, so anything libFuzzer writes to the working directory stays
  # out of the source tree.
  (cd "$out" && "./${target}_fuzz" "$corpus" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 \
    -rss_limit_mb=2048 "${parallel[@]}" -artifact_prefix="$out/artifacts/$target-" -print_final_stats=1) \
    >"$log" 2>&1 && rc=0 || rc=$?
  tail -n 12 "$log"
  if [ "$rc" -ne 0 ]; then
    echo "fuzz: ${target}_fuzz FAILED (exit $rc); reproducer in $out/artifacts/ (log $log)" >&2
    status=$rc
  else
    echo "fuzz: ${target}_fuzz ok"
  fi
done
exit "$status"
