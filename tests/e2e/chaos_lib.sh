# Helpers for the chaos e2e scripts (sourced after lib.sh and operator_lib.sh). They act on the processes
# of THIS script's cluster only, found by the pid files hack/cluster.sh keeps under $PO_STATE/run: never by
# process name, since other clusters may run on the same machine.

# cluster_pid <component>: the pid hack/cluster.sh recorded for etcd, kube-apiserver, ...
cluster_pid() {
  local f="$PO_STATE/run/$1.pid"
  [ -f "$f" ] || fail "no pid file $f: is the cluster of PO_STATE=$PO_STATE up?"
  local pid; pid=$(cat "$f")
  kill -0 "$pid" 2>/dev/null || fail "$1 (pid $pid from $f) is not running"
  echo "$pid"
}

# kill_apiserver: SIGKILL on this cluster's kube-apiserver; its command line is kept for restart_apiserver.
kill_apiserver() {
  local pid; pid=$(cluster_pid kube-apiserver)
  mapfile -d '' -t APISERVER_CMD < "/proc/$pid/cmdline"
  kill -KILL "$pid"
  local deadline=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || fail "kube-apiserver (pid $pid) did not die"
    sleep 0.1
  done
}

# restart_apiserver: starts the killed kube-apiserver again as hack/cluster.sh does (same command line, own
# session, its log and pid file); sets API_BACK to $SECONDS once /readyz answers.
restart_apiserver() {
  setsid "${APISERVER_CMD[@]}" >>"$PO_STATE/logs/kube-apiserver.log" 2>&1 </dev/null &
  echo $! >"$PO_STATE/run/kube-apiserver.pid"
  api_ready() { kubectl get --raw /readyz >/dev/null 2>&1; }
  poll 180 "the API server to be ready again" api_ready
  API_BACK=$SECONDS
}

# external_backends: a Secret with the database and cache URLs, so Platforms run no StatefulSets (light enough
# for 20 of them on kwok nodes).
external_backends() {
  kubectl -n "$ns" create secret generic chaos-backends \
    --from-literal=db=postgres://chaos@db.example.invalid:5432/chaos \
    --from-literal=cache=redis://cache.example.invalid:6379 >/dev/null
}

# platform_manifest <name> <version>
platform_manifest() {
  cat <<YAML
apiVersion: platform.a11y.dev/v1alpha1
kind: Platform
metadata: {name: $1, namespace: $ns}
spec:
  version: "$2"
  gateway: {enabled: false}
  monitoring: {enabled: false}
  database: {external: {urlSecretRef: {name: chaos-backends, key: db}}}
  cache: {external: {urlSecretRef: {name: chaos-backends, key: cache}}}
YAML
}

# ready_count: how many Platforms in $ns are Ready=True.
ready_count() {
  kubectl -n "$ns" get platforms -o json 2>/dev/null \
    | jq '[.items[] | select(any(.status.conditions[]?; .type=="Ready" and .status=="True"))] | length'
}

# metric <port> <series>: the value of one series on a /metrics endpoint ("" when absent).
metric() {
  curl -fsS "http://127.0.0.1:$1/metrics" | awk -v s="$2" '$1 == s {print $2}'
}
