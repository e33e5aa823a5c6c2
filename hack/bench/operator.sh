#!/usr/bin/env bash
# Operator benchmark on a dedicated local cluster (own state dir and ports; nothing else touched).
#   hack/bench/operator.sh [N]     N Platforms at once (default 100; DESIGN §6 asks 500)
# Prints, with how each was measured:
#   - kubectl apply -> first child object, and -> Ready=True, for one Platform on an idle operator (median of 5)
#   - API requests per reconcile (rest_client_requests_total / controller_runtime_reconcile_total)
#   - N Platforms: time from the first apply to all Ready, operator RSS then (and peak, from /proc)
#   - writes to children over an idle period (resourceVersion changes; default 60 s, PO_BENCH_IDLE)
# Platforms are small on purpose (api only, external database and cache) so that N of them fit on
# the fake nodes; the operator still watches, renders, applies and observes everything.
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$top"
. hack/versions.sh
N=${1:-100}
IDLE=${PO_BENCH_IDLE:-60}
BUILD_DIR=${BUILD_DIR:-build}
export PO_STATE="$PO_CACHE/bench-cluster" PO_API_PORT=28443 PO_ETCD_CLIENT_PORT=29790 PO_ETCD_PEER_PORT=29800
export PO_KCM_PORT=28257 PO_SCHED_PORT=28259 PO_KWOK_PORT=28080 PO_NODE_PODS=$((N + 200))
export PO_REAL_NODE=0   # kwok nodes only: the Platforms here run no containers
export PATH="$(tool_dir kubernetes "$KUBE_VERSION"):$PATH"
say() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

[ -x "$BUILD_DIR/operator/platform-operator" ] || { echo "build first (make build)"; exit 1; }
bash hack/cluster.sh reset >/dev/null; bash hack/cluster.sh up >/dev/null
KUBECONFIG=$(bash hack/cluster.sh kubeconfig); export KUBECONFIG
opid=
cleanup() { [ -n "$opid" ] && kill -TERM "$opid" 2>/dev/null; wait 2>/dev/null; bash hack/cluster.sh down >/dev/null; }
trap cleanup EXIT
kubectl apply --server-side -f crds/platforms.platform.a11y.dev.yaml >/dev/null
# Polled: kubectl wait fails at once on a CRD that has no status.conditions yet.
until [ "$(kubectl get crd platforms.platform.a11y.dev -o json | jq -r '(.status.conditions // [])[] | select(.type == "Established") | .status')" = True ]; do sleep 0.2; done
kubectl create namespace bench >/dev/null
kubectl -n bench create secret generic shared --from-literal=url=postgres://db.example:5432/a11y >/dev/null

"$BUILD_DIR/operator/platform-operator" --kubeconfig "$KUBECONFIG" --log-format json --log-level warn \
  --metrics-bind-address 127.0.0.1:19080 --health-probe-bind-address 127.0.0.1:19081 --workers 4 \
  --requeue-progressing-ms 2000 > "$PO_STATE/logs/bench-operator.log" 2>&1 &
opid=$!
until curl -fsS 127.0.0.1:19081/readyz >/dev/null 2>&1; do sleep 0.2; done

platform() {  # platform <name>
  cat <<YAML
apiVersion: platform.a11y.dev/v1alpha1
kind: Platform
metadata: {name: $1, namespace: bench}
spec:
  version: "1.0.0"
  api:
    replicas: 1
    resources: {requests: {cpu: 10m, memory: 32Mi}, limits: {cpu: 100m, memory: 64Mi}}
  frontend: {enabled: false}
  gateway: {enabled: false}
  monitoring: {enabled: false}
  database: {external: {urlSecretRef: {name: shared, key: url}}}
  cache: {external: {urlSecretRef: {name: shared, key: url}}}
---
YAML
}
ready_count() { kubectl -n bench get platforms -o json | jq '[.items[] | select(any(.status.conditions[]?; .type=="Ready" and .status=="True"))] | length'; }
metric_sum() { curl -fsS 127.0.0.1:19080/metrics | awk -v m="$1" '$1 ~ "^"m"({|$)" {s+=$2} END {print s+0}'; }

