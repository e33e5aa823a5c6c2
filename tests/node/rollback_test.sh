#!/usr/bin/env bash
# node tier (issue 12 #5): a failed version is rolled back by the operator, on real pods, within the
# progress deadline plus a few seconds, and the Platform says which pod reason caused it. On a lean local
# Platform (progressDeadlineSeconds 30) that is Ready on the real node, three bad versions of the api:
#   - a crash loop: the real api exits at start (LOG_FORMAT=bogus is a configuration error: exit code 2);
#   - a readiness probe that never passes: the real api runs, but without its model (MODEL_PATH names no
#     file) /health/ready answers 503 while /health/live answers 200;
#   - an image that cannot be pulled (a tag that does not exist; the pull goes to localhost only).
# Each must be rolled back (RolledBack=True/RollbackSucceeded, the api Deployment back on the good
# template, its pods ready, the Platform Ready again) at most PO_ROLLBACK_SLACK (15) seconds after the
# progress deadline, and the RolledBack condition and the RolledBack Event must name the pod reason.
# PO_LOCAL_TAG picks the tag of this repository's images (hack/images.sh), default dev; PO_NODE_NS_PREFIX
# prefixes the test's namespaces (a shared cluster).
E2E_NAME=node-rollback
. "$(dirname "${BASH_SOURCE[0]}")/node_lib.sh"

deadline=30 slack=${PO_ROLLBACK_SLACK:-15}
node_operator_setup rollback

e2e_log "a lean local Platform in $ns, progressDeadlineSeconds $deadline"
python3 "$PO_SOURCE_DIR/tests/node/lean_platform.py" "$ns" "$tag" \
  "{\"spec\": {\"rollout\": {\"progressDeadlineSeconds\": $deadline, \"maxConsecutiveFailures\": 10}}}" | kubectl apply -f - >/dev/null
wait_platform_ready "$ns" "$name" 420 || fail "the Platform did not become Ready on the real node"

template() { kubectl -n "$ns" get deploy "$name-api" -o json | jq -c '.spec.template.spec.containers[0] | {image, env}'; }
last_rollback() { kubectl -n "$ns" get platform "$name" -o jsonpath='{.status.lastRollbackTime}'; }
rolled_back_message() { kubectl -n "$ns" get platform "$name" -o jsonpath='{.status.conditions[?(@.type=="RolledBack")].message}'; }
good=$(template)
results=()

# bad_version <label> <merge patch of the Platform> <regex the pod reason must match>
bad_version() {
  local label=$1 patch=$2 want=$3 before t_applied t_back message reason
  before=$(last_rollback)
  # Failures in a row back off the next revision (spec.rollout); the documented retry-at annotation,
  # set to a time after the last failure, lets this one through at once.
  kubectl -n "$ns" annotate platform "$name" --overwrite "platform.a11y.dev/retry-at=$(date -u +%Y-%m-%dT%H:%M:%SZ)" >/dev/null
  sleep 1
  kubectl -n "$ns" patch platform "$name" --type merge -p "$patch" >/dev/null
  poll 60 "the api Deployment with the $label template" bash -c "[ \"\$(kubectl -n '$ns' get deploy '$name-api' -o json | jq -c '.spec.template.spec.containers[0] | {image, env}')\" != '$good' ]"
  t_applied=$SECONDS
  e2e_log "$label: the api Deployment has the new template; waiting for the progress deadline ($deadline s)"
  poll $((deadline + slack + 60)) "the operator to roll back the $label version" bash -c \
    "[ \"\$(kubectl -n '$ns' get platform '$name' -o jsonpath='{.status.lastRollbackTime}')\" != '$before' ]"
  t_back=$((SECONDS - t_applied))
  message=$(rolled_back_message)
  reason=$(kubectl -n "$ns" get platform "$name" -o jsonpath='{.status.conditions[?(@.type=="RolledBack")].reason}')
  e2e_log "$label: rolled back ${t_back} s after the Deployment took the template: RolledBack=$reason: $message"
  [ "$reason" = RollbackSucceeded ] || fail "$label: RolledBack reason is '$reason', want RollbackSucceeded"
  [ "$t_back" -le $((deadline + slack)) ] || fail "$label: rolled back after $t_back s, more than the deadline $deadline s + $slack s"
  grep -Eq "$want" <<<"$message" || fail "$label: the RolledBack condition does not name the pod reason ($want): $message"
  kubectl -n "$ns" get events.events.k8s.io -o json | jq -e --arg want "$want" \
    '[.items[] | select(.reason == "RolledBack" and (.note | test($want)))] | length > 0' >/dev/null \
    || fail "$label: no RolledBack Event names the pod reason ($want)"
  [ "$(template)" = "$good" ] || fail "$label: the api Deployment is not back on the good template: $(template)"
  kubectl -n "$ns" rollout status deploy/"$name-api" --timeout=120s >/dev/null || fail "$label: the api did not settle on the good template"
  wait_platform_ready "$ns" "$name" 120 || fail "$label: the Platform is not Ready again after the rollback"
  [ "$(kubectl -n "$ns" get deploy "$name-api" -o jsonpath='{.status.readyReplicas}')" = 1 ] || fail "$label: the api has no ready pod"
  results+=("$(printf '%-18s rolled back %3d s after the template changed (deadline %d s)' "$label" "$t_back" "$deadline")")
}

bad_version "crash loop" '{"spec":{"api":{"env":[{"name":"LOG_FORMAT","value":"bogus"}]}}}' \
  'CrashLoopBackOff|exited: Error, code 2'
bad_version "readiness probe" '{"spec":{"api":{"env":[{"name":"MODEL_PATH","value":"/nonexistent/model.json"}]}}}' \
  'NotReady.*readiness probe|readiness probe is not passing'
bad_version "image pull" "{\"spec\":{\"api\":{\"env\":[],\"image\":\"localhost/platform-local/platform-api:absent-${ns}\"}}}" \
  'ImagePullBackOff|ErrImagePull'

printf '  %s\n' "${results[@]}"
e2e_log "PASS: crash loop, failing readiness probe and missing image each rolled back within ${deadline}+${slack} s, the pod reason named"
