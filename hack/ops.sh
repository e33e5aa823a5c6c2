#!/usr/bin/env bash
# Everyday commands for a running Platform (the Make targets `health-check`, `metrics`, `scale`).
#   hack/ops.sh health-check           every health endpoint through the gateway; exit 1 when one fails
#   hack/ops.sh metrics                key figures from the Platform's Prometheus (its HTTP API)
#   hack/ops.sh scale api=N [frontend=M]   patch the Platform's replica counts (the operator does the rest)
# Which Platform: PLATFORM (default local) in NAMESPACE (default a11y-local), as `make demo` creates it.
# KUBECONFIG defaults to the local cluster's. Services are reached at their ClusterIP when this machine
# routes to it (the local cluster's node is this host), else through `kubectl port-forward`.
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$top/hack/versions.sh"
PATH="$(tool_dir kubernetes "$KUBE_VERSION"):$PATH"; export PATH
export KUBECONFIG="${KUBECONFIG:-$PO_STATE/admin.kubeconfig}"
name=${PLATFORM:-local}
ns=${NAMESPACE:-a11y-local}
forwards=()
cleanup() { local p; for p in "${forwards[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
die() { echo "ops: $*" >&2; exit 1; }

# url_of <service> <port-name>: a base URL that reaches the Service from here.
url_of() {
  local svc=$1 port_name=$2 ip port
  ip=$(kubectl -n "$ns" get svc "$svc" -o jsonpath='{.spec.clusterIP}' 2>/dev/null) || die "no Service $ns/$svc (is Platform $ns/$name running?)"
  port=$(kubectl -n "$ns" get svc "$svc" -o jsonpath="{.spec.ports[?(@.name==\"$port_name\")].port}")
  [ -n "$port" ] || die "Service $ns/$svc has no port named $port_name"
  if curl -s -o /dev/null --max-time 2 "http://$ip:$port/"; then echo "http://$ip:$port"; return; fi
  local local_port; local_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  kubectl -n "$ns" port-forward "svc/$svc" "$local_port:$port" >/dev/null 2>&1 &
  forwards+=($!)
  for _ in $(seq 50); do curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$local_port/" && break; sleep 0.2; done
  echo "http://127.0.0.1:$local_port"
}

health_check() {
  local gw api failed=0 path code body verdict
  gw=$(url_of "$name-gateway" http)
  echo "health of $ns/$name through the gateway ($gw)"
  for path in /health /health/live /health/ready /health/database /health/redis /health/ml-models /health/ai-agents; do
    body=$(curl -sS --max-time 10 -w '\n%{http_code}' "$gw$path" 2>&1) || true
    code=${body##*$'\n'}; body=${body%$'\n'*}
    verdict=ok
    if [[ ! "$code" =~ ^2 ]]; then verdict=FAIL; failed=1
    elif [ "$path" = /health ] && [ "$(jq -r '.status' <<<"$body" 2>/dev/null)" != healthy ]; then verdict=FAIL; failed=1
    fi
    printf '  %-20s %s %-4s %s\n' "$path" "$code" "$verdict" "$(jq -c '{status} + (if .checks then {checks: (.checks | map_values(.status))} else {} end)' <<<"$body" 2>/dev/null || head -c 200 <<<"$body")"
  done
  # /metrics is not routed by the gateway (it answers 404 there on purpose): read from the api Service.
  api=$(url_of "$name-api" http)
  code=$(curl -s -o /dev/null --max-time 10 -w '%{http_code}' "$api/metrics") || true
  if [ "$code" = 200 ]; then verdict=ok; else verdict=FAIL; failed=1; fi
  printf '  %-20s %s %-4s %s\n' "/metrics (api)" "$code" "$verdict" "$api/metrics"
  if [ $failed != 0 ]; then echo "UNHEALTHY" >&2; return 1; fi
  echo "all healthy"
}

metrics() {
  local prom; prom=$(url_of "$name-prometheus" http)
  local sel="namespace=\"$ns\",job=\"$name-api\""
  q() {  # q <label> <promql> <printf format>
    local v; v=$(curl -fsS --max-time 10 --data-urlencode "query=$2" "$prom/api/v1/query" | jq -r '.data.result[0].value[1] // "no data"')
    if [ "$v" = "no data" ] || [ "$v" = NaN ]; then printf '  %-34s %s\n' "$1" "$v"; else printf "  %-34s $3\n" "$1" "$v"; fi
  }
  echo "key figures of $ns/$name (Prometheus $prom, last 5 minutes)"
  q "api requests/s" "sum(rate(http_requests_total{$sel}[5m]))" '%.2f'
  q "api 5xx ratio %" "100 * sum(rate(http_requests_total{$sel,code=~\"5..\"}[5m])) / sum(rate(http_requests_total{$sel}[5m]))" '%.2f'
  q "api p50 latency s" "histogram_quantile(0.5, sum by (le) (rate(http_request_duration_seconds_bucket{$sel}[5m])))" '%.4f'
  q "api p95 latency s" "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{$sel}[5m])))" '%.4f'
  q "audits completed per minute" "60 * sum(rate(audits_total{$sel}[5m]))" '%.1f'
  q "ML prediction p95 s" "histogram_quantile(0.95, sum by (le) (rate(ml_prediction_duration_seconds_bucket{$sel}[5m])))" '%.6f'
  q "AI agent response p95 s" "histogram_quantile(0.95, sum by (le) (rate(ai_agent_response_seconds_bucket{$sel}[5m])))" '%.3f'
  q "active users (this minute)" "max(active_users{$sel})" '%.0f'
  q "api replicas up" "sum(up{$sel})" '%.0f'
  q "api resident memory MiB (max)" "max(process_resident_memory_bytes{$sel}) / 1048576" '%.1f'
  q "scrape targets up / all" "sum(up{namespace=\"$ns\"}) / count(up{namespace=\"$ns\"})" '%.2f'
  local alerts; alerts=$(curl -fsS --max-time 10 "$prom/api/v1/alerts" | jq -r '[.data.alerts[] | select(.state == "firing") | .labels.alertname] | unique | join(", ")')
  printf '  %-34s %s\n' "alerts firing" "${alerts:-none}"
}

scale() {
  local patch='{"spec":{' sep="" arg component n
  [ $# -gt 0 ] || die "usage: hack/ops.sh scale api=N [frontend=M]"
  for arg in "$@"; do
    component=${arg%%=*}; n=${arg#*=}
    [ -n "$n" ] || continue  # `make scale api=4` passes an empty frontend=
    case "$component" in api|frontend) ;; *) die "scale: $component is not api or frontend" ;; esac
    [[ "$n" =~ ^[0-9]+$ ]] || die "scale: $component=$n is not a replica count"
    patch+="$sep\"$component\":{\"replicas\":$n}"; sep=,
  done
  [ -n "$sep" ] || die "usage: hack/ops.sh scale api=N [frontend=M]"
  patch+='}}'
  kubectl -n "$ns" patch platform "$name" --type merge -p "$patch"
  kubectl -n "$ns" get deploy -l "app.kubernetes.io/instance=$name" \
    -o custom-columns='DEPLOYMENT:.metadata.name,WANTED:.spec.replicas,READY:.status.readyReplicas'
}

case "${1:-}" in
  health-check) health_check ;;
  metrics) metrics ;;
  scale) shift; scale "$@" ;;
  *) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
