#!/usr/bin/env bash
# Crash safety of a rollout (issue 5): the operator records revision.lastAttempted and Reconciling=True
# before it applies anything, so a process killed half-way through an apply resumes on restart.
# A failpoint (PO_FAILPOINT_KILL_AFTER_APPLY=Deployment/cs-api) SIGKILLs the real binary right after it
# applied the api Deployment of a new revision, leaving the frontend Deployment on the old one. After a
# restart the operator must finish that same attempt (one history entry, no Superseded) and converge:
# forward for a good version, back to the last good revision for a broken one.
E2E_NAME=rollout_crash
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/operator_lib.sh"
operator_test_setup crash
bin="${PO_BUILD_DIR:-$PO_SOURCE_DIR/build}/operator/platform-operator"

manifest() {
  cat <<YAML
apiVersion: platform.a11y.dev/v1alpha1
kind: Platform
metadata: {name: cs, namespace: $ns}
spec:
  version: "$1"
  gateway: {enabled: false}
  monitoring: {enabled: false}
  rollout: {progressDeadlineSeconds: 30}
YAML
}
apply_version() { manifest "$1" | kubectl -n "$ns" apply -f - >/dev/null; }
revision_of() { manifest "$1" | "$bin" render -f - -n "$ns" --revision; }
image() { kubectl -n "$ns" get deploy "cs-$1" -o jsonpath='{.spec.template.spec.containers[0].image}'; }
image_is() { [[ "$(image "$1")" == *":$2" ]]; }
status_json() { kubectl -n "$ns" get platform cs -o json | jq '.status'; }
ready() { [ "$(condition platform/cs Ready)" = "True/Available" ]; }
run=0
start() { run=$((run + 1)); start_operator "$log_dir/operator-$run.log" --namespace "$ns"; }
# crash_on <version>: start the operator with the failpoint armed, apply <version>, and wait for the kill.
crash_on() {
  export PO_FAILPOINT_KILL_AFTER_APPLY=Deployment/cs-api
  start
  unset PO_FAILPOINT_KILL_AFTER_APPLY
  apply_version "$1"
  local deadline=$((SECONDS + 60))
  while kill -0 "$OPERATOR_PID" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || fail "the failpoint did not fire within 60s of applying $1"
    sleep 0.2
  done
  local rc=0
  wait "$OPERATOR_PID" || rc=$?
  OPERATOR_PID=
  [ "$rc" = 137 ] || fail "operator exit status $rc after the failpoint, want 137 (SIGKILL)"
  grep -q '"failpoint: killing the operator after applying Deployment/cs-api' "$log_dir/operator-$run.log" \
    || fail "the operator died, but not at the failpoint (log $log_dir/operator-$run.log)"
}
# half_way <revision> <new-tag> <old-tag>: what the killed process left behind.
half_way() {
  local st; st=$(status_json)
  [ "$(jq -r '.revision.lastAttempted' <<<"$st")" = "$1" ] || fail "lastAttempted is not the new revision: $(jq -c .revision <<<"$st")"
  [ "$(jq -r '.history[-1] | "\(.revision) \(.result)"' <<<"$st")" = "$1 Progressing" ] \
    || fail "the newest history entry is not the open attempt: $(jq -c '.history[-1]' <<<"$st")"
  [ "$(condition platform/cs Reconciling)" = "True/RolloutStarted" ] || fail "Reconciling is $(condition platform/cs Reconciling)"
  image_is api "$2" || fail "api image $(image api), want :$2 (applied before the kill)"
  image_is frontend "$3" || fail "frontend image $(image frontend), want :$3 (not applied before the kill)"
}
# one_attempt <revision> <result>: the restart finished the recorded attempt instead of starting another.
one_attempt() {
  local st; st=$(status_json)
  [ "$(jq --arg r "$1" '[.history[] | select(.revision==$r)] | length' <<<"$st")" = 1 ] \
    || fail "want one history entry of $1: $(jq -c .history <<<"$st")"
  [ "$(jq -r --arg r "$1" '.history[] | select(.revision==$r) | .result' <<<"$st")" = "$2" ] \
    || fail "the attempt of $1 is not $2: $(jq -c .history <<<"$st")"
  [ "$(jq '[.history[] | select(.result=="Superseded")] | length' <<<"$st")" = 0 ] \
    || fail "an attempt was superseded: $(jq -c .history <<<"$st")"
}

start
apply_version 1.0.0
poll 120 "cs Ready on 1.0.0" ready
stop_operator || fail "operator did not exit 0 on SIGTERM"
e2e_log "Ready on 1.0.0"

# 1. Killed half-way through a good rollout: the restart finishes it.
rev=$(revision_of 1.1.0)
crash_on 1.1.0
half_way "$rev" 1.1.0 1.0.0
e2e_log "killed after the api Deployment of ${rev:0:12}; frontend still on 1.0.0"
start
both_new() { image_is api 1.1.0 && image_is frontend 1.1.0 && ready; }
poll 120 "both Deployments on 1.1.0 and Ready after the restart" both_new
one_attempt "$rev" Succeeded
st=$(status_json)
[ "$(jq -r '.revision.current == .revision.lastGood and .revision.lastGood == .revision.lastAttempted' <<<"$st")" = true ] \
  || fail "current, lastGood and lastAttempted differ: $(jq -c .revision <<<"$st")"
kubectl -n "$ns" get controllerrevision "cs-${rev:0:10}" >/dev/null || fail "no ControllerRevision for ${rev:0:12}"
stop_operator || fail "operator did not exit 0 on SIGTERM"
e2e_log "restart converged forward: one attempt, Succeeded"

# 2. Killed half-way through a broken rollout: the restart finishes it, sees it fail, and rolls back.
bad=$(revision_of broken)
crash_on broken
half_way "$bad" broken 1.1.0
start
rolled_back() { [ "$(condition platform/cs RolledBack)" = "True/RollbackSucceeded" ]; }
poll 150 "RolledBack=True after the restart and the progress deadline" rolled_back
both_old() { image_is api 1.1.0 && image_is frontend 1.1.0 && ready; }
poll 90 "both Deployments back on 1.1.0 and Ready" both_old
one_attempt "$bad" Failed
[ "$(jq -r '.revision.current' <<<"$(status_json)")" = "$rev" ] || fail "current is not the last good revision"
e2e_log "restart converged back: one attempt, Failed, rolled back to ${rev:0:12}"

kubectl -n "$ns" delete platforms --all --wait=true --timeout=60s >/dev/null || fail "Platforms not deleted while the operator runs"
stop_operator || fail "operator did not exit 0 on SIGTERM"
e2e_log "PASS"
