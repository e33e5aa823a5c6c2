#!/usr/bin/env bash
# Renders config/samples/platform.yaml and checks the generated configs with the real programs.
# Usage: render_configs_test.sh cli|nginx|redis|prometheus /path/to/platform-operator
# The configs are changed only where a test on loopback must differ from a pod: paths (temp files,
# TLS files), listen ports, upstream addresses and the bind address. Semantics stay as rendered.
set -euo pipefail
check=$1
operator=$2
src=${PO_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# Polls a command until it succeeds or the deadline (seconds) passes.
wait_for() {
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.1
  done
}

render_sample() {
  "$operator" render -f "$src/config/samples/platform.yaml" --config-dir "$work/cfg" > "$work/all.yaml" ||
    fail "render of the full sample failed"
}

case "$check" in
cli)
  render_sample
  # Every document is valid YAML with apiVersion/kind/metadata.name, and no Secret is ever printed.
  python3 - "$work/all.yaml" <<'PY' || fail "rendered stream is not a valid manifest stream"
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d is not None]
assert len(docs) > 20, len(docs)
for d in docs:
    assert d["apiVersion"] and d["kind"] and d["metadata"]["name"], d
    assert d["kind"] != "Secret", "a Secret was rendered"
kinds = {d["kind"] for d in docs}
for k in ["Deployment", "StatefulSet", "Service", "ConfigMap", "CronJob", "NetworkPolicy", "PodDisruptionBudget",
          "HorizontalPodAutoscaler", "Ingress", "PersistentVolumeClaim"]:
    assert k in kinds, k
print(f"{len(docs)} manifests, kinds: {sorted(kinds)}")
PY
  "$operator" render -f "$src/config/samples/platform-minimal.yaml" > "$work/minimal.yaml" || fail "minimal sample did not render"
  # An invalid file fails with exit code 1 and names the field.
  if "$operator" render -f "$src/tests/fixtures/invalid/autoscaling-min-above-max.yaml" > "$work/out" 2> "$work/err"; then
    fail "invalid Platform rendered"
  fi
  grep -q "spec.api.autoscaling.minReplicas: minReplicas must be less than or equal to maxReplicas" "$work/err" ||
    fail "error does not name the field: $(cat "$work/err")"
  [ ! -s "$work/out" ] || fail "an invalid Platform printed manifests"
  # Broken YAML is a clear error, not a crash.
  printf 'apiVersion: platform.a11y.dev/v1alpha1\nkind: Platform\nspec: [unclosed\n' > "$work/broken.yaml"
  set +e; "$operator" render -f "$work/broken.yaml" > /dev/null 2> "$work/err"; rc=$?; set -e
  [ $rc -eq 1 ] || fail "broken YAML: exit code $rc, want 1"
  grep -q "YAML error at line" "$work/err" || fail "broken YAML error unclear: $(cat "$work/err")"
  set +e; "$operator" render -f "$work/missing.yaml" > /dev/null 2>&1; rc=$?; set -e
  [ $rc -eq 1 ] || fail "missing file: exit code $rc, want 1"
  echo "render cli: ok"
  ;;

nginx)
  command -v nginx >/dev/null || { echo "SKIP: nginx is not installed"; exit 77; }
  render_sample
  conf="$work/cfg/a11y-gateway/nginx.conf"
  # The sample runs two gateway replicas: each allows half of the per-client budget.
  grep -q 'zone=api:10m rate=50r/m' "$conf" || fail "api rate limit zone missing"
  grep -q 'zone=auth:10m rate=5r/m' "$conf" || fail "auth rate limit zone missing"
  mkdir -p "$work/run" "$work/tls"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/tls/tls.key" -out "$work/tls/tls.crt" -days 1 \
    -subj /CN=a11y.example.com 2>/dev/null
  http=$(free_port); https=$(free_port); status=$(free_port)
  sed -e "s|/tmp/|$work/run/|g" \
      -e "s|/etc/nginx/tls/|$work/tls/|" \
      -e "s|listen 8080 |listen 127.0.0.1:$http |" \
      -e "s|listen 8443 ssl |listen 127.0.0.1:$https ssl |" \
      -e "s|listen 127.0.0.1:8081;|listen 127.0.0.1:$status;|" \
      -e "s|server [a-z0-9.-]*\.svc\.cluster\.local:\([0-9]*\);|server 127.0.0.1:1;|" \
      "$conf" > "$work/nginx.conf"
  nginx -t -e stderr -p "$work" -c "$work/nginx.conf" || fail "nginx -t rejected the rendered nginx.conf"
  # Run it: health, security headers, the HTTPS redirect, TLS, and 429 once the auth limit is used up.
  nginx -e stderr -p "$work" -c "$work/nginx.conf" -g 'daemon off;' > "$work/nginx.log" 2>&1 &
  pids+=($!)
  wait_for 30 curl -fsS "http://127.0.0.1:$http/healthz" || fail "nginx did not answer /healthz: $(cat "$work/nginx.log")"
  curl -sSI "https://127.0.0.1:$https/healthz" -k > "$work/headers" || fail "no TLS answer"
  grep -qi '^x-content-type-options: nosniff' "$work/headers" || fail "security header missing"
  grep -qi '^strict-transport-security:' "$work/headers" || fail "HSTS missing with TLS"
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$http/api/v1/audits")
  [ "$code" = 301 ] || fail "plain HTTP was not redirected to HTTPS (got $code)"
  codes=()
  for _ in $(seq 1 20); do
    codes+=("$(curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$https/api/v1/auth/login")")
  done
  [ "${codes[0]}" != 429 ] || fail "the first auth request was rate limited"
  limited=0; for c in "${codes[@]}"; do [ "$c" = 429 ] && limited=$((limited + 1)); done
  # 5 r/min per replica with burst 4: of 20 quick requests 5 pass, plus one per 12 s the loop takes.
  [ $limited -ge 12 ] || fail "auth rate limit: only $limited of 20 requests got 429 (${codes[*]})"
  echo "nginx: ok (auth codes: ${codes[*]})"
  ;;

