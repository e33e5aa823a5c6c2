#!/usr/bin/env bash
# Chaos (issue 13): two operator replicas with leader election; the leader is killed with SIGKILL in the
# middle of a rollout. The other must take the lease within the lease duration (plus retry periods) and
# complete the rollout, and at no point may both reconcile: the standby did no reconcile while the leader
# lived, and neither counted a reconcile while not holding the lease
# (platform_operator_reconciles_while_not_leader_total stays 0).
E2E_NAME=chaos_leader
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/operator_lib.sh"
. "$(dirname "$0")/chaos_lib.sh"
operator_test_setup chaos-le
external_backends
lease=chaos-le
lease_seconds=6 retry_seconds=1

# start_replica <identity>: sets PID_<identity> and METRICS_<identity>.
start_replica() {
  start_operator "$log_dir/$1.log" --namespace "$ns" --leader-elect --leader-election-namespace "$ns" \
    --leader-election-id "$lease" --leader-election-identity "$1" \
    --leader-election-lease-duration "$lease_seconds" --leader-election-renew-deadline 4 \
    --leader-election-retry-period "$retry_seconds"
  printf -v "PID_$1" '%s' "$OPERATOR_PID"
  printf -v "METRICS_$1" '%s' "$METRICS_PORT"
}
holder() { kubectl -n "$ns" get lease "$lease" -o jsonpath='{.spec.holderIdentity}' 2>/dev/null; }
reconciles() {  # reconciles <metrics-port>: all reconciles this replica ran
  curl -fsS "http://127.0.0.1:$1/metrics" | awk '$1 ~ /^controller_runtime_reconcile_total\{controller="platform"/ {s += $2} END {print s + 0}'
}
violations() { metric "$1" 'platform_operator_reconciles_while_not_leader_total{controller="platform"}'; }
image() { kubectl -n "$ns" get deploy "le-$1" -o jsonpath='{.spec.template.spec.containers[0].image}'; }

start_replica a
start_replica b
OPERATOR_PID=  # two of them: stopped by the trap, after the Platforms went (while a replica still runs)
trap 'rc=$?; operator_test_cleanup $rc; kill -TERM "${PID_a:-}" "${PID_b:-}" 2>/dev/null || true; wait 2>/dev/null || true' EXIT

has_holder() { [ -n "$(holder)" ]; }
poll 30 "one replica holding lease $lease" has_holder
leader=$(holder)
[ "$leader" = a ] || [ "$leader" = b ] || fail "the lease is held by '$leader'"
standby=$([ "$leader" = a ] && echo b || echo a)
lp="PID_$leader" lm="METRICS_$leader" sp="PID_$standby" sm="METRICS_$standby"
e2e_log "leader $leader, standby $standby"

platform_manifest le 1.0.0 | kubectl -n "$ns" apply -f - >/dev/null
ready() { [ "$(condition platform/le Ready)" = "True/Available" ]; }
poll 90 "le Ready on 1.0.0" ready

# The rollout: the leader starts it; kill it as soon as the new api Deployment is applied.
platform_manifest le 1.1.0 | kubectl -n "$ns" apply -f - >/dev/null
started() { [[ "$(image api)" == *:1.1.0 ]]; }
poll 60 "the rollout to 1.1.0 started" started
[ "$(reconciles "${!sm}")" = 0 ] || fail "the standby reconciled while the leader held the lease"
[ "$(violations "${!lm}")" = 0 ] || fail "the leader counted reconciles while not leader"
kill -KILL "${!lp}"
killed_at=$SECONDS
e2e_log "killed leader $leader (pid ${!lp}) mid-rollout"

took_over() { [ "$(holder)" = "$standby" ]; }
poll 30 "$standby taking the lease" took_over
takeover=$((SECONDS - killed_at))
e2e_log "$standby holds the lease $takeover s after the kill"
# Within the lease duration of the last renewal, plus two (jittered) retry periods and a second of polling.
[ "$takeover" -le $((lease_seconds + 2 * retry_seconds + 2)) ] || fail "takeover took $takeover s"

done_rolling() { [[ "$(image api)" == *:1.1.0 ]] && [[ "$(image frontend)" == *:1.1.0 ]] && ready \
  && [ "$(kubectl -n "$ns" get platform le -o jsonpath='{.status.revision.current}')" = "$(kubectl -n "$ns" get platform le -o jsonpath='{.status.revision.lastAttempted}')" ]; }
poll 90 "$standby completing the rollout to 1.1.0" done_rolling
[ "$(reconciles "${!sm}")" -gt 0 ] || fail "the new leader ran no reconcile"
[ "$(violations "${!sm}")" = 0 ] || fail "the new leader counted reconciles while not leader"
e2e_log "rollout completed by $standby; reconciles while not leader: 0 on both"
e2e_log "PASS"
