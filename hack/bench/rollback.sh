#!/usr/bin/env bash
# Rollback timing on the local cluster (hack/cluster.sh up first): N times, a good Platform becomes Ready,
# then `version: broken` (kwok keeps :broken pods unready) misses its 30 s progress deadline. Measured:
#   deadline -> restored spec: from the nominal deadline (the broken ReplicaSet's creation + 30 s) to the api
#                             Deployment's image being the old one again (includes kube-controller-manager's
#                             own delay in noticing the deadline)
#   deadline -> Ready=True:    to the Platform's Ready condition turning True on the old version
# Prints each run and the medians.   Usage: hack/bench/rollback.sh [N=5]   (BUILD_DIR=build)
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$top"
. hack/versions.sh
N=${1:-5}
BUILD_DIR=${BUILD_DIR:-build}
KUBECONFIG=$(bash hack/cluster.sh kubeconfig); export KUBECONFIG
export PATH="$(tool_dir kubernetes "$KUBE_VERSION"):$PATH"
bash hack/cluster.sh status >/dev/null || { echo "cluster is not up (hack/cluster.sh up)"; exit 1; }
ns=bench-rollback-$$
kubectl apply --server-side --force-conflicts -f crds/platforms.platform.a11y.dev.yaml >/dev/null
kubectl create namespace "$ns" >/dev/null
"$BUILD_DIR/operator/platform-operator" --kubeconfig "$KUBECONFIG" --namespace "$ns" --log-level warn \
  --metrics-bind-address 127.0.0.1:0 --health-probe-bind-address 127.0.0.1:19181 --requeue-progressing-ms 1000 \
  > "/tmp/bench-rollback-$$.log" 2>&1 &
opid=$!
trap 'kill -TERM $opid 2>/dev/null; kubectl delete namespace "$ns" --wait=false >/dev/null 2>&1' EXIT
until curl -fsS 127.0.0.1:19181/readyz >/dev/null 2>&1; do sleep 0.2; done
apply() {
  kubectl -n "$ns" apply -f - >/dev/null <<YAML
apiVersion: platform.a11y.dev/v1alpha1
kind: Platform
metadata: {name: rb$2, namespace: $ns}
spec:
  version: "$1"
  frontend: {enabled: false}
  monitoring: {enabled: false}
  rollout: {progressDeadlineSeconds: 30}
YAML
}
ms() { date +%s%3N; }
ready() { [ "$(kubectl -n "$ns" get platform "rb$1" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = True ]; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
restores=(); readies=()
for i in $(seq 1 "$N"); do
  apply 1.0.0 "$i"; until ready "$i"; do sleep 0.2; done
  apply broken "$i"
  until [[ "$(kubectl -n "$ns" get deploy "rb$i-api" -o jsonpath='{.spec.template.spec.containers[0].image}')" == *:broken ]]; do sleep 0.1; done
  until [[ "$(kubectl -n "$ns" get deploy "rb$i-api" -o jsonpath='{.spec.template.spec.containers[0].image}')" == *:1.0.0 ]]; do
    sleep 0.05
  done
  t_restored=$(ms)
  until ready "$i"; do sleep 0.05; done
  t_ready=$(ms)
  # The nominal deadline: the broken ReplicaSet's creation (the rollout's start) + progressDeadlineSeconds.
  created=$(kubectl -n "$ns" get rs -l app.kubernetes.io/instance="rb$i",app.kubernetes.io/component=api -o json | jq -r \
    '[.items[] | select(.spec.template.spec.containers[0].image | endswith(":broken"))][0].metadata.creationTimestamp')
  d_ms=$(( $(date -d "$created" +%s%3N) + 30000 ))
  restores+=($(( t_restored - d_ms ))); readies+=($(( t_ready - d_ms )))
  echo "run $i: deadline -> restored spec $(( t_restored - d_ms )) ms, -> Ready $(( t_ready - d_ms )) ms"
done
echo "median of $N: deadline -> restored spec $(printf '%s\n' "${restores[@]}" | median) ms, deadline -> Ready=True $(printf '%s\n' "${readies[@]}" | median) ms"
echo "(deadline = the broken ReplicaSet's creationTimestamp + 30 s; whole seconds, so each figure may read up to 1 s high)"