redis)
  command -v redis-server >/dev/null || { echo "SKIP: redis-server is not installed"; exit 77; }
  render_sample
  conf="$work/cfg/a11y-redis/redis.conf"
  grep -qx 'appendonly yes' "$conf" || fail "appendonly yes missing"
  grep -qx 'save 900 1' "$conf" || fail "save rules missing"
  port=$(free_port)
  mkdir -p "$work/data"
  sed -e "s|^port .*|port $port|" -e "s|^dir .*|dir $work/data|" -e "s|^bind .*|bind 127.0.0.1|" "$conf" > "$work/redis.conf"
  # The password arrives the way the pod passes it: --requirepass on the command line.
  redis-server "$work/redis.conf" --requirepass test-password > "$work/redis.log" 2>&1 &
  pids+=($!)
  export REDISCLI_AUTH=test-password
  wait_for 30 sh -c "redis-cli -h 127.0.0.1 -p $port ping | grep -qx PONG" || fail "redis did not start: $(cat "$work/redis.log")"
  [ "$(redis-cli -h 127.0.0.1 -p "$port" config get appendonly | tail -1)" = yes ] || fail "appendonly is not on"
  [ "$(redis-cli -h 127.0.0.1 -p "$port" config get maxmemory-policy | tail -1)" = allkeys-lru ] || fail "eviction policy"
  unset REDISCLI_AUTH
  redis-cli -h 127.0.0.1 -p "$port" ping 2>&1 | grep -q NOAUTH || fail "redis accepted a client without the password"
  echo "redis: ok"
  ;;

prometheus)
  promtool_dir=$(bash "$src/hack/tools.sh" path promtool)
  promtool="$promtool_dir/promtool"
  [ -x "$promtool" ] || { echo "SKIP: promtool is not built (hack/tools.sh promtool)"; exit 77; }
  render_sample
  dir="$work/cfg/a11y-prometheus"
  sed "s|/etc/prometheus/alerts.yml|$dir/alerts.yml|" "$dir/prometheus.yml" > "$work/prometheus.yml"
  "$promtool" check config "$work/prometheus.yml" || fail "promtool rejected prometheus.yml"
  "$promtool" check rules "$dir/alerts.yml" || fail "promtool rejected the alert rules"
  for alert in PlatformHighErrorRate PlatformHighLatency PlatformApiCpuHigh PlatformApiMemoryHigh \
               PlatformTargetDown PlatformApiDown; do
    grep -q "alert: $alert" "$dir/alerts.yml" || fail "alert $alert missing"
  done
  # Rules over cAdvisor and kube-state-metrics series only where a kube-prometheus stack provides them.
  for alert in PlatformContainerCpuHigh PlatformContainerMemoryHigh PlatformRolloutStuck; do
    if grep -q "alert: $alert" "$dir/alerts.yml"; then fail "alert $alert in the built-in rules: nothing it scrapes exports its series"; fi
  done
  # The prometheus-operator variant carries the same rules inside a PrometheusRule.
  "$operator" render -f "$src/config/samples/platform.yaml" --monitoring-crds > "$work/sm.yaml"
  python3 - "$work/sm.yaml" "$work/rule.yml" <<'PY' || fail "no PrometheusRule in the ServiceMonitor variant"
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
rules = [d for d in docs if d["kind"] == "PrometheusRule"]
assert len(rules) == 1 and any(d["kind"] == "ServiceMonitor" for d in docs)
assert not any(d["kind"] == "Deployment" and d["metadata"]["name"].endswith("-prometheus") for d in docs)
yaml.safe_dump({"groups": rules[0]["spec"]["groups"]}, open(sys.argv[2], "w"))
PY
  "$promtool" check rules "$work/rule.yml" || fail "promtool rejected the PrometheusRule's groups"
  # Grafana's dashboard is JSON and uses the app's metrics.
  python3 - "$work/cfg/a11y-grafana/platform-overview.json" <<'PY' || fail "dashboard"
import json, sys
d = json.load(open(sys.argv[1]))
exprs = " ".join(t["expr"] for p in d["panels"] for t in p["targets"])
for m in ["http_requests_total", "http_request_duration_seconds", "ml_prediction_duration_seconds", "audits_total"]:
    assert m in exprs, m
PY
  echo "prometheus: ok"
  ;;
*)
  echo "unknown check $check" >&2; exit 2 ;;
esac
