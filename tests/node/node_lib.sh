# Shared start of every node-tier test (sourced, after the test sets E2E_NAME): the e2e helpers, the
# stack helpers (hack/lib/stack.sh) logging through e2e_log, a cluster that is up, and ctest's skip
# (exit 77) with the reason when this machine's cluster has no real node.
. "$(dirname "${BASH_SOURCE[0]}")/../e2e/lib.sh"
. "$PO_SOURCE_DIR/tests/e2e/operator_lib.sh"
. "$PO_SOURCE_DIR/hack/lib/stack.sh"
stack_say() { e2e_log "$*"; }

require_cluster
if [ -f "$PO_STATE/node.unavailable" ]; then
  e2e_log "SKIP: no real node: $(cat "$PO_STATE/node.unavailable")"
  exit 77
fi

# The tag of this repository's images (hack/images.sh's PO_LOCAL_TAG, default dev) and the name of the
# Platform the tests apply.
tag=${PO_LOCAL_TAG:-dev}
name=local

# node_operator_setup <prefix>: the common start of a test that runs a Platform on the real node: a fresh
# namespace $ns (PO_NODE_NS_PREFIX, for a cluster several people share, then <prefix> and a random
# suffix), the operator installed by the chart as release $release in $op_ns watching only $ns, and an
# exit trap (node_operator_cleanup) that deletes everything it made. A test with more to undo defines
# node_cleanup_first (run before the namespace dump, e.g. stopping load) and node_cleanup_last (run at
# the end, e.g. cluster-scoped objects it made).
node_operator_setup() {
  log_dir=$(mktemp -d /tmp/platform-operator-node.XXXXXX)  # dump_namespace writes here
  install_crd
  make_test_namespace "${PO_NODE_NS_PREFIX:-}$1"
  release=po-$ns op_ns=$ns-system
  trap node_operator_cleanup EXIT
  e2e_log "install the chart (operator image tag $tag), watching only $ns"
  helm install "$release" "$PO_SOURCE_DIR/charts/platform-operator" -n "$op_ns" --create-namespace --take-ownership \
    -f "$PO_SOURCE_DIR/config/local/operator-values.yaml" --set image.tag="$tag" --set watchNamespaces="{$ns}" \
    --wait --timeout 3m >/dev/null || fail "the operator Deployment did not become available on the real node"
}

node_operator_cleanup() {
  local rc=$?
  if declare -F node_cleanup_first >/dev/null; then node_cleanup_first || true; fi
  if [ "$rc" != 0 ] && [ "$rc" != 77 ]; then
    dump_namespace
    kubectl -n "$op_ns" logs deploy/"$release"-platform-operator --tail 40 >&2 2>&1 || true
  fi
  # A test that paused the operator and failed: the Platforms' finalizer needs it.
  kubectl -n "$op_ns" scale deploy "$release-platform-operator" --replicas=1 >/dev/null 2>&1 || true
  # Claims a Platform kept (whenDeleted: Retain) go with the namespace.
  kubectl -n "$ns" delete platforms --all --wait=true --timeout=120s >/dev/null 2>&1 || true
  helm uninstall "$release" -n "$op_ns" --wait --timeout 60s >/dev/null 2>&1 || true
  kubectl delete namespace "$ns" "$op_ns" --wait=false >/dev/null 2>&1 || true
  if declare -F node_cleanup_last >/dev/null; then node_cleanup_last || true; fi
  rm -rf "$log_dir"
  return "$rc"
}
