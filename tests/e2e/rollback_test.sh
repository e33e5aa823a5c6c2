#!/usr/bin/env bash
# Rollback end to end (issue 5): a kwok Stage keeps pods of ":broken" images unready, so changing
# `version` to "broken" fails the rollout at progressDeadlineSeconds. The operator must put the last
# good stateless objects back, say so (RolledBack, history, Event), become Ready on the old version,
# leave the failed revision alone, roll forward on a fixed spec, hold a known-failed revision, and
# re-attempt it exactly once when platform.a11y.dev/retry-at asks; after maxConsecutiveFailures failed
# revisions in a row, stall (Stalled=True, RetriesExceeded) and apply nothing new until retry-at.
E2E_NAME=rollback
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/operator_lib.sh"
operator_test_setup rollback
start_operator "$log_file" --namespace "$ns"

# apply_version <version> [LOG_LEVEL]: a different log level is a different revision of the same version.
apply_version() {
  kubectl -n "$ns" apply -f - >/dev/null <<YAML
apiVersion: platform.a11y.dev/v1alpha1
kind: Platform
metadata: {name: rb, namespace: $ns}
spec:
  version: "$1"
  api:
    env: [{name: LOG_LEVEL, value: "${2:-info}"}]
  frontend: {enabled: false}
  monitoring: {enabled: false}
  rollout: {progressDeadlineSeconds: 30, maxConsecutiveFailures: 2}
YAML
}
api_image() { kubectl -n "$ns" get deploy rb-api -o jsonpath='{.spec.template.spec.containers[0].image}'; }
api_generation() { kubectl -n "$ns" get deploy rb-api -o jsonpath='{.metadata.generation}'; }
ready() { [ "$(condition platform/rb Ready)" = "True/Available" ]; }
rolled_back() { [ "$(condition platform/rb RolledBack)" = "True/RollbackSucceeded" ]; }
image_is() { [[ "$(api_image)" == *":$1" ]]; }
# stays <seconds> <what> <cmd...>: cmd holds true for the whole period.
stays() {
  local secs=$1 what=$2; shift 2
  local end=$((SECONDS + secs))
  while [ $SECONDS -lt $end ]; do "$@" >/dev/null 2>&1 || fail "$what stopped holding"; sleep 1; done
}

apply_version 1.0.0
poll 120 "rb Ready on 1.0.0" ready
e2e_log "Ready on $(api_image)"

# 1. A failed rollout is rolled back.
t0=$SECONDS
apply_version broken
poll 20 "the broken image to be applied" image_is broken
poll 120 "RolledBack=True after the progress deadline" rolled_back
t_back=$((SECONDS - t0))
image_is 1.0.0 || fail "api image is $(api_image) after the rollback, want :1.0.0"
poll 90 "Ready=True again on the old version" ready
e2e_log "rolled back ${t_back}s after the change (deadline 30s), Ready again $((SECONDS - t0))s after"
st=$(kubectl -n "$ns" get platform rb -o json)
[ "$(jq -r '[.status.history[] | select(.version=="broken" and .result=="Failed")] | length' <<<"$st")" = 1 ] \
  || fail "history has no Failed entry for the broken version: $(jq -c .status.history <<<"$st")"
[ "$(jq -r '.status.revision.current == .status.revision.lastGood' <<<"$st")" = true ] || fail "current is not lastGood"
kubectl -n "$ns" get events.events.k8s.io -o json | jq -e '[.items[] | select(.reason=="RolledBack")] | length > 0' >/dev/null \
  || fail "no RolledBack Event"

# 2. The failed revision is not applied again while nothing changes.
gen=$(api_generation)
stays "${PO_E2E_HOLD_SECONDS:-20}" "the api Deployment untouched" bash -c "[ \"\$(kubectl -n $ns get deploy rb-api -o jsonpath='{.metadata.generation}')\" = $gen ]"
e2e_log "failed revision not re-applied over ${PO_E2E_HOLD_SECONDS:-20}s (generation stayed $gen)"

