#!/usr/bin/env bash
# Chaos (issue 13): etcd is paused (SIGSTOP) for 20 s right after five Platforms were changed. The API
# server cannot write (its watch cache still serves reads), so the operator's writes hang; with
# --request-timeout 8 they fail, and the operator must say so (errors in its log and in
# rest_client_requests_total), not crash or lose its health, and once etcd runs again all five must
# converge on the new version.
E2E_NAME=chaos_etcd
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/operator_lib.sh"
. "$(dirname "$0")/chaos_lib.sh"
operator_test_setup chaos-etcd
external_backends
count=5

start_operator "$log_file" --namespace "$ns" --request-timeout 8
apply_all() { for i in $(seq 1 $count); do platform_manifest "e$i" "$1"; echo ---; done | kubectl -n "$ns" apply -f - >/dev/null; }
apply_all 1.0.0
all_ready() { [ "$(ready_count)" = "$count" ]; }
poll 90 "all $count Platforms Ready on 1.0.0" all_ready

etcd=$(cluster_pid etcd)
# Whatever happens below, etcd runs again when this script ends.
trap 'rc=$?; kill -CONT "$etcd" 2>/dev/null || true; operator_test_cleanup $rc' EXIT
apply_all 1.1.0
kill -STOP "$etcd"
paused_at=$SECONDS
e2e_log "etcd (pid $etcd) paused"
while [ $((SECONDS - paused_at)) -lt 20 ]; do
  kill -0 "$OPERATOR_PID" 2>/dev/null || { kill -CONT "$etcd"; fail "the operator died while etcd was paused"; }
  curl -fsS "http://127.0.0.1:$PROBE_PORT/healthz" >/dev/null || { kill -CONT "$etcd"; fail "the operator's /healthz failed while etcd was paused"; }
  sleep 1
done
kill -CONT "$etcd"
resumed=$SECONDS
e2e_log "etcd resumed after $((resumed - paused_at)) s"

on_new() {
  [ "$(kubectl -n "$ns" get deploy -o json | jq '[.items[] | select(.spec.template.spec.containers[0].image | endswith(":1.1.0"))] | length')" = $((2 * count)) ] && all_ready
}
poll 90 "all $count Platforms on 1.1.0 and Ready after etcd resumed" on_new
e2e_log "converged $((SECONDS - resumed)) s after etcd resumed"
kill -0 "$OPERATOR_PID" 2>/dev/null || fail "the operator exited"
errors=$(grep -c '"level":"error".*reconcile .* failed' "$log_file" || true)
[ "$errors" -gt 0 ] || fail "no failed reconcile was reported while etcd was paused"
timeouts=$(metric "$METRICS_PORT" 'rest_client_requests_total{code="<error>",method="PATCH"}')
[ "${timeouts:-0}" -gt 0 ] || fail "no PATCH counted as failed in rest_client_requests_total"
e2e_log "reported $errors failed reconciles and $timeouts failed PATCH requests while etcd was paused"
e2e_log "PASS"
