#!/usr/bin/env bash
# node tier: the local sample Platform on the real node, with the operator itself running in cluster from
# its image (installed by the chart). Checks, with real containers: the Platform reaches Ready by real
# probes with every pod on the real node, then tests/node/stack_checks.sh (shared with the kind job of
# .github/workflows/ci.yml): an audit through the gateway, stored in PostgreSQL and kept across deleting
# the api and PostgreSQL pods, the web UI, and every Prometheus target up.
E2E_NAME=node-stack
. "$(dirname "${BASH_SOURCE[0]}")/node_lib.sh"

release=po-node op_ns=po-node-system name=local
install_crd
make_test_namespace node
log_dir=$(mktemp -d /tmp/platform-operator-node.XXXXXX)
cleanup() {
  local rc=$?
  if [ "$rc" != 0 ] && [ "$rc" != 77 ]; then
    dump_namespace
    kubectl -n "$ns" get pods -o json | jq -r '.items[] | "\(.metadata.name): \([.status.containerStatuses[]? | "\(.name) ready=\(.ready) restarts=\(.restartCount) \(.state | keys[0]) \(.state[] | .reason? // "")"] | join("; "))"' >&2 || true
    kubectl -n "$op_ns" logs deploy/"$release"-platform-operator --tail 60 >&2 2>&1 || true
  fi
  kubectl -n "$ns" delete platforms --all --wait=true --timeout=120s >/dev/null 2>&1 || true
  helm uninstall "$release" -n "$op_ns" --wait --timeout 60s >/dev/null 2>&1 || true
  kubectl delete namespace "$ns" "$op_ns" --wait=false >/dev/null 2>&1 || true
}
trap cleanup EXIT

e2e_log "install the chart with the operator image built here, on the real node"
# --take-ownership: the chart renders the CRD, which install_crd (kubectl) created above.
helm install "$release" "$PO_SOURCE_DIR/charts/platform-operator" -n "$op_ns" --create-namespace --take-ownership \
  -f "$PO_SOURCE_DIR/config/local/operator-values.yaml" --set watchNamespaces="{$ns}" \
  --wait --timeout 3m >/dev/null \
  || fail "the operator Deployment did not become available on the real node"
node=$(kubectl -n "$op_ns" get pods -o jsonpath='{.items[0].spec.nodeName}')
[ "$node" = "${PO_NODE_NAME:-po-node}" ] || fail "the operator pod runs on '$node', not on the real node"

e2e_log "apply config/samples/platform-local.yaml in $ns"
sed "s/^  namespace: a11y-local$/  namespace: $ns/" "$PO_SOURCE_DIR/config/samples/platform-local.yaml" | kubectl apply -f - >/dev/null
wait_platform_ready "$ns" "$name" 420 || fail "the local Platform did not become Ready on the real node"
for pod in $(kubectl -n "$ns" get pods -o jsonpath='{range .items[?(@.status.phase=="Running")]}{.metadata.name}{" "}{.spec.nodeName}{"\n"}{end}' | awk '$2 != "po-node" {print $1}'); do
  fail "pod $pod does not run on the real node"
done

# The assertions the kind job of .github/workflows/ci.yml runs too.
bash "$PO_SOURCE_DIR/tests/node/stack_checks.sh" "$ns" "$name" || fail "stack checks"
e2e_log "PASS: Ready on the real node, and the shared stack checks"
