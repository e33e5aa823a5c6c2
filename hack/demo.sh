#!/usr/bin/env bash
# make demo: from a fresh machine to a running local cluster with the demo workload, in one command.
#   hack/demo.sh        set up and show
#   hack/demo.sh down   remove the demo namespace and stop the cluster
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$top"
. hack/versions.sh
step() { printf '\n==> %s (%s)\n' "$*" "$(date +%H:%M:%S)"; }
kubectl() { "$(tool_dir kubernetes "$KUBE_VERSION")/kubectl" --kubeconfig "$(bash hack/cluster.sh kubeconfig)" "$@"; }
NS=platform-demo

if [ "${1:-}" = down ]; then
  if bash hack/cluster.sh status >/dev/null 2>&1; then kubectl delete namespace "$NS" --ignore-not-found --wait=false; fi
  bash hack/cluster.sh down
  exit 0
fi

step "dependencies (apt; a no-op when present)"; bash hack/install-deps.sh
step "tools (Go builds of the pinned Kubernetes components; cold ~25 min, warm seconds)"; bash hack/tools.sh
step "build (CMake)"; bash hack/build.sh
step "local cluster"; bash hack/cluster.sh up

step "demo workload in namespace $NS"
kubectl create namespace "$NS" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl -n "$NS" apply -f - <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: hello}
spec:
  replicas: 3
  selector: {matchLabels: {app: hello}}
  template:
    metadata: {labels: {app: hello}}
    spec:
      containers: [{name: hello, image: registry.k8s.io/pause:3.10}]
YAML
kubectl -n "$NS" rollout status deploy/hello --timeout=120s

step "what is running"
kubectl get nodes -o wide
kubectl -n "$NS" get deploy,pods -o wide
cat <<MSG

The cluster is up: a real etcd, kube-apiserver, controller-manager and scheduler on 127.0.0.1,
with kwok simulating $(kubectl get nodes --no-headers | wc -l) nodes (pods are marked Running; no container runs).

Look around:
  export KUBECONFIG=$(bash hack/cluster.sh kubeconfig)
  export PATH=$(tool_dir kubernetes "$KUBE_VERSION"):\$PATH
  kubectl get all -A
Logs of the control plane: $PO_STATE/logs
Stop everything: make demo-down
MSG
