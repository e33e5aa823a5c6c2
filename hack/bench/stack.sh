#!/usr/bin/env bash
# The stack's figures on the real node, through the gateway Service (issue 12). Prints, with the method:
#   - audit requests/s and p50/p95/p99 latency for a cached page (the same body every time) and for unique
#     pages (a marker per request, so no cache answers), at 100 and 1,000 connections (wrk, loopback to
#     the gateway's ClusterIP on this host's bridge);
#   - ML prediction and AI agent latency as the api measures them (its histograms, read from Prometheus);
#   - the error rate during a rolling update of the api under steady load.
# Each load figure is the median of RUNS runs (default 3) of DURATION seconds (default 15). The Platform is
# config/samples/platform-local.yaml in a fresh namespace with the frontend off and the gateway's per-client
# limit raised (wrk is one client), the operator installed namespaced by the chart. Needs the local cluster
# with its real node up (hack/cluster.sh up) and the images imported (hack/images.sh stack SOCKET, or with
# PO_LOCAL_TAG set, `one SOCKET platform-api` and `one SOCKET platform-operator`).
# The machine's load average is printed with each section (the figures move with it on a shared machine).
# Usage: hack/bench/stack.sh        (RUNS=3 DURATION=15 API_REPLICAS=1 PO_LOCAL_TAG=dev PO_NODE_NS_PREFIX=)
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$top"
. hack/versions.sh
RUNS=${RUNS:-3} DURATION=${DURATION:-15} API_REPLICAS=${API_REPLICAS:-1} tag=${PO_LOCAL_TAG:-dev}
KUBECONFIG=$(bash hack/cluster.sh kubeconfig); export KUBECONFIG
PATH="$(tool_dir kubernetes "$KUBE_VERSION"):$(tool_dir helm "$HELM_VERSION"):$PATH"; export PATH
. hack/lib/stack.sh
stack_say() { :; }
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
[ ! -f "$PO_STATE/node.unavailable" ] || { echo "no real node: $(cat "$PO_STATE/node.unavailable")"; exit 1; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
field() { sed -n "s/.*\b$1=\([0-9.]*\).*/\1/p"; }

ns=${PO_NODE_NS_PREFIX:-}bench-stack-$$ op_ns=$ns-system release=$ns name=local
loadavg() { printf 'load average %s' "$(cut -d' ' -f1-3 /proc/loadavg)"; }
work=$(mktemp -d)
cleanup() {
  kubectl -n "$ns" delete platforms --all --wait=true --timeout=120s >/dev/null 2>&1 || true
  helm uninstall "$release" -n "$op_ns" --wait --timeout 60s >/dev/null 2>&1 || true
  kubectl delete namespace "$ns" "$op_ns" --wait=false >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== set-up: operator (chart, namespaced, image tag $tag) and the local Platform in $ns"
kubectl create namespace "$ns" >/dev/null
helm install "$release" charts/platform-operator -n "$op_ns" --create-namespace --take-ownership \
  -f config/local/operator-values.yaml --set image.tag="$tag" --set watchNamespaces="{$ns}" --wait --timeout 3m >/dev/null
# The lean local sample with monitoring (tests/node/lean_platform.py: small CPU requests, the real node's
# 2 CPUs are shared), the gateway's limits out of the way.
python3 tests/node/lean_platform.py --monitoring "$ns" "$tag" \
  "{\"spec\": {\"api\": {\"replicas\": $API_REPLICAS}, \"gateway\": {\"rateLimits\": {\"apiPerMinute\": 1000000, \"authPerMinute\": 1000000}}}}" \
  | kubectl apply -f - >/dev/null
wait_platform_ready "$ns" "$name" 600 || { echo "the Platform did not become Ready"; exit 1; }
gateway=$(service_url "$ns" "$name-gateway" http)
prometheus=$(service_url "$ns" "$name-prometheus" http)
TOKEN=$(mint_token "$ns" "$name" bench 7200); export TOKEN
sample_page | sed 's|<h1>Welcome</h1>|<h1>Welcome</h1><p>page @@MARK@@</p>|' | jq -Rs '{html: ., url: "https://shop.example/"}' > "$work/body.json"
export BODY_FILE="$work/body.json"
curl -fsS -o /dev/null -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' --data-binary @"$work/body.json" "$gateway/api/v1/audits" \
  || { echo "an audit through the gateway failed"; exit 1; }
echo "   api replicas $API_REPLICAS, gateway $gateway, machine: $(nproc) cores shared by the cluster, the node's pods and wrk; $(loadavg)"

load() {  # load <connections> <unique 0|1> <seconds>: one wrk run; prints its RESULT line
  local threads=2; [ "$1" -ge 2 ] || threads=1
  UNIQUE=$2 wrk -t"$threads" -c"$1" -d"$3s" --timeout 10s -s hack/bench/wrk/audit.lua "$gateway/api/v1/audits" | grep '^RESULT'
}

echo "== audits through the gateway (POST /api/v1/audits, wrk -t2, ${DURATION}s per run, median of $RUNS)"
printf '   %-8s %-7s %10s %9s %9s %9s %8s  %s\n' page conns 'req/s' 'p50 ms' 'p95 ms' 'p99 ms' 'errors' 'load average after'
for kind in cached unique; do
  for conns in 100 1000; do
    rps=() p50=() p95=() p99=() err=()
    for _ in $(seq 1 "$RUNS"); do
      r=$(load "$conns" "$([ $kind = unique ] && echo 1 || echo 0)" "$DURATION")
      req=$(field requests <<<"$r"); secs=$(field seconds <<<"$r")
      bad=$(( $(field non2xx <<<"$r") + $(field socket_errors <<<"$r") ))
      rps+=("$(awk -v n="$req" -v s="$secs" 'BEGIN {printf "%.1f", n / s}')")
      p50+=("$(field p50_ms <<<"$r")"); p95+=("$(field p95_ms <<<"$r")"); p99+=("$(field p99_ms <<<"$r")")
      err+=("$(awk -v b="$bad" -v n="$req" 'BEGIN {printf "%.3f", n ? 100 * b / n : 0}')")
    done
    printf '   %-8s %-7s %10s %9s %9s %9s %7s%%  %s\n' "$kind" "$conns" \
      "$(printf '%s\n' "${rps[@]}" | median)" "$(printf '%s\n' "${p50[@]}" | median)" \
      "$(printf '%s\n' "${p95[@]}" | median)" "$(printf '%s\n' "${p99[@]}" | median)" "$(printf '%s\n' "${err[@]}" | median)" "$(cut -d' ' -f1-3 /proc/loadavg)"
  done
done
echo "   (the seed claims 500 req/s with p95 < 200 ms and < 0.1 % errors at 1,000 users)"

echo "== ML prediction and AI agent latency, as the api measures them (its histograms via Prometheus)"
jq -n '{items: [range(0; 16) | {text: "click here", kind: "link"}, {text: "Download the 2024 annual report (PDF, 2 MB)", kind: "link"}]}' > "$work/predict.json"
for _ in $(seq 1 200); do
  curl -fsS -o /dev/null -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    --data-binary @"$work/predict.json" "$gateway/api/v1/models/text-quality/predict" || true
done
sleep 12  # two scrape intervals
sel="namespace=\"$ns\",job=\"$name-api\""
q() { curl -fsS --data-urlencode "query=$1" "$prometheus/api/v1/query" | jq -r '.data.result[0].value[1] // "no data"'; }
ms() { awk -v v="$1" 'BEGIN { if (v + 0 == v) printf "%.3f ms", v * 1000; else printf "%s", v }'; }
printf '   ML prediction (batch of 32, %s calls):' "$(q "sum(ml_prediction_duration_seconds_count{$sel})")"
for qn in 50 95 99; do
  printf ' p%s %s' "$qn" "$(ms "$(q "histogram_quantile(0.$qn, sum by (le) (increase(ml_prediction_duration_seconds_bucket{$sel}[5m])))")")"
done
echo "   (interpolated in the histogram's buckets)"
n=$(q "sum(ai_agent_response_seconds_count{$sel})")
if [ "$n" = "no data" ] || [ "${n%%.*}" = 0 ]; then
  echo "   AI agent: not measured: the local Platform has no AI provider (its API would be off this machine)"
else
  echo "   AI agent p95 $(ms "$(q "histogram_quantile(0.95, sum by (le) (increase(ai_agent_response_seconds_bucket{$sel}[5m])))")") over $n calls"
fi

echo "== errors during a rolling update of the api (50 connections of cached audits, 60 s; rollout at 10 s)"
( sleep 10; kubectl -n "$ns" patch platform "$name" --type merge \
    -p "{\"spec\":{\"api\":{\"env\":[{\"name\":\"BENCH_ROLL\",\"value\":\"$(date +%s)\"}]}}}" >/dev/null ) &
roll=$!
r=$(load 50 0 60)
wait "$roll"
req=$(field requests <<<"$r"); bad=$(( $(field non2xx <<<"$r") + $(field socket_errors <<<"$r") ))
rolled=$(kubectl -n "$ns" get deploy "$name-api" -o jsonpath='{.status.updatedReplicas}/{.spec.replicas} updated, observedGeneration {.status.observedGeneration}')
echo "   $(loadavg)"
echo "   $req requests, $bad failed ($(awk -v b="$bad" -v n="$req" 'BEGIN {printf "%.3f", n ? 100 * b / n : 0}') %); p99 $(field p99_ms <<<"$r") ms; api Deployment: $rolled"
