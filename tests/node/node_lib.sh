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
