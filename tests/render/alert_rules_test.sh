#!/usr/bin/env bash
# Every alert rule the operator ships, unit-tested with `promtool test rules` (tests/render/alert_rules/),
# and every metric the rules of the operator's own Prometheus and the Grafana dashboard query is one that
# something exports: the real platform-api's /metrics (started here on loopback, no database needed for
# the exposition) or Prometheus' own `up`.
# Usage: alert_rules_test.sh /path/to/platform-operator /path/to/platform-api
set -euo pipefail
operator=$1
api_bin=$2
src=${PO_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
work=$(mktemp -d)
api_pid=""
cleanup() {
  [ -z "$api_pid" ] || { kill "$api_pid" 2>/dev/null || true; wait "$api_pid" 2>/dev/null || true; }
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

promtool="$(bash "$src/hack/tools.sh" path promtool)/promtool"
[ -x "$promtool" ] || { echo "SKIP: promtool is not built (hack/tools.sh promtool)"; exit 77; }

# The two rule sets: the operator's own Prometheus (alerts.yml) and the ServiceMonitor mode's PrometheusRule.
"$operator" render -f "$src/config/samples/platform.yaml" --config-dir "$work/cfg" > /dev/null || fail "render"
cp "$work/cfg/a11y-prometheus/alerts.yml" "$work/alerts.yml"
"$operator" render -f "$src/config/samples/platform.yaml" --monitoring-crds > "$work/sm.yaml" || fail "render --monitoring-crds"
python3 - "$work/sm.yaml" "$work/prometheusrule.yml" <<'PY' || fail "no PrometheusRule in the ServiceMonitor variant"
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
rules = [d for d in docs if d["kind"] == "PrometheusRule"]
assert len(rules) == 1, len(rules)
yaml.safe_dump({"groups": rules[0]["spec"]["groups"]}, open(sys.argv[2], "w"))
PY
cp "$src"/tests/render/alert_rules/*_test.yml "$work/"
(cd "$work" && "$promtool" test rules builtin_test.yml kube_prometheus_test.yml) || fail "promtool test rules failed"

# Every alert of both rule sets has a test that expects it to fire.
python3 - "$work" <<'PY' || fail "an alert rule has no promtool test that fires it"
import sys, yaml
work = sys.argv[1]
shipped = set()
for f in ("alerts.yml", "prometheusrule.yml"):
    for g in yaml.safe_load(open(f"{work}/{f}"))["groups"]:
        shipped |= {r["alert"] for r in g["rules"] if "alert" in r}
fired = set()
for f in ("builtin_test.yml", "kube_prometheus_test.yml"):
    for t in yaml.safe_load(open(f"{work}/{f}"))["tests"]:
        fired |= {a["alertname"] for a in t.get("alert_rule_test", []) if a.get("exp_alerts")}
missing = sorted(shipped - fired)
assert not missing, f"no firing test for {missing}"
assert not (fired - shipped), f"tests for alerts the operator no longer ships: {sorted(fired - shipped)}"
print(f"{len(shipped)} alerts, each with a promtool test that fires it: {', '.join(sorted(shipped))}")
PY

# What the api really exports: its /metrics exposition (the families are declared at start, so every
# name is there before any traffic). PostgreSQL and Redis are not needed for that: closed loopback ports.
api_port=$(free_port)
PORT=$api_port BIND_ADDRESS=127.0.0.1 HTTP_THREADS=1 DB_POOL_SIZE=1 \
  DATABASE_URL="postgresql://nobody@127.0.0.1:$(free_port)/none" REDIS_URL="redis://127.0.0.1:$(free_port)/0" \
  SECRET_KEY=$(openssl rand -hex 32) OPENAI_API_KEY='' GEMINI_API_KEY='' "$api_bin" > "$work/api.log" 2>&1 &
api_pid=$!
for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$api_port/health/live" > /dev/null 2>&1 && break; sleep 0.1; done
curl -fsS --max-time 10 "http://127.0.0.1:$api_port/metrics" > "$work/metrics.txt" || { cat "$work/api.log" >&2; fail "GET /metrics"; }

python3 - "$work" <<'PY' || fail "a rule or dashboard panel queries a metric nothing exports"
import json, re, sys, yaml
work = sys.argv[1]
types = dict(re.findall(r"^# TYPE (\S+) (\S+)$", open(f"{work}/metrics.txt").read(), re.M))
exported = {"up"}  # written by Prometheus for every target
for name, kind in types.items():
    exported.add(name)
    if kind == "histogram":
        exported |= {name + "_bucket", name + "_sum", name + "_count"}
for want in ("process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds",
             "process_start_time_seconds", "platform_api_build_info"):
    assert want in types, f"the api does not export {want}"
selector = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\{")
def metrics_of(expr):
    return set(selector.findall(expr))
bad = []
for g in yaml.safe_load(open(f"{work}/alerts.yml"))["groups"]:
    for r in g["rules"]:
        for m in metrics_of(r["expr"]) - exported:
            bad.append(f"alert {r['alert']}: {m}")
dash = json.load(open(f"{work}/cfg/a11y-grafana/platform-overview.json"))
shown = set()
for p in dash["panels"]:
    for t in p["targets"]:
        ms = metrics_of(t["expr"])
        if not ms:
            bad.append(f"panel {p['title']!r}: no metric in {t['expr']!r}")
        shown |= ms
        for m in ms - exported:
            bad.append(f"panel {p['title']!r}: {m}")
assert not bad, "not exported: " + "; ".join(bad)
# The seed's metrics are each on the dashboard: requests, latency, ML prediction time, AI agent response
# time, active users, assessment (audit) completion.
for seed in ("http_requests_total", "http_request_duration_seconds_bucket", "ml_prediction_duration_seconds_bucket",
             "ai_agent_response_seconds_bucket", "active_users", "audits_total"):
    assert seed in shown, f"the dashboard does not show {seed}"
print(f"{len(dash['panels'])} dashboard panels and the built-in alert rules query only exported metrics")
PY
echo "alert rules: ok"
