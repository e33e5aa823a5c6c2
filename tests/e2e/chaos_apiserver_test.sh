#!/usr/bin/env bash
# Chaos (issue 13): kube-apiserver is killed with SIGKILL while 20 Platforms converge, and started again.
# The operator must survive (its watches and requests fail, then reconnect) and every Platform must be
# Ready within a minute of the API being back.
E2E_NAME=chaos_apiserver
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/operator_lib.sh"
. "$(dirname "$0")/chaos_lib.sh"
operator_test_setup chaos-api
external_backends
count=20

# Seconds from the API being back to all Ready; a heavily loaded machine may need more (CHAOS_READY_SECONDS).
ready_within=${CHAOS_READY_SECONDS:-60}

start_operator "$log_file" --namespace "$ns" --workers 4
for i in $(seq 1 $count); do platform_manifest "p$i" 1.0.0; echo ---; done | kubectl -n "$ns" apply -f - >/dev/null
# Kill it mid-way: some Platforms Ready, the others still converging.
some_ready() { [ "$(ready_count)" -ge 3 ]; }
poll 90 "3 Platforms Ready" some_ready
before=$(ready_count)
[ "$before" -lt "$count" ] || fail "all $count were Ready before the kill: nothing was converging"
e2e_log "killing kube-apiserver (pid $(cluster_pid kube-apiserver)) with $before of $count Platforms Ready"
kill_apiserver
sleep 5
kill -0 "$OPERATOR_PID" 2>/dev/null || fail "the operator died while the apiserver was down"
restart_apiserver
back=$API_BACK
e2e_log "kube-apiserver is back (pid $(cluster_pid kube-apiserver))"

all_ready() { [ "$(ready_count)" = "$count" ]; }
poll "$ready_within" "all $count Platforms Ready within $ready_within s of the apiserver's restart" all_ready
e2e_log "all $count Ready $((SECONDS - back)) s after the restart"
kill -0 "$OPERATOR_PID" 2>/dev/null || fail "the operator exited"
curl -fsS "http://127.0.0.1:$PROBE_PORT/readyz" >/dev/null || fail "the operator is not ready after the restart"
grep -q 'watcher .*retrying' "$log_file" || fail "the operator's watches did not notice the apiserver going away"
grep -q 'relisting' "$log_file" || fail "the operator's watches did not resume after the restart"
e2e_log "PASS"