# 3. A fixed spec rolls forward.
apply_version 1.1.0
poll 60 "the 1.1.0 image" image_is 1.1.0
poll 90 "Ready on 1.1.0" ready
no_rolled_back() { [ -z "$(condition platform/rb RolledBack)" ]; }
poll 10 "RolledBack cleared after a good rollout" no_rolled_back
e2e_log "rolled forward to 1.1.0"

# 4. Going back to the known-failed spec is held, not applied.
gen=$(api_generation)
apply_version broken
held() { [ "$(condition platform/rb RolledBack)" = "True/HoldingLastGood" ]; }
poll 20 "RolledBack=True/HoldingLastGood for the known-failed revision" held
stays 10 "the 1.1.0 image held" image_is 1.1.0
[ "$(api_generation)" = "$gen" ] || fail "the api Deployment was written while holding"
e2e_log "known-failed revision held; api stays on 1.1.0"

# 5. retry-at re-attempts it exactly once.
kubectl -n "$ns" annotate platform rb "platform.a11y.dev/retry-at=$(date -u +%Y-%m-%dT%H:%M:%SZ)" --overwrite >/dev/null
sleep 1
poll 20 "the retried broken image" image_is broken
poll 120 "rolled back again after the retry" rolled_back
image_is 1.1.0 || fail "not back on 1.1.0 after the retry failed"
failed=$(kubectl -n "$ns" get platform rb -o json | jq '[.status.history[] | select(.version=="broken" and .result=="Failed")] | length')
[ "$failed" -ge 2 ] || fail "the retry left no second Failed entry (have $failed)"
gen=$(api_generation)
stays 15 "no second retry" bash -c "[ \"\$(kubectl -n $ns get deploy rb-api -o jsonpath='{.metadata.generation}')\" = $gen ]"
e2e_log "retry-at re-attempted once, rolled back again, then held"

# 6. A second failed revision in a row (maxConsecutiveFailures: 2) stalls: nothing new is applied.
apply_version broken debug
poll 20 "the second broken revision to be applied" image_is broken
stalled() { [ "$(condition platform/rb Stalled)" = "True/RetriesExceeded" ]; }
poll 120 "Stalled=True/RetriesExceeded after two failed revisions in a row" stalled
image_is 1.1.0 || fail "not back on 1.1.0 after the second failed revision"
poll 90 "Ready=True on 1.1.0 while stalled" ready
kubectl -n "$ns" get events.events.k8s.io -o json | jq -e '[.items[] | select(.reason=="RetriesExceeded")] | length > 0' >/dev/null \
  || fail "no RetriesExceeded Event"
gen=$(api_generation)
apply_version 1.2.0
sleep 2
stays 10 "1.1.0 held while stalled" image_is 1.1.0
[ "$(api_generation)" = "$gen" ] || fail "the api Deployment was written while stalled"
stalled || fail "Stalled=True/RetriesExceeded gone after a spec change; want it kept until retry-at"
e2e_log "stalled after two failed revisions in a row; a new spec (1.2.0) is not applied"

# 7. retry-at after the last failure lifts the stall: 1.2.0 rolls out and the stall clears.
kubectl -n "$ns" annotate platform rb "platform.a11y.dev/retry-at=$(date -u +%Y-%m-%dT%H:%M:%SZ)" --overwrite >/dev/null
poll 30 "the 1.2.0 image after retry-at" image_is 1.2.0
poll 90 "Ready on 1.2.0" ready
not_stalled() { [ -z "$(condition platform/rb Stalled)" ]; }
poll 10 "Stalled cleared after a good rollout" not_stalled
e2e_log "retry-at lifted the stall; rolled forward to 1.2.0"
kubectl -n "$ns" delete platforms --all --wait=true --timeout=60s >/dev/null || fail "Platforms not deleted while the operator runs"
stop_operator || fail "operator did not exit 0 on SIGTERM"
e2e_log "PASS"
