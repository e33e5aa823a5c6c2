#!/usr/bin/env bash
# make demo: from a fresh machine to a Ready Platform on the local cluster, in one command.
#   hack/demo.sh        set everything up and show it
#   hack/demo.sh down   stop the operator and the cluster (state is kept for the next `make demo`)
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$top"
. hack/versions.sh
BUILD_DIR=${BUILD_DIR:-build}
step() { printf '\n==> %s (%s)\n' "$*" "$(date +%H:%M:%S)"; }
KUBECONFIG_ADMIN="$PO_STATE/admin.kubeconfig"
export PATH="$(tool_dir kubernetes "$KUBE_VERSION"):$(tool_dir helm "$HELM_VERSION"):$PATH"
kubectl() { command kubectl --kubeconfig "$KUBECONFIG_ADMIN" "$@"; }
helm() { command helm --kubeconfig "$KUBECONFIG_ADMIN" "$@"; }
RELEASE=platform-operator OPERATOR_NS=platform-system DEMO_NS=a11y
pidfile="$PO_STATE/run/demo-operator.pid"; oplog="$PO_STATE/logs/demo-operator.log"

stop_operator() {
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    kill -TERM "$(cat "$pidfile")"; for _ in $(seq 1 100); do kill -0 "$(cat "$pidfile")" 2>/dev/null || break; sleep 0.2; done
  fi
  rm -f "$pidfile"
}

if [ "${1:-}" = down ]; then
  stop_operator
  bash hack/cluster.sh down
  exit 0
fi

step "dependencies (apt; a no-op when present)"; bash hack/install-deps.sh
step "tools (Go builds of the pinned Kubernetes components; cold 30-60 min, warm seconds)"; bash hack/tools.sh
step "build (CMake)"; bash hack/build.sh
step "local cluster"; bash hack/cluster.sh up

step "helm install the operator chart (CRD, RBAC, Deployment) into $OPERATOR_NS"
helm upgrade --install "$RELEASE" charts/platform-operator --namespace "$OPERATOR_NS" --create-namespace --wait --timeout 2m
kubectl -n "$OPERATOR_NS" get deploy,pods -o wide

# kwok runs no container, so the chart's pod is only simulated; the real operator binary runs here,
# out of cluster, with a token of the chart's ServiceAccount: exactly the chart's RBAC, nothing more.
step "run the operator with the chart's ServiceAccount"
stop_operator
sa=$(kubectl -n "$OPERATOR_NS" get deploy "$RELEASE" -o jsonpath='{.spec.template.spec.serviceAccountName}')
sa_kubeconfig="$PO_STATE/demo-operator.kubeconfig"
KUBECONFIG="$KUBECONFIG_ADMIN" bash hack/sa-kubeconfig.sh "$OPERATOR_NS" "$sa" "$sa_kubeconfig"
setsid "$BUILD_DIR/operator/platform-operator" --kubeconfig "$sa_kubeconfig" --leader-elect \
  --leader-election-namespace "$OPERATOR_NS" --leader-election-id "$RELEASE" --log-format json \
  --metrics-bind-address 127.0.0.1:18080 --health-probe-bind-address 127.0.0.1:18081 \
  >>"$oplog" 2>&1 < /dev/null &
echo $! > "$pidfile"
for _ in $(seq 1 120); do curl -fsS http://127.0.0.1:18081/readyz >/dev/null 2>&1 && break; sleep 0.5; done
curl -fsS http://127.0.0.1:18081/readyz >/dev/null || { tail -20 "$oplog"; echo "operator did not become ready" >&2; exit 1; }
echo "operator running (pid $(cat "$pidfile")), log: $oplog"

step "apply config/samples/platform.yaml"
for _ in $(seq 1 120); do  # a namespace still terminating from an earlier run cannot take new objects
  [ "$(kubectl get namespace "$DEMO_NS" -o jsonpath='{.status.phase}' 2>/dev/null)" = Terminating ] || break; sleep 1
done
kubectl create namespace "$DEMO_NS" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl apply -f config/samples/platform.yaml
start=$SECONDS
until [ "$(kubectl -n "$DEMO_NS" get platform a11y -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = True ]; do
  [ $((SECONDS - start)) -lt 300 ] || { echo "not Ready after 300 s; see $oplog" >&2; exit 1; }
  printf '  %3ss  %s\n' $((SECONDS - start)) \
    "$(kubectl -n "$DEMO_NS" get platform a11y -o jsonpath='{.status.conditions[?(@.type=="Ready")].reason}: {.status.conditions[?(@.type=="Ready")].message}')"
  sleep 3
done
echo "Ready after $((SECONDS - start)) s"

step "the Platform"
kubectl -n "$DEMO_NS" get platform a11y
kubectl -n "$DEMO_NS" get platform a11y -o json | jq -r '.status.conditions[] | "  \(.type)=\(.status) (\(.reason)): \(.message)"'
kubectl -n "$DEMO_NS" get platform,deploy,sts,hpa,svc,pvc
cat <<MSG

The Accessibility Platform runs on a real control plane (etcd, kube-apiserver, controller-manager,
scheduler on 127.0.0.1) with kwok simulating the nodes: pods are marked Running; no container runs.

Look around:
  export KUBECONFIG=$KUBECONFIG_ADMIN PATH=$(tool_dir kubernetes "$KUBE_VERSION"):\$PATH
  kubectl -n $DEMO_NS get platform a11y -o yaml
  kubectl -n $DEMO_NS scale platform/a11y --replicas=4
  kubectl -n $DEMO_NS events --for platform/a11y
  $BUILD_DIR/operator/platform-operator render -f config/samples/platform.yaml   # what it applies
Operator log: $oplog      metrics: curl 127.0.0.1:18080/metrics
Stop everything: make demo-down
MSG
