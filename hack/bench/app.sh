#!/usr/bin/env bash
# Load test of platform-api on loopback with wrk, against real PostgreSQL and Redis started here.
#
#   hack/bench/app.sh [BUILD_DIR]        (default: $PO_BUILD_DIR or ./build)
#   DURATION=30s CONNECTIONS=1000 THREADS=2 HTTP_THREADS= WORKER_THREADS= DB_POOL_SIZE= hack/bench/app.sh
#
# Runs, one after the other, each for DURATION with CONNECTIONS keep-alive connections:
#   1. GET /health
#   2. POST /api/v1/audits with one fixed ~20 KiB page (after the first request the result comes from the
#      Redis content-hash cache; every request still authenticates and inserts an audit row in PostgreSQL)
#   3. POST /api/v1/audits with the same page plus a per-request comment, so every request misses the cache
#      and runs the audit engine
# and prints requests/s, p50, p99 and error counts (socket errors and non-2xx answers) from wrk's own
# latency histogram. wrk, the server, PostgreSQL and Redis share the same cores, so the numbers are a
# lower bound for a machine where the load generator runs elsewhere. wrk is a closed loop (each connection
# sends its next request when the answer arrives), so the mean latency is CONNECTIONS / throughput:
# with 1,000 connections, a p99 under 50 ms would need well over 20,000 req/s; CONNECTIONS=100 shows the
# latency of the same throughput with a tenth of the requests queued.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-${PO_BUILD_DIR:-$ROOT/build}}
API=$BUILD/app/platform-api
DURATION=${DURATION:-30s}
CONNECTIONS=${CONNECTIONS:-1000}
THREADS=${THREADS:-2}
PG_BIN=/usr/lib/postgresql/15/bin

[ -x "$API" ] || { echo "app.sh: $API not built (ninja -C $BUILD platform-api)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "app.sh: wrk not installed (hack/install-deps.sh)" >&2; exit 2; }
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

WORK=$(mktemp -d /tmp/po-bench-app.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
as_pg() { if [ "$(id -u)" -eq 0 ]; then setpriv --reuid=postgres --regid=postgres --clear-groups -- "$@"; else "$@"; fi; }
wait_port() {
  for _ in $(seq 1 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "app.sh: nothing listens on port $1" >&2; return 1
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
export SECRET_KEY=bench-secret-key-0123456789abcdef PORT=$API_PORT BIND_ADDRESS=127.0.0.1
for knob in HTTP_THREADS WORKER_THREADS DB_POOL_SIZE; do if [ -n "${!knob:-}" ]; then export "${knob?}"; fi; done
"$API" --log-format json --log-level warn >"$WORK/api.log" 2>&1 &
PIDS+=($!)
wait_port "$API_PORT"
for _ in $(seq 1 300); do
  curl -sf "http://127.0.0.1:$API_PORT/health/ready" >/dev/null && break
  sleep 0.1
done
TOKEN=$("$API" token --sub bench --ttl 86400)

# A fixed page of ~20 KiB: navigation, articles with images and links, a form; some rules fail on it.
python3 - "$WORK/page.json" <<'PY'
import json, sys
parts = ['<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Bench page</title>'
         '<meta name="viewport" content="width=device-width, initial-scale=1"></head><body>'
         '<nav><ul>' + ''.join(f'<li><a href="/s{i}">Section {i}</a></li>' for i in range(20)) + '</ul></nav><main>']
i = 0
while sum(map(len, parts)) < 19500:
    parts.append(f'<article id="a{i}"><h2>Article {i}</h2><p style="color:#777;background:#fff">Lorem ipsum dolor sit amet, '
                 f'consectetur adipiscing elit {i}.</p><img src="/img/{i}.png" alt="{"IMG_20%02d.jpg" % (i % 100) if i % 3 == 0 else "Chart of results " + str(i)}">'
                 f'<a href="/more/{i}">{"click here" if i % 4 == 0 else "Read article " + str(i)}</a>'
                 f'<label for="f{i}">Field {i}</label><input id="f{i}" type="text"><button>{"" if i % 5 == 0 else "Send"}</button></article>')
    i += 1
parts.append('</main></body></html>')
html = ''.join(parts)
json.dump({"html": html}, open(sys.argv[1], 'w'))
print(f"page: {len(html)} bytes of HTML", file=sys.stderr)
PY

cat >"$WORK/report.lua" <<'LUA'
done = function(summary, latency, requests)
  local e = summary.errors
  local non2xx = e.status
  io.write(string.format("RESULT requests=%d duration_s=%.2f rps=%.1f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f " ..
    "connect_errors=%d read_errors=%d write_errors=%d timeouts=%d non2xx=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.connect, e.read, e.write, e.timeout, non2xx))
end
LUA
cat >"$WORK/post.lua" <<LUA
local f = io.open("$WORK/page.json"); local body = f:read("*a"); f:close()
wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $TOKEN"
LUA
cat "$WORK/report.lua" >>"$WORK/post.lua"
cat >"$WORK/post_unique.lua" <<LUA
local f = io.open("$WORK/page.json"); local base = f:read("*a"); f:close()
local prefix = base:sub(1, #base - 2)   -- without the closing "}
local n = 0
threads_started = 0
setup = function(thread) threads_started = threads_started + 1; thread:set("tid", threads_started) end
request = function()
  n = n + 1
  local body = prefix .. "<!-- " .. tostring(tid) .. "-" .. tostring(n) .. " -->\"}"
  return wrk.format("POST", "/api/v1/audits",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer $TOKEN"}, body)
end
LUA
cat "$WORK/report.lua" >>"$WORK/post_unique.lua"

bench() {  # name, wrk args...
  local name=$1; shift
  local out
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 10s "$@" 2>&1) || { echo "$out" >&2; return 1; }
  local line
  line=$(grep '^RESULT' <<<"$out" | sed 's/^RESULT //')
  printf '%-48s %s\n' "$name" "$line"
}

cpus=$(nproc)
echo "platform-api $("$API" --version | cut -d' ' -f2) on $cpus cores; wrk -t$THREADS -c$CONNECTIONS -d$DURATION on loopback;"
echo "PostgreSQL 15 and Redis $(redis-server --version | grep -o 'v=[0-9.]*' | cut -d= -f2) on the same machine; server HTTP_THREADS=${HTTP_THREADS:-default (cores)} WORKER_THREADS=${WORKER_THREADS:-default (DB_POOL_SIZE)} DB_POOL_SIZE=${DB_POOL_SIZE:-default (8)}"
bench "GET /health" -s "$WORK/report.lua" "http://127.0.0.1:$API_PORT/health"
bench "POST /api/v1/audits (same page, cache hits)" -s "$WORK/post.lua" "http://127.0.0.1:$API_PORT/api/v1/audits"
bench "POST /api/v1/audits (unique pages, engine runs)" -s "$WORK/post_unique.lua" "http://127.0.0.1:$API_PORT/api/v1/audits"

rows=$(psql "$DATABASE_URL" -Atc 'SELECT count(*) FROM audits' 2>/dev/null || echo "?")
echo "audits stored during the run: $rows"
curl -s "http://127.0.0.1:$API_PORT/metrics" | grep -E '^(ml_prediction_duration_seconds_count|audit_engine_duration_seconds_(sum|count)|cache_(hits|misses)_total|db_pool_connections)' || true
