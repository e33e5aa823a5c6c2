#!/usr/bin/env bash
# The audit engine's worst cases (issue 14 §1), measured two ways:
#   1. engine: each adversarial input built at BYTES (default just under the 2 MiB body limit) is audited
#      RUNS times on one thread (audit-worst-case, no HTTP, no CPU budget) and its median CPU time printed
#      next to a typical page of the same size (the sample page's body repeated), with the ratio. Each input
#      runs in its own process under `timeout ENGINE_TIMEOUT` (default 120 s), so a blow-up prints
#      "timeout" instead of hanging the script, and under `ulimit -v MEM_LIMIT_MIB` (default 3072), so one
#      that would take the machine's memory fails instead ("failed"). BASELINE=<git rev> also builds the
#      engine of that revision (in a temporary directory, g++ -O2) and prints the same table for it.
#   2. api: platform-api with real PostgreSQL and Redis on loopback, CLIENTS (default 1000) concurrent
#      keep-alive connections (wrk) posting the worst inputs round-robin for DURATION (default 20s), with
#      the api's result caches out of the way (RESULT_CACHE_BYTES=0, CACHE_TTL_SECONDS=1), so the engine
#      runs. Prints the api's peak RSS (VmHWM, and the largest of the VmRSS samples taken every 0.2 s), its
#      RSS before the load, the answers by status (from its metrics), and whether it is still live. API=0 skips this part, ENGINE=0 the first.
#
#   hack/bench/worst_case.sh [BUILD_DIR]        (default: $PO_BUILD_DIR or ./build)
#   BYTES=2000000 RUNS=3 BASELINE=HEAD~1 CLIENTS=1000 DURATION=20s API=1 hack/bench/worst_case.sh
#   (ENGINE_TIMEOUT, MEM_LIMIT_MIB as above; ONLY="name ..." measures only those inputs)
#
# Figures are CPU time of the auditing thread (CLOCK_THREAD_CPUTIME_ID), medians of RUNS; the machine is
# shared, so wall-clock figures would measure the neighbours too. Loopback only.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-${PO_BUILD_DIR:-$ROOT/build}}
BYTES=${BYTES:-2000000}
RUNS=${RUNS:-3}
ENGINE_TIMEOUT=${ENGINE_TIMEOUT:-60}
MEM_LIMIT_MIB=${MEM_LIMIT_MIB:-3072}
CLIENTS=${CLIENTS:-1000}
DURATION=${DURATION:-20s}
API_PART=${API:-1}
TOOL=$BUILD/app/audit/tools/audit-worst-case
APIBIN=$BUILD/app/platform-api
PG_BIN=/usr/lib/postgresql/15/bin

[ -x "$TOOL" ] || { echo "worst_case.sh: $TOOL not built (ninja -C $BUILD audit-worst-case)" >&2; exit 2; }

