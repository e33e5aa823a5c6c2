#!/usr/bin/env bash
# node tier: monitoring that fires, on real pods. With the local sample Platform on the real node (its
# own Alertmanager on, alerts.forSeconds 20 so that a test need not wait each alert's production pending
# time) and the operator in cluster from its image:
#   - `make health-check` (hack/ops.sh) passes: every health endpoint through the gateway;
#   - Prometheus has the api's process_* and build-info series (scraped from the real server);
#   - fault injection (spec.api.env FAULT_ERROR_PERCENT / FAULT_DELAY_MS) makes PlatformHighErrorRate and
#     PlatformHighLatency fire in Prometheus' /api/v1/alerts, and both arrive at the Alertmanager;
#   - `make scale api=0` makes PlatformApiDown (service down) fire and arrive; `make scale api=1` brings
#     the api back and `make health-check` passes again; `make metrics` prints its figures.
# PO_LOCAL_TAG picks the tag of this repository's images (hack/images.sh), default dev.
E2E_NAME=node-monitoring
. "$(dirname "${BASH_SOURCE[0]}")/node_lib.sh"

load_pids=()
stop_load() { local p; for p in "${load_pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; load_pids=(); }
node_cleanup_first() { stop_load; }
node_operator_setup mon

e2e_log "apply the local sample in $ns: Alertmanager on, alerts.forSeconds 20, no frontend"
python3 "$PO_SOURCE_DIR/tests/node/lean_platform.py" --monitoring "$ns" "$tag" \
  '{"spec": {"monitoring": {"alertmanager": {"enabled": true}, "alerts": {"forSeconds": 20}}}}' | kubectl apply -f - >/dev/null
wait_platform_ready "$ns" "$name" 420 || fail "the Platform did not become Ready on the real node"

ops() { PLATFORM=$name NAMESPACE=$ns bash "$PO_SOURCE_DIR/hack/ops.sh" "$@"; }
e2e_log "make health-check"
ops health-check || fail "health-check failed on a Ready Platform"

prometheus=$(service_url "$ns" "$name-prometheus" http)
alertmanager=$(service_url "$ns" "$name-alertmanager" http)
query() { curl -fsS --max-time 5 --data-urlencode "query=$1" "$prometheus/api/v1/query" | jq -r '.data.result | length'; }
has_series() { [ "$(query "$1")" -gt 0 ]; }
poll 120 "the api's process_* and build-info series in Prometheus" bash -c "
  for q in 'process_resident_memory_bytes{namespace=\"$ns\",job=\"$name-api\"} > 0' \
           'process_start_time_seconds{namespace=\"$ns\",job=\"$name-api\"} > 1.6e9' \
           'rate(process_cpu_seconds_total{namespace=\"$ns\",job=\"$name-api\"}[1m]) >= 0' \
           'process_open_fds{namespace=\"$ns\",job=\"$name-api\"} > 0' \
           'platform_api_build_info{namespace=\"$ns\",job=\"$name-api\"} == 1'; do
    [ \"\$(curl -fsS --max-time 5 --data-urlencode \"query=\$q\" '$prometheus/api/v1/query' | jq -r '.data.result | length')\" -gt 0 ] || exit 1
  done"
e2e_log "the api's process_* and platform_api_build_info series are scraped"

firing_in_prometheus() { curl -fsS --max-time 5 "$prometheus/api/v1/alerts" | jq -e --arg a "$1" '[.data.alerts[] | select(.labels.alertname == $a and .state == "firing")] | length > 0' >/dev/null; }
at_alertmanager() { curl -fsS --max-time 5 "$alertmanager/api/v2/alerts?active=true" | jq -e --arg a "$1" --arg ns "$ns" '[.[] | select(.labels.alertname == $a and .labels.platform_namespace == $ns)] | length > 0' >/dev/null; }
export -f firing_in_prometheus at_alertmanager
export prometheus alertmanager ns

# Before any fault: start-up (readiness answering 503 until the schema is migrated) is no API error.
errors_before=$(curl -fsS --max-time 5 "$prometheus/api/v1/alerts" | jq '[.data.alerts[] | select(.labels.alertname == "PlatformHighErrorRate" or .labels.alertname == "PlatformHighLatency")] | length')
[ "$errors_before" = 0 ] || fail "error-rate or latency alerts are pending or firing before any fault: $(curl -fsS "$prometheus/api/v1/alerts" | jq -c '.data.alerts')"
e2e_log "turn fault injection on: 50 % of /api/v1/ requests fail, 50 % are delayed 2.5 s"
kubectl -n "$ns" patch platform "$name" --type merge -p \
  '{"spec":{"api":{"env":[{"name":"FAULT_ERROR_PERCENT","value":"50"},{"name":"FAULT_DELAY_MS","value":"2500"},{"name":"FAULT_DELAY_PERCENT","value":"50"}]}}}' >/dev/null
poll 60 "the api Deployment's template with FAULT_ERROR_PERCENT" bash -c \
  "kubectl -n '$ns' get deploy '$name-api' -o jsonpath='{.spec.template.spec.containers[0].env[*].name}' | grep -qw FAULT_ERROR_PERCENT"
kubectl -n "$ns" rollout status deploy/"$name-api" --timeout=240s >/dev/null || fail "the api did not roll out with the fault switch"
gateway=$(service_url "$ns" "$name-gateway" http)
token=$(mint_token "$ns" "$name" monitoring-test)
# Steady light load through the gateway, below its per-client limit (100/min).
( end=$((SECONDS + 300)); while [ $SECONDS -lt $end ]; do
    curl -s -o /dev/null --max-time 10 -H "Authorization: Bearer $token" "$gateway/api/v1/rules"; sleep 0.8
  done ) &
load_pids+=($!)
poll 60 "a fault_injected answer through the gateway" bash -c \
  "curl -s --max-time 10 -H 'Authorization: Bearer $token' '$gateway/api/v1/models' | jq -e '.error.code == \"fault_injected\"'"
for a in PlatformHighErrorRate PlatformHighLatency; do
  poll 240 "$a firing in Prometheus" firing_in_prometheus "$a"
  e2e_log "$a is firing in Prometheus"
  poll 90 "$a at the Alertmanager" at_alertmanager "$a"
  e2e_log "$a arrived at the Alertmanager"
done
stop_load

e2e_log "fault injection off; make scale api=0: the service is down"
kubectl -n "$ns" patch platform "$name" --type merge -p '{"spec":{"api":{"env":[]}}}' >/dev/null
ops scale api=0 >/dev/null || fail "hack/ops.sh scale api=0 failed"
poll 120 "no api pod left" bash -c "[ -z \"\$(kubectl -n '$ns' get pods -l app.kubernetes.io/name=platform-api -o name)\" ]"
poll 180 "PlatformApiDown firing in Prometheus" firing_in_prometheus PlatformApiDown
e2e_log "PlatformApiDown is firing in Prometheus"
poll 90 "PlatformApiDown at the Alertmanager" at_alertmanager PlatformApiDown
e2e_log "PlatformApiDown arrived at the Alertmanager"

e2e_log "make scale api=1: back up"
ops scale api=1 >/dev/null || fail "hack/ops.sh scale api=1 failed"
wait_platform_ready "$ns" "$name" 240 || fail "the Platform did not become Ready after scaling the api back"
poll 60 "make health-check passing again" bash -c "PLATFORM=$name NAMESPACE=$ns bash '$PO_SOURCE_DIR/hack/ops.sh' health-check"
ops metrics || fail "make metrics failed"
e2e_log "PASS: health through the gateway; process_* scraped; error-rate, latency and service-down alerts fired and reached the Alertmanager"