say "single Platform on an idle operator, 5 runs"
children=(); readies=()
for i in 1 2 3 4 5; do
  t0=$(now); platform "single-$i" | kubectl apply -f - >/dev/null
  until kubectl -n bench get deploy "single-$i-api" >/dev/null 2>&1; do sleep 0.05; done
  children+=("$(echo "$(now) - $t0" | bc)")
  # jq, not a jsonpath filter: kubectl's filter fails on a status that has no conditions yet (the first
  # status write records the attempt before any condition is set).
  until [ "$(kubectl -n bench get platform "single-$i" -o json | jq -r '[.status.conditions[]? | select(.type=="Ready")][0].status // ""')" = True ]; do sleep 0.05; done
  readies+=("$(echo "$(now) - $t0" | bc)")
done
say "apply -> first child (api Deployment): median $(printf '%s\n' "${children[@]}" | median) s  [runs: ${children[*]}]"
say "apply -> Ready=True:                   median $(printf '%s\n' "${readies[@]}" | median) s  [runs: ${readies[*]}]"
req0=$(metric_sum rest_client_requests_total); rec0=$(metric_sum controller_runtime_reconcile_total)
say "so far: $req0 API requests over $rec0 reconciles"

say "$N Platforms applied at once"
t0=$(now)
for i in $(seq 1 "$N"); do platform "p$i"; done | kubectl apply -f - >/dev/null
t_applied=$(echo "$(now) - $t0" | bc)
peak=0
deadline=$((SECONDS + ${PO_BENCH_TIMEOUT:-1800}))
while true; do
  [ $SECONDS -lt $deadline ] || { say "FAILED: only $(ready_count) of $((N + 5)) Ready after ${PO_BENCH_TIMEOUT:-1800} s"; exit 1; }
  r=$(ready_count)
  rss=$(awk '/VmRSS/ {print $2}' /proc/$opid/status); [ "$rss" -gt "$peak" ] && peak=$rss
  [ "$r" -ge $((N + 5)) ] && break
  sleep 2
done
t_all=$(echo "$(now) - $t0" | bc)
rss=$(awk '/VmRSS/ {print $2}' /proc/$opid/status); hwm=$(awk '/VmHWM/ {print $2}' /proc/$opid/status)
req1=$(metric_sum rest_client_requests_total); rec1=$(metric_sum controller_runtime_reconcile_total)
say "kubectl apply of $N took ${t_applied} s; all $N Ready ${t_all} s after the first apply"
say "operator RSS with $N+5 Platforms: $((rss / 1024)) MiB now, $((hwm / 1024)) MiB peak (VmRSS/VmHWM from /proc)"
say "API requests per reconcile during the bulk: $(echo "scale=2; ($req1 - $req0) / ($rec1 - $rec0)" | bc) ($((req1 - req0)) requests / $((rec1 - rec0)) reconciles)"

say "idle for $IDLE s: counting resourceVersion changes of the children"
snap() { kubectl -n bench get deploy,svc,sa,networkpolicy,configmap -l app.kubernetes.io/managed-by=platform-operator -o json | jq -r '.items[] | "\(.kind)/\(.metadata.name) \(.metadata.resourceVersion)"' | sort; }
before=$(snap); reqi0=$(metric_sum rest_client_requests_total)
sleep "$IDLE"
after=$(snap); reqi1=$(metric_sum rest_client_requests_total)
changed=$(diff <(echo "$before") <(echo "$after") | grep -c '^>' || true)
say "idle: $changed of $(wc -l <<<"$before") children changed resourceVersion; $((reqi1 - reqi0)) API requests in $IDLE s"