WORK=$(mktemp -d /tmp/po-bench-worst.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

names=${ONLY:-$("$TOOL" --write-seeds "$WORK" --bytes 1000 | sed 's|.*/worst-||; s|\.html$||')}
rm -f "$WORK"/worst-*.html

engine_table() {  # tool label
  local tool=$1 label=$2 name line ratios=()
  echo "== engine ($label): $BYTES-byte inputs, median CPU ms of $RUNS runs, ratio to a typical page of the same size"
  for name in $names; do
    local rc=0
    line=$(ulimit -v $((MEM_LIMIT_MIB * 1024)); timeout "$ENGINE_TIMEOUT" "$tool" --bytes "$BYTES" --runs "$RUNS" --only "$name" 2>&1) || rc=$?
    if [ "$rc" -eq 0 ]; then
      [ -z "${printed_typical:-}" ] && { grep '^input=typical' <<<"$line"; printed_typical=1; }
      grep -v '^input=typical' <<<"$line"
      ratios+=("$(grep -v '^input=typical' <<<"$line" | sed -n 's/.*ratio=\([0-9.]*\).*/\1/p')")
    elif [ "$rc" -eq 124 ]; then
      echo "input=$name outcome=timeout cpu_ms=>$((ENGINE_TIMEOUT * 1000)) (killed after ${ENGINE_TIMEOUT}s wall clock)"
      ratios+=(inf)
    else
      echo "input=$name outcome=failed (exit $rc, e.g. out of memory under ulimit -v ${MEM_LIMIT_MIB} MiB): $(tail -c 200 <<<"$line" | tr '\n' ' ')"
      ratios+=(inf)
    fi
  done
  unset printed_typical
  printf '%s\n' "${ratios[@]}" | awk -v l="$label" '{ if ($1 == "inf" || $1 + 0 > m) m = ($1 == "inf" ? "inf" : $1 + 0) } END { printf "worst ratio (%s): %s x a typical page\n", l, m }'
}

if [ -n "${BASELINE:-}" ]; then
  # The engine of BASELINE, with this revision's input generator (compiled with -DPO_BASELINE, which
  # leaves out the fields that revision's Options and Result do not have).
  mkdir -p "$WORK/base"
  git -C "$ROOT" archive "$BASELINE" app tests/fixtures/html | tar -x -C "$WORK/base"
  cp "$ROOT/app/audit/tools/audit_worst_case.cpp" "$WORK/base/worst.cpp"
  echo "building the engine of $BASELINE ($(git -C "$ROOT" rev-parse --short "$BASELINE")) for the baseline..."
  # shellcheck disable=SC2046
  g++ -std=c++20 -O2 -DNDEBUG -DPO_BASELINE -I"$WORK/base/app" -DPO_APP_MODEL_DIR="\"$WORK/base/app/models\"" \
    "$WORK"/base/app/audit/*.cpp "$WORK"/base/app/ml/*.cpp "$WORK/base/worst.cpp" \
    $(pkg-config --cflags --libs gumbo) -o "$WORK/base/audit-worst-case"
  engine_table "$WORK/base/audit-worst-case" "baseline $BASELINE"
fi
[ "${ENGINE:-1}" = 0 ] || engine_table "$TOOL" "this tree"

[ "$API_PART" = 0 ] && exit 0
[ -x "$APIBIN" ] || { echo "worst_case.sh: $APIBIN not built" >&2; exit 2; }
command -v wrk >/dev/null || { echo "worst_case.sh: wrk not installed (hack/install-deps.sh)" >&2; exit 2; }
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
as_pg() { if [ "$(id -u)" -eq 0 ]; then setpriv --reuid=postgres --regid=postgres --clear-groups -- "$@"; else "$@"; fi; }
wait_port() {
  for _ in $(seq 1 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "worst_case.sh: nothing listens on port $1" >&2; return 1
}

PG_PORT=$(free_port); REDIS_PORT=$(free_port); API_PORT=$(free_port)
mkdir -p "$WORK/pg"
[ "$(id -u)" -eq 0 ] && chown postgres "$WORK" "$WORK/pg"
as_pg "$PG_BIN/initdb" -D "$WORK/pg/data" -U postgres --auth=trust -E UTF8 --no-sync >"$WORK/initdb.log" 2>&1
as_pg "$PG_BIN/postgres" -D "$WORK/pg/data" -p "$PG_PORT" -k "$WORK/pg" -c listen_addresses=127.0.0.1 \
  -c max_connections=200 >"$WORK/postgres.log" 2>&1 &
PIDS+=($!)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no >"$WORK/redis.log" 2>&1 &
PIDS+=($!)
wait_port "$PG_PORT"; wait_port "$REDIS_PORT"

export DATABASE_URL="postgresql://postgres@127.0.0.1:$PG_PORT/postgres" REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
export SECRET_KEY=bench-secret-key-0123456789abcdef-0123 PORT=$API_PORT BIND_ADDRESS=127.0.0.1
export RESULT_CACHE_BYTES=${RESULT_CACHE_BYTES:-0} CACHE_TTL_SECONDS=${CACHE_TTL_SECONDS:-1}   # the engine runs
for knob in HTTP_THREADS WORKER_THREADS DB_POOL_SIZE WORKER_QUEUE_BYTES INFLIGHT_BODY_BYTES MAX_CONNECTIONS \
            WRITER_QUEUE_BYTES AUDIT_CPU_BUDGET_MS QUEUE_TIMEOUT_MS; do
  if [ -n "${!knob:-}" ]; then export "${knob?}"; fi
done
"$APIBIN" --log-format json --log-level error >"$WORK/api.log" 2>&1 &
API_PID=$!
PIDS+=($API_PID)
wait_port "$API_PORT"
for _ in $(seq 1 300); do
  curl -sf "http://127.0.0.1:$API_PORT/health/ready" >/dev/null && break
  sleep 0.1
done
TOKEN=$("$APIBIN" token --sub bench --ttl 86400)

# Request bodies: every worst input, as large as fits under the body limit once JSON-encoded.
mkdir -p "$WORK/bodies"
"$TOOL" --write-seeds "$WORK/bodies" --bytes "$BYTES" >/dev/null
python3 - "$WORK/bodies" "${BODY_LIMIT_BYTES:-2097152}" <<'PY'
import glob, json, os, sys
folder, limit = sys.argv[1], int(sys.argv[2]) - 256
for path in sorted(glob.glob(os.path.join(folder, "worst-*.html"))):
    html = open(path, encoding="utf-8", errors="replace").read()
    # html last, so that a request can be made unique by a comment at its end
    body = json.dumps({"options": {"maxFindings": 1000}, "html": html})
    while len(body) > limit:
        html = html[: int(len(html) * 0.95)]
        body = json.dumps({"options": {"maxFindings": 1000}, "html": html})
    open(path[:-5] + ".json", "w").write(body)
    os.remove(path)
PY
ls "$WORK"/bodies/*.json >"$WORK/bodies.txt"

cat >"$WORK/post.lua" <<LUA
-- Every request is formatted once, up front: building 2 MB strings per request in Lua would make wrk,
-- not the api, the bottleneck. The api runs with RESULT_CACHE_BYTES=0 and CACHE_TTL_SECONDS=1, so a
-- body seen a second ago is the only one answered from a cache.
local reqs = {}
for path in io.lines("$WORK/bodies.txt") do
  local f = io.open(path); local b = f:read("*a"); f:close()
  reqs[#reqs + 1] = wrk.format("POST", "/api/v1/audits",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer $TOKEN"}, b)
end
local n = 0
request = function()
  n = n + 1
  return reqs[(n % #reqs) + 1]
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d rps=%.1f p50_ms=%.1f p99_ms=%.1f connect_errors=%d read_errors=%d write_errors=%d timeouts=%d non2xx=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, e.connect, e.read, e.write, e.timeout, e.status))
end
LUA

rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$API_PID/status"; }
before=$(rss_kib)
peak_sample=$before
(
  while kill -0 "$API_PID" 2>/dev/null; do
    awk '/^VmRSS/ { print $2 }' "/proc/$API_PID/status" 2>/dev/null
    sleep 0.2
  done
) >"$WORK/rss.txt" &
SAMPLER=$!
PIDS+=($SAMPLER)
echo "== api: $CLIENTS connections posting $(wc -l <"$WORK/bodies.txt") worst inputs (~$BYTES bytes each) for $DURATION (wrk, loopback)"
wrk -t2 -c"$CLIENTS" -d"$DURATION" --timeout 30s -s "$WORK/post.lua" "http://127.0.0.1:$API_PORT/api/v1/audits" \
  >"$WORK/wrk.txt" 2>&1 || true
grep '^RESULT' "$WORK/wrk.txt" | sed 's/^RESULT /wrk: /' || true
grep -v '^RESULT' "$WORK/wrk.txt" | grep -i 'error\|socket' | head -5 || true
sleep 1
peak_sample=$(sort -n "$WORK/rss.txt" | tail -1)
hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$API_PID/status")
codes=$(curl -s "http://127.0.0.1:$API_PORT/metrics" | grep '^http_requests_total' | grep 'route="/api/v1/audits"\|route="overloaded"' |
        sed 's/.*code="\([0-9]*\)".*} \(.*\)/\1 \2/' | awk '{ c[$1] += $2 } END { for (k in c) printf "%s=%d ", k, c[k] }')
echo "answers by status (api metrics; the HTTP server's own 503s for the body budget and the connection cap are only in wrk's non2xx): $codes"
echo "api RSS before load: $((before / 1024)) MiB; peak during load: $((peak_sample / 1024)) MiB (VmRSS samples), VmHWM $((hwm / 1024)) MiB"
echo "api still healthy after the load: $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$API_PORT/health/live")"
echo "bound the README states for the defaults: about 1.4 GiB above the idle process (see 'Memory' under 'The app')"
echo "load average while measuring: $(cut -d' ' -f1-3 /proc/loadavg)"
