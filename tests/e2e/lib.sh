# Shared helpers for the e2e scripts (sourced). They run against the local cluster of hack/cluster.sh.
set -euo pipefail
PO_SOURCE_DIR=${PO_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
. "$PO_SOURCE_DIR/hack/versions.sh"
KUBECONFIG=$("$PO_SOURCE_DIR/hack/cluster.sh" kubeconfig); export KUBECONFIG
PATH="$(tool_dir kubernetes "$KUBE_VERSION"):$(tool_dir helm "$HELM_VERSION"):$PATH"; export PATH

e2e_log() { printf '[%s %s] %s\n' "${E2E_NAME:-e2e}" "$(date +%H:%M:%S)" "$*"; }
fail() { e2e_log "FAIL: $*" >&2; exit 1; }

# Exit 77 (ctest SKIP) when no cluster is up, so a unit-only run stays meaningful.
require_cluster() {
  if ! "$PO_SOURCE_DIR/hack/cluster.sh" status >/dev/null 2>&1; then
    e2e_log "local cluster is not up (hack/cluster.sh up); skipping"
    exit 77
  fi
}

# poll <seconds> <description> <cmd...>: retries cmd until it succeeds or the deadline passes.
poll() {
  local secs=$1 what=$2; shift 2
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || fail "timed out after ${secs}s waiting for: $what"
    sleep 0.5
  done
}

# make_test_namespace <prefix>: creates a fresh namespace, sets $ns to its name, and deletes it when the
# script exits. (Call it directly, not in $(...): the exit trap belongs to this shell.)
make_test_namespace() {
  ns="$1-$(head -c4 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  kubectl create namespace "$ns" >/dev/null
  # shellcheck disable=SC2064
  trap "kubectl delete namespace '$ns' --wait=false >/dev/null 2>&1 || true" EXIT
}
