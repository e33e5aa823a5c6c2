#!/usr/bin/env bash
# make test: installs what is missing, builds the tools, the code and the local images, brings up a fresh
# local cluster of its own (with the real node where this machine can run containers), runs every ctest
# test, takes that cluster down again (also on failure), and checks that nothing of it is left behind.
#
# The test cluster has its own state directory and ports, so it neither disturbs nor depends on a
# `make demo` cluster that may be running, and every run starts from an empty etcd. Only one cluster on a
# machine can have the real node; when the demo cluster holds it, the node tier is skipped and says so.
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$top"
. hack/versions.sh
BUILD_DIR=${BUILD_DIR:-build}
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR="$top/$BUILD_DIR" ;; esac
export BUILD_DIR
step() { printf '\n==> %s (%s)\n' "$*" "$(date +%H:%M:%S)"; }
timings=()
timed() {  # timed <label> <cmd...>: runs it and records how long it took
  local label=$1 t0=$SECONDS; shift
  "$@"
  timings+=("$(printf '%-28s %5d s' "$label" $((SECONDS - t0)))")
}

export PO_STATE="$PO_CACHE/test-cluster"
# The test cluster's ports; PO_TEST_PORT_BASE moves the whole block (hack/bench/cold_start.sh runs a second
# make test beside another).
base=${PO_TEST_PORT_BASE:-26000}
export PO_API_PORT=$((base + 443)) PO_ETCD_CLIENT_PORT=$((base + 1790)) PO_ETCD_PEER_PORT=$((base + 1800))
export PO_KCM_PORT=$((base + 257)) PO_SCHED_PORT=$((base + 259)) PO_KWOK_PORT=$((base + 80))

step "dependencies"; timed "dependencies (apt)" bash hack/install-deps.sh

# The Go tools and the Debian images download and build while the C++ compiles: on 2 cores the
# overlap is mostly network and unpacking time that would otherwise be spent waiting.
logs="$PO_CACHE/make-test-logs"; mkdir -p "$logs"
step "tools and images in the background (logs: $logs/tools.log, $logs/images.log), C++ build in the foreground"
t_bg=$SECONDS
( bash hack/tools.sh > "$logs/tools.log" 2>&1; echo $? > "$logs/tools.rc"; echo "tools done after $((SECONDS - t_bg)) s" >> "$logs/tools.log" ) &
tools_pid=$!
( bash hack/images.sh prebuild > "$logs/images.log" 2>&1; echo $? > "$logs/images.rc" ) &
images_pid=$!
timed "C++ build" bash hack/build.sh
step "waiting for the tools and images"
while kill -0 "$tools_pid" 2>/dev/null || kill -0 "$images_pid" 2>/dev/null; do
  sleep 20
  kill -0 "$tools_pid" 2>/dev/null && printf '  tools: %s\n' "$(tail -n1 "$logs/tools.log")"
  kill -0 "$images_pid" 2>/dev/null && printf '  images: %s\n' "$(tail -n1 "$logs/images.log" 2>/dev/null)"
done
wait "$tools_pid" || true; wait "$images_pid" || true
[ "$(cat "$logs/tools.rc")" = 0 ] || { tail -40 "$logs/tools.log"; echo "make test: the tool build failed" >&2; exit 1; }
[ "$(cat "$logs/images.rc")" = 0 ] || { tail -40 "$logs/images.log"; echo "make test: the image build failed" >&2; exit 1; }
timings+=("$(printf '%-28s %5d s' "tools + images (overlapped)" $((SECONDS - t_bg)))")

cleanup() {
  step "cluster down"
  bash "$top/hack/cluster.sh" down || true
}
trap cleanup EXIT
step "cluster up (fresh state in $PO_STATE)"
bash hack/cluster.sh reset >/dev/null
timed "cluster up" bash hack/cluster.sh up
if [ ! -f "$PO_STATE/node.unavailable" ]; then
  step "local images into the real node"
  timed "images (import)" bash hack/images.sh stack "$PO_STATE/node/containerd/containerd.sock"
fi

step "tests"
status=0
t_tests=$SECONDS
( cd "$BUILD_DIR" && ctest --output-on-failure --timeout 1200 -LE teardown ${CTEST_ARGS:-} ) | tee "$logs/ctest.log" || true
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
timings+=("$(printf '%-28s %5d s' "tests (ctest)" $((SECONDS - t_tests)))")
grep -q '100% tests passed' "$logs/ctest.log" || status=1

trap - EXIT
cleanup
step "teardown check: nothing of make test's cluster is left behind"
( cd "$BUILD_DIR" && ctest --output-on-failure -L teardown ) | tee "$logs/ctest-teardown.log" || true
grep -q '100% tests passed' "$logs/ctest-teardown.log" || status=1

step "time per step"
printf '  %s\n' "${timings[@]}"
# One closing line for both ctest runs (the main run and the teardown check).
summary() { sed -n 's/.* \([0-9]*\) tests failed out of \([0-9]*\).*/\1 \2/p' "$1" | tail -n1; }
read -r f1 n1 <<<"$(summary "$logs/ctest.log")"; f1=${f1:-1}; n1=${n1:-1}
read -r f2 n2 <<<"$(summary "$logs/ctest-teardown.log")"; f2=${f2:-1}; n2=${n2:-1}
skipped=$(grep -c '\*\*\*Skipped' "$logs/ctest.log" || true)
echo "make-test: $(( n1 + n2 - f1 - f2 - skipped )) passed, $(( f1 + f2 )) failed, $skipped skipped"
exit $status
