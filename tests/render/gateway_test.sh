#!/usr/bin/env bash
# The gateway as the operator renders it, run by the real nginx in front of the real platform-api (with
# real PostgreSQL and Redis), all on 127.0.0.1 ports chosen at run time:
#   per-client limits (the 101st api request and the 11th auth request within the budget get a JSON 429
#   with Retry-After; clients behind a trusted proxy are counted apart by X-Forwarded-For; two replicas
#   together allow the configured budget, not twice it), HTTPS with a test CA and HTTP redirected, the
#   security headers and gzip, CORS preflights answered for the configured origin and refused for others,
#   and POST /api/v1/auth/token through the gateway.
# Usage: gateway_test.sh /path/to/platform-operator /path/to/platform-api
# nginx.conf is changed only where loopback must differ from a pod: temp and TLS paths, listen ports and
# the api upstream's address. Every process is stopped (and waited for) on exit.
set -euo pipefail
operator=$1
api_bin=$2
src=${PO_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
pg_bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
for tool in nginx openssl redis-server python3 "$pg_bin/postgres"; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done

work=$(mktemp -d)
chmod 0711 "$work"  # the postgres and nobody users traverse it when run as root
pids=()
cleanup() {
  local pid i
  # Newest first: nginx and the api before the servers they use (PostgreSQL's TERM waits for its clients).
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    pid=${pids[i]}
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
  echo "FAIL: $*" >&2
  for log in "$work"/*.log; do [ -f "$log" ] && { echo "--- $log (tail)"; tail -20 "$log"; } >&2; done
  exit 1
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for() {
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.1
  done
}
# PostgreSQL refuses to run as root. setpriv execs the server, so $! is the server's own pid.
as_postgres=()
[ "$(id -u)" = 0 ] && as_postgres=(setpriv --reuid=postgres --regid=postgres --clear-groups --)

# --- PostgreSQL, Redis, platform-api -------------------------------------------------------------------
mkdir -p "$work/pg"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$work/pg"
"${as_postgres[@]}" "$pg_bin/initdb" -D "$work/pg/data" -U postgres --auth=trust -E UTF8 --no-sync --no-instructions \
  > "$work/initdb.log" 2>&1 || fail "initdb"
pg_port=$(free_port)
"${as_postgres[@]}" "$pg_bin/postgres" -D "$work/pg/data" -p "$pg_port" -k "$work/pg" -c listen_addresses=127.0.0.1 \
  -c fsync=off -c synchronous_commit=off > "$work/postgres.log" 2>&1 &
pids+=($!)
wait_for 60 "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$pg_port" -U postgres || fail "postgres did not start"

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" > "$work/redis.log" 2>&1 &
pids+=($!)
wait_for 30 redis-cli -h 127.0.0.1 -p "$redis_port" ping || fail "redis did not start"

# The api's clients, as the operator's <name>-api-clients Secret mounts them: one file per client.
mkdir -p "$work/clients"
users_secret=$(openssl rand -hex 24)
openssl rand -hex 24 > "$work/clients/frontend"
printf '%s\n' "$users_secret" > "$work/clients/users"
api_port=$(free_port)
PORT=$api_port BIND_ADDRESS=127.0.0.1 HTTP_THREADS=2 DB_POOL_SIZE=2 \
  DATABASE_URL="postgresql://postgres@127.0.0.1:$pg_port/postgres" REDIS_URL="redis://127.0.0.1:$redis_port/0" \
  SECRET_KEY=$(openssl rand -hex 32) AUTH_CLIENTS_DIR="$work/clients" AUTH_TOKEN_TTL_SECONDS=300 \
  OPENAI_API_KEY='' GEMINI_API_KEY='' "$api_bin" > "$work/platform-api.log" 2>&1 &
pids+=($!)
wait_for 60 curl -fsS "http://127.0.0.1:$api_port/health/ready" || fail "platform-api is not ready"

# --- a test CA and the gateway's certificate ----------------------------------------------------------
mkdir -p "$work/tls"
(
  cd "$work/tls"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 1 -subj "/CN=platform-operator test CA"
  openssl req -newkey rsa:2048 -nodes -keyout tls.key -out tls.csr -subj /CN=gateway.test
  printf 'subjectAltName=DNS:gateway.test,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > ext.cnf
  openssl x509 -req -in tls.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 -extfile ext.cnf -out tls.crt
) > "$work/openssl.log" 2>&1 || fail "openssl could not make the test certificates"

# --- the rendered gateway -----------------------------------------------------------------------------
# replicas: 1 for the exact per-client figures; a second rendering with replicas: 2 runs as two nginx.
platform() {
  cat <<EOF
apiVersion: platform.a11y.dev/v1alpha1
kind: Platform
metadata:
  name: gw
  namespace: test
spec:
  version: "1.0.0"
  frontend:
    enabled: false
  gateway:
    replicas: $1
    host: gateway.test
    tls:
      secretName: gw-tls
    trustedProxies: ["127.0.0.1/32"]
    cors:
      allowedOrigins: ["https://app.gateway.test"]
EOF
}
# start_gateway NAME REPLICAS: renders, rewrites for loopback, runs nginx; sets http_port and https_port.
start_gateway() {
  local name=$1 replicas=$2
  platform "$replicas" > "$work/$name.yaml"
  "$operator" render -f "$work/$name.yaml" --config-dir "$work/$name-cfg" > /dev/null || fail "render ($name)"
  local conf="$work/$name-cfg/gw-gateway/nginx.conf" run="$work/$name-run"
  mkdir -p "$run"
  [ "$(id -u)" = 0 ] && chown nobody "$run"  # the workers run as nobody when nginx starts as root
  http_port=$(free_port); https_port=$(free_port); local status_port; status_port=$(free_port)
  sed -e "s|/tmp/|$run/|g" \
      -e "s|/etc/nginx/tls/|$work/tls/|" \
      -e "s|listen 8080 |listen 127.0.0.1:$http_port |" \
      -e "s|listen 8443 ssl |listen 127.0.0.1:$https_port ssl |" \
      -e "s|listen 127.0.0.1:8081;|listen 127.0.0.1:$status_port;|" \
      -e "s|server gw-api.test.svc.cluster.local:8000;|server 127.0.0.1:$api_port;|" \
      "$conf" > "$run/nginx.conf"
  grep -q "server 127.0.0.1:$api_port;" "$run/nginx.conf" || fail "the rendered nginx.conf changed shape (no api upstream)"
  nginx -t -q -e stderr -p "$run" -c "$run/nginx.conf" || fail "nginx -t rejected the rendered nginx.conf ($name)"
  nginx -e stderr -p "$run" -c "$run/nginx.conf" -g 'daemon off;' > "$work/nginx-$name.log" 2>&1 &
  pids+=($!)
  wait_for 30 curl -fsS "http://127.0.0.1:$http_port/healthz" || fail "nginx ($name) did not answer /healthz"
}

start_gateway one 1
one_http=$http_port; one_https=$https_port
start_gateway a 2
a_https=$https_port
start_gateway b 2
b_https=$https_port

python3 - "$work/tls/ca.crt" "$one_http" "$one_https" "$a_https" "$b_https" "$users_secret" <<'PY' || fail "gateway checks"
import gzip, http.client, json, ssl, sys, time

ca, one_http, one_https, a_https, b_https, users_secret = sys.argv[1:]
ctx = ssl.create_default_context(cafile=ca)
failures = []

def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)

def conn(port, tls=True):
    if tls:
        return http.client.HTTPSConnection("127.0.0.1", int(port), context=ctx, timeout=20)
    return http.client.HTTPConnection("127.0.0.1", int(port), timeout=20)

def req(c, method, path, headers=None, body=None):
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()

def token_form(secret):
    return "grant_type=client_credentials&client_id=users&client_secret=" + secret

FORM = {"Content-Type": "application/x-www-form-urlencoded"}

# TLS: the test CA verifies the gateway's certificate; without it the handshake fails.
try:
    http.client.HTTPSConnection("127.0.0.1", int(one_https), context=ssl.create_default_context(), timeout=10).request("GET", "/healthz")
    check(False, "a client without the test CA refuses the certificate")
except ssl.SSLError:
    check(True, "a client without the test CA refuses the certificate")

c = conn(one_https)
# POST /api/v1/auth/token through the gateway, then the token on the api.
st, h, body = req(c, "POST", "/api/v1/auth/token", {**FORM, "X-Forwarded-For": "203.0.113.5"}, token_form(users_secret))
check(st == 200, f"token endpoint through the gateway: {st}")
tok = json.loads(body)
check(tok.get("token_type") == "Bearer" and tok.get("expires_in") == 300, f"token answer {tok.get('token_type')} {tok.get('expires_in')}")
check(h.get("cache-control") == "no-store", "token answer is not cached")
auth = {"Authorization": "Bearer " + tok["access_token"]}
st, h, body = req(c, "GET", "/api/v1/audits", {**auth, "X-Forwarded-For": "203.0.113.5"})
check(st == 200 and "items" in json.loads(body), f"the issued token works through the gateway: {st}")
st, h, body = req(c, "POST", "/api/v1/auth/token", {**FORM, "X-Forwarded-For": "203.0.113.6"}, token_form("wrong-" + users_secret))
check(st == 401 and json.loads(body)["error"]["code"] == "invalid_client", f"a wrong client secret: {st} {body[:80]!r}")

# Security headers over HTTPS (HSTS included), and gzip.
st, h, body = req(c, "GET", "/api/v1/rules", {**auth, "X-Forwarded-For": "203.0.113.5", "Accept-Encoding": "gzip"})
check(st == 200, f"GET /api/v1/rules: {st}")
for name, want in [("x-content-type-options", "nosniff"), ("x-frame-options", "DENY"),
                   ("referrer-policy", "strict-origin-when-cross-origin"),
                   ("strict-transport-security", "max-age=31536000; includeSubDomains")]:
    check(h.get(name) == want, f"HTTPS {name}: {h.get(name)!r}")
check("default-src 'self'" in h.get("content-security-policy", ""), "HTTPS Content-Security-Policy present")
check(h.get("content-encoding") == "gzip", f"gzip: Content-Encoding {h.get('content-encoding')!r}")
plain = gzip.decompress(body)
check(len(plain) > len(body) and "rules" in json.loads(plain), f"gzip body {len(body)} B inflates to {len(plain)} B of JSON")

# HTTP: redirected to HTTPS (health checks excepted), and no HSTS on plain HTTP.
p = conn(one_http, tls=False)
st, h, _ = req(p, "GET", "/api/v1/rules?x=1", {"Host": "gateway.test"})
check(st == 301 and h.get("location") == "https://gateway.test/api/v1/rules?x=1", f"HTTP redirect: {st} {h.get('location')!r}")
check("strict-transport-security" not in h, "no HSTS over plain HTTP")
check(h.get("x-content-type-options") == "nosniff", "plain HTTP still has the other security headers")
st, h, _ = req(p, "GET", "/healthz")
check(st == 200, f"HTTP /healthz is not redirected: {st}")

# CORS: the configured origin's preflight is answered, another origin's is refused.
pre = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization, content-type"}
st, h, _ = req(c, "OPTIONS", "/api/v1/audits", {**pre, "Origin": "https://app.gateway.test"})
check(st == 204 and h.get("access-control-allow-origin") == "https://app.gateway.test"
      and "POST" in h.get("access-control-allow-methods", "") and "Authorization" in h.get("access-control-allow-headers", ""),
      f"preflight from the allowed origin: {st} {h.get('access-control-allow-origin')!r}")
st, h, body = req(c, "OPTIONS", "/api/v1/audits", {**pre, "Origin": "https://evil.example"})
check(st == 403 and "access-control-allow-origin" not in h and json.loads(body)["error"]["code"] == "cors_origin_not_allowed",
      f"preflight from another origin refused: {st} {h.get('access-control-allow-origin')!r}")
st, h, _ = req(c, "GET", "/api/v1/rules", {**auth, "Origin": "https://app.gateway.test", "X-Forwarded-For": "203.0.113.5"})
check(st == 200 and h.get("access-control-allow-origin") == "https://app.gateway.test", "the allowed origin's request carries ACAO")
st, h, _ = req(c, "GET", "/api/v1/rules", {**auth, "Origin": "https://evil.example", "X-Forwarded-For": "203.0.113.5"})
check(st == 200 and "access-control-allow-origin" not in h, "another origin's request carries no ACAO")

def burst(conns, n, path, headers, method="GET", body=None):
    """n requests as fast as one client can, round-robin over conns; returns (statuses, last 429, elapsed)."""
    statuses, limited = [], None
    t0 = time.monotonic()
    for i in range(n):
        st, h, b = req(conns[i % len(conns)], method, path, headers, body)
        statuses.append(st)
        if st == 429 and limited is None:
            limited = (h, b)
    return statuses, limited, time.monotonic() - t0

def check_429(limited, retry_after, what):
    check(limited is not None, f"{what}: got a 429")
    if limited is None:
        return
    h, b = limited
    err = json.loads(b).get("error", {})
    check(h.get("content-type", "").startswith("application/json") and err.get("code") == "rate_limited" and err.get("requestId"),
          f"{what}: the 429 is JSON {b[:90]!r}")
    check(h.get("retry-after") == retry_after, f"{what}: Retry-After {h.get('retry-after')!r} (want {retry_after})")
    check(h.get("x-content-type-options") == "nosniff" and "strict-transport-security" in h, f"{what}: the 429 has the security headers")

# API: 100 per minute per client. Each request is a fresh limit_req slot every 0.6 s, so the figures
# allow for the time the burst took; the first 100 always pass.
A = {**auth, "X-Forwarded-For": "203.0.113.10"}
statuses, limited, took = burst([c], 120, "/api/v1/rules", A)
passed = statuses.count(200)
first = statuses.index(429) + 1 if 429 in statuses else None
print(f"     api burst: 120 requests in {took:.2f} s, {passed} passed, first 429 at request #{first}")
check(statuses[:100] == [200] * 100, "api: the first 100 requests of a client pass")
check(passed <= 100 + int(took / 0.6) + 1, f"api: at most 100 + one per 0.6 s pass ({passed})")
if took < 0.6:
    check(statuses[100] == 429, "api: the 101st request within the budget gets 429")
check_429(limited, "1", "api")
# Prepending addresses does not escape: the client is the rightmost address a trusted proxy did not add.
st, _, _ = req(c, "GET", "/api/v1/rules", {**auth, "X-Forwarded-For": "198.51.100.77, 203.0.113.10"})
check(st == 429, f"a spoofed address left of the real one does not reset the count: {st}")
# Another client behind the same trusted proxy has its own budget.
st, _, _ = req(c, "GET", "/api/v1/rules", {**auth, "X-Forwarded-For": "203.0.113.20"})
check(st == 200, f"a second client (another X-Forwarded-For) is counted separately: {st}")

# Auth: 10 per minute per client, Retry-After 6 s (one replica).
D = {**FORM, "X-Forwarded-For": "203.0.113.30"}
statuses, limited, took = burst([c], 11, "/api/v1/auth/token", D, "POST", token_form(users_secret))
print(f"     auth burst: 11 requests in {took:.2f} s: {statuses}")
check(statuses[:10] == [200] * 10, "auth: the first 10 token requests of a client pass")
if took < 6:
    check(statuses[10] == 429, "auth: the 11th token request gets 429")
check_429(limited, "6", "auth")
st, _, _ = req(c, "POST", "/api/v1/auth/token", {**FORM, "X-Forwarded-For": "203.0.113.31"}, token_form(users_secret))
check(st == 200, f"auth: another client still gets tokens: {st}")

# Two replicas (rendered with replicas: 2): one client alternating between them gets the configured 100,
# not 200 - each replica allows 50 and refills one per 1.2 s.
ca_, cb_ = conn(a_https), conn(b_https)
statuses, limited, took = burst([ca_, cb_], 150, "/api/v1/rules", {**auth, "X-Forwarded-For": "203.0.113.40"})
passed = statuses.count(200)
print(f"     two replicas: 150 requests in {took:.2f} s, {passed} passed")
check(statuses[:100] == [200] * 100, "two replicas: the first 100 requests pass")
check(passed <= 100 + 2 * (int(took / 1.2) + 1), f"two replicas together allow ~100, not 200 ({passed})")
check_429(limited, "2", "two replicas")

if failures:
    print(f"{len(failures)} check(s) failed", file=sys.stderr)
    sys.exit(1)
PY
echo "gateway: ok"
