#!/usr/bin/env bash
# Real-node figures on the local cluster (hack/cluster.sh up with the real node, images imported by
# hack/images.sh stack). Prints, with how each was measured:
#   - warm `hack/cluster.sh up` from stopped (state kept), median of N: the whole cluster incl. the node;
#   - apply -> Platform Ready for config/samples/platform-local.yaml on the real node (operator out of
#     cluster, this build), in a fresh namespace each time, median of N;
#   - the local images' sizes (compressed OCI blobs and unpacked layers).
# Cold set-up per step is printed by `make test` itself ("time per step").
# Usage: hack/bench/node.sh [N=3]     (BUILD_DIR=build)
# It runs a cluster of its own (state in $PO_CACHE/bench-node, API on 127.0.0.1:15443) and stops it at the
# end, so no demo or test Platform shares the node with what it measures. The machine has one real node:
# stop the demo (make demo-down) first, or the bench says the node is busy and exits.
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$top"
. hack/versions.sh
N=${1:-3}
export PO_STATE=${PO_BENCH_STATE:-$PO_CACHE/bench-node}
export PO_API_PORT=15443 PO_ETCD_CLIENT_PORT=15790 PO_ETCD_PEER_PORT=15800 PO_KCM_PORT=15257 PO_SCHED_PORT=15259 PO_KWOK_PORT=15080
trap 'bash hack/cluster.sh down >/dev/null 2>&1 || true' EXIT
echo "== first up (creates the state on a first run; not counted)"
bash hack/cluster.sh up >/dev/null
[ ! -f "$PO_STATE/node.unavailable" ] || { echo "no real node: $(cat "$PO_STATE/node.unavailable")"; exit 1; }
BUILD_DIR=${BUILD_DIR:-build}
KUBECONFIG=$(bash hack/cluster.sh kubeconfig); export KUBECONFIG
export PATH="$(tool_dir kubernetes "$KUBE_VERSION"):$PATH"
. hack/lib/stack.sh
stack_say() { :; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

echo "== warm cluster up with the real node (down, then up; state kept; until node Ready and cluster DNS answers), $N runs"
ups=()
for i in $(seq 1 "$N"); do
  bash hack/cluster.sh down >/dev/null 2>&1
  t0=$(date +%s%N)
  bash hack/cluster.sh up >/dev/null
  ups+=("$(( ($(date +%s%N) - t0) / 1000000 ))")
  echo "  run $i: $(echo "${ups[-1]}" | awk '{printf "%.1f s", $1/1000}')"
done
[ ! -f "$PO_STATE/node.unavailable" ] || { echo "no real node: $(cat "$PO_STATE/node.unavailable")"; exit 1; }
printf '%s\n' "${ups[@]}" | median | awk '{printf "  median: %.1f s\n", $1/1000}'
bash hack/images.sh stack "$PO_STATE/node/containerd/containerd.sock" >/dev/null

echo "== apply -> Ready, config/samples/platform-local.yaml on the real node, $N runs"
kubectl apply --server-side --force-conflicts -f crds/platforms.platform.a11y.dev.yaml >/dev/null
"$BUILD_DIR/operator/platform-operator" --kubeconfig "$KUBECONFIG" --log-level warn \
  --metrics-bind-address 127.0.0.1:0 --health-probe-bind-address 127.0.0.1:19281 --requeue-progressing-ms 1000 \
  > "/tmp/bench-node-$$.log" 2>&1 &
opid=$!
trap 'kill -TERM $opid 2>/dev/null || true; bash hack/cluster.sh down >/dev/null 2>&1 || true' EXIT
until curl -fsS 127.0.0.1:19281/readyz >/dev/null 2>&1; do sleep 0.2; done
readies=()
for i in $(seq 1 "$N"); do
  ns=bench-node-$$-$i
  kubectl create namespace "$ns" >/dev/null
  t0=$(date +%s%N)
  sed "s/^  namespace: a11y-local$/  namespace: $ns/" config/samples/platform-local.yaml | kubectl apply -f - >/dev/null
  wait_platform_ready "$ns" local 600 || { echo "  run $i: not Ready"; exit 1; }
  readies+=("$(( ($(date +%s%N) - t0) / 1000000 ))")
  echo "  run $i: $(echo "${readies[-1]}" | awk '{printf "%.1f s", $1/1000}')"
  kubectl -n "$ns" delete platform local --wait=true --timeout=120s >/dev/null
  kubectl delete namespace "$ns" --wait=true --timeout=120s >/dev/null
done
printf '%s\n' "${readies[@]}" | median | awk '{printf "  median: %.1f s\n", $1/1000}'

echo "== image sizes (hack/images.sh sizes)"
bash hack/images.sh sizes
