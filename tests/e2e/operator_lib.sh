# Helpers for e2e scripts that run the real operator binary out of cluster (sourced after lib.sh).

# free_port: an unused TCP port on 127.0.0.1.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

install_crd() {
  kubectl apply --server-side --force-conflicts -f "$PO_SOURCE_DIR/crds/platforms.platform.a11y.dev.yaml" >/dev/null
  # Polled, not `kubectl wait --for condition=Established`: a CRD created a moment ago has no
  # status.conditions yet, and kubectl wait fails at once on that (".status.conditions accessor error").
  local deadline=$((SECONDS + 60))
  until [ "$(kubectl get crd platforms.platform.a11y.dev -o json 2>/dev/null \
      | jq -r '(.status.conditions // [])[] | select(.type == "Established") | .status')" = True ]; do
    [ $SECONDS -lt $deadline ] || fail "the Platform CRD did not become Established within 60 s"
    sleep 0.2
  done
}

# start_operator <log-file> [extra flags...]: runs build/operator/platform-operator in the background;
# sets OPERATOR_PID, METRICS_PORT and PROBE_PORT, and waits until /readyz answers.
start_operator() {
  local log=$1; shift
  local bin="${PO_BUILD_DIR:-$PO_SOURCE_DIR/build}/operator/platform-operator"
  [ -x "$bin" ] || fail "operator binary missing: $bin"
  METRICS_PORT=$(free_port); PROBE_PORT=$(free_port)
  "$bin" --kubeconfig "${OPERATOR_KUBECONFIG:-$KUBECONFIG}" --log-format json \
    --metrics-bind-address "127.0.0.1:$METRICS_PORT" --health-probe-bind-address "127.0.0.1:$PROBE_PORT" \
    --requeue-progressing-ms 1000 "$@" >"$log" 2>&1 &
  OPERATOR_PID=$!
  local deadline=$((SECONDS + 60))
  until curl -fsS "http://127.0.0.1:$PROBE_PORT/readyz" >/dev/null 2>&1; do
    kill -0 "$OPERATOR_PID" 2>/dev/null || { tail -20 "$log" >&2; fail "operator exited during start-up"; }
    [ $SECONDS -lt $deadline ] || { tail -20 "$log" >&2; fail "operator not ready after 60s"; }
    sleep 0.3
  done
}

# stop_operator: SIGTERM, and the exit code must be 0 (clean shutdown).
stop_operator() {
  [ -n "${OPERATOR_PID:-}" ] || return 0
  kill -TERM "$OPERATOR_PID" 2>/dev/null || return 0
  local rc=0
  wait "$OPERATOR_PID" || rc=$?
  OPERATOR_PID=
  return $rc
}

# operator_test_setup <namespace-prefix>: the common start of a test that runs the operator itself:
# skip without a cluster, install the CRD, make a fresh namespace ($ns), and on exit delete its Platforms
# while the operator still runs (the finalizer), stop the operator and delete the namespace.
# Operator logs go to $log_dir (printed at the end); $log_file is the first one.
operator_test_setup() {
  require_cluster
  install_crd
  make_test_namespace "$1"
  log_dir=$(mktemp -d "/tmp/platform-operator-$1.XXXXXX")
  log_file="$log_dir/operator.log"
  trap 'operator_test_cleanup $?' EXIT
}

# operator_test_cleanup <exit-status>: the exit trap of operator_test_setup, for scripts that set their own.
operator_test_cleanup() {
  [ "$1" = 0 ] || [ "$1" = 77 ] || dump_namespace
  kubectl -n "$ns" delete platforms --all --wait=true --timeout=60s >/dev/null 2>&1 || true
  stop_operator || true
  kubectl delete namespace "$ns" --wait=false >/dev/null 2>&1 || true
  echo "operator logs: $log_dir"
}

# dump_namespace: what a person needs to see why a test failed, before the namespace goes away.
dump_namespace() {
  {
    echo "----- Platforms in $ns (status)"
    kubectl -n "$ns" get platforms -o json | jq '.items[] | {name: .metadata.name, generation: .metadata.generation, status}'
    echo "----- workloads and pods"
    kubectl -n "$ns" get deploy,statefulset,replicaset,pods -o wide
    echo "----- Deployment conditions"
    kubectl -n "$ns" get deploy -o json | jq -c '.items[] | {name: .metadata.name, generation: .metadata.generation, observed: .status.observedGeneration, image: .spec.template.spec.containers[0].image, conditions: [.status.conditions[]? | {type, status, reason}]}'
    echo "----- Events"
    kubectl -n "$ns" get events.events.k8s.io -o json | jq -r '.items | sort_by(.metadata.creationTimestamp)[] | "\(.metadata.creationTimestamp) \(.type) \(.reason) \(.regarding.kind)/\(.regarding.name): \(.note)"' | tail -40
    echo "----- operator logs (last 40 lines each)"
    for f in "$log_dir"/*.log; do echo "== $f"; tail -n 40 "$f"; done
  } >&2 2>&1 || true
}

# condition <kind/name> <type>: prints "status/reason" of a condition.
condition() {
  kubectl -n "$ns" get "$1" -o json | jq -r --arg t "$2" \
    '(.status.conditions // [])[] | select(.type==$t) | "\(.status)/\(.reason)"'
}
