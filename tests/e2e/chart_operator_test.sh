#!/usr/bin/env bash
# The chart and the operator together (issue 7): helm install; the real operator binary runs out of
# cluster with a token of the chart's ServiceAccount (so the chart's RBAC must be enough);
# config/samples/platform.yaml becomes Ready; kubectl scale works through the scale subresource;
# helm upgrade keeps everything; helm uninstall keeps the CRD and the data PVCs.
E2E_NAME=chart-operator
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/operator_lib.sh"
require_cluster
release=po-e2e
make_test_namespace po-system
op_ns=$ns
sample_ns=a11y
log_file=$(mktemp /tmp/platform-operator-chart.XXXXXX.log)
sa_kubeconfig=$(mktemp /tmp/platform-operator-sa.XXXXXX.kubeconfig)
# Deletes the sample's Platforms, dropping the finalizer that an uninstalled operator can no longer remove.
drop_platforms() {
  kubectl -n "$sample_ns" delete platforms --all --wait=false >/dev/null 2>&1 || true
  for p in $(kubectl -n "$sample_ns" get platforms -o name 2>/dev/null); do
    kubectl -n "$sample_ns" patch "$p" --type merge -p '{"metadata":{"finalizers":null}}' >/dev/null 2>&1 || true
  done
}
cleanup() {
  drop_platforms
  stop_operator || true
  kubectl delete namespace "$sample_ns" --wait=false >/dev/null 2>&1 || true
  helm uninstall "$release" -n "$op_ns" >/dev/null 2>&1 || true
  kubectl delete namespace "$op_ns" --wait=false >/dev/null 2>&1 || true
  rm -f "$sa_kubeconfig"
  echo "operator log: $log_file"
}
trap cleanup EXIT

# --take-ownership: the CRD (a chart template) may already exist from another test's kubectl apply.
helm install "$release" "$PO_SOURCE_DIR/charts/platform-operator" -n "$op_ns" --take-ownership --wait --timeout 2m >/dev/null
deploy_uid=$(kubectl -n "$op_ns" get deploy "$release-platform-operator" -o jsonpath='{.metadata.uid}')
sa=$(kubectl -n "$op_ns" get deploy "$release-platform-operator" -o jsonpath='{.spec.template.spec.serviceAccountName}')
e2e_log "chart installed; ServiceAccount $sa"

bash "$PO_SOURCE_DIR/hack/sa-kubeconfig.sh" "$op_ns" "$sa" "$sa_kubeconfig" 1h
OPERATOR_KUBECONFIG=$sa_kubeconfig start_operator "$log_file" --leader-elect --leader-election-namespace "$op_ns" \
  --leader-election-id "$release-platform-operator"
e2e_log "operator running as system:serviceaccount:$op_ns:$sa"

kubectl create namespace "$sample_ns" >/dev/null 2>&1 || true
kubectl apply -f "$PO_SOURCE_DIR/config/samples/platform.yaml" >/dev/null
ns=$sample_ns
ready() { [ "$(condition platform/a11y Ready)" = "True/Available" ]; }
poll 180 "the sample Platform Ready" ready
grep -q '"level":"error".*[Ff]orbidden' "$log_file" && fail "the chart's RBAC forbade something: $(grep -m1 -i forbidden "$log_file")"
e2e_log "sample Platform Ready with the chart's RBAC"

kubectl -n "$sample_ns" scale platform/a11y --replicas=4 >/dev/null
scaled() { [ "$(kubectl -n "$sample_ns" get deploy a11y-api -o jsonpath='{.spec.replicas}')" = 4 ]; }
poll 30 "the api Deployment at 4 replicas" scaled
poll 60 "Ready at 4 replicas" ready

helm upgrade "$release" "$PO_SOURCE_DIR/charts/platform-operator" -n "$op_ns" --wait --timeout 2m >/dev/null
[ "$(kubectl -n "$op_ns" get deploy "$release-platform-operator" -o jsonpath='{.metadata.uid}')" = "$deploy_uid" ] \
  || fail "helm upgrade replaced the operator Deployment"
ready || fail "the Platform lost Ready across helm upgrade"

pvcs_before=$(kubectl -n "$sample_ns" get pvc -o name | sort)
helm uninstall "$release" -n "$op_ns" >/dev/null
kubectl get crd platforms.platform.a11y.dev >/dev/null || fail "helm uninstall removed the CRD"
[ "$(kubectl -n "$sample_ns" get pvc -o name | sort)" = "$pvcs_before" ] || fail "helm uninstall touched the data PVCs"
[ -n "$pvcs_before" ] || fail "the sample made no PVCs"
e2e_log "helm upgrade kept the release; uninstall kept the CRD and $(wc -l <<<"$pvcs_before") PVCs"
stop_operator || fail "operator did not exit 0 on SIGTERM"
# With the operator uninstalled nothing removes the Platforms' finalizer: clean up as a person would.
drop_platforms
e2e_log "PASS"
