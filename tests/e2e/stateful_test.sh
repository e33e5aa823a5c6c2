#!/usr/bin/env bash
# Stateful parts are never rolled back automatically (issue 5):
# - a PostgreSQL major-version downgrade is refused: in place by the CRD, and on retained data claims under
#   a new Platform by the operator (Stalled=True, DowngradeRefused), which then applies nothing;
# - a StatefulSet update whose pod cannot become ready (here: a memory request no fake node can hold, so
#   the pod stays Pending) is reported as Degraded=True/StatefulUpdateFailed after progressDeadlineSeconds,
#   and is not rolled back;
# - when the spec is reverted, the pod of the abandoned template is deleted by the operator, as Kubernetes
#   documents for a StatefulSet rollback (the StatefulSet controller would otherwise wait for it forever),
#   and the Platform becomes Ready again.
E2E_NAME=stateful
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/operator_lib.sh"
operator_test_setup stateful
start_operator "$log_file" --namespace "$ns"

# apply_db <postgres version> <memory>
apply_db() {
  kubectl -n "$ns" apply -f - >/dev/null <<YAML
apiVersion: platform.a11y.dev/v1alpha1
kind: Platform
metadata: {name: st, namespace: $ns}
spec:
  version: "1.0.0"
  frontend: {enabled: false}
  monitoring: {enabled: false}
  rollout: {progressDeadlineSeconds: 30}
  database:
    managed:
      version: "$1"
      resources: {requests: {memory: $2}, limits: {memory: $2}}
YAML
}
pg_image() { kubectl -n "$ns" get statefulset st-postgres -o jsonpath='{.spec.template.spec.containers[?(@.name=="postgres")].image}'; }
pg_memory() { kubectl -n "$ns" get statefulset st-postgres -o jsonpath='{.spec.template.spec.containers[?(@.name=="postgres")].resources.requests.memory}'; }
ready() { [ "$(condition platform/st Ready)" = "True/Available" ]; }
has_event() { kubectl -n "$ns" get events.events.k8s.io -o json | jq -e --arg r "$1" '[.items[] | select(.reason==$r)] | length > 0' >/dev/null; }

apply_db 16 256Mi
poll 120 "st Ready on PostgreSQL 16" ready
[[ "$(pg_image)" == *:16 ]] || fail "postgres image $(pg_image), want :16"
e2e_log "Ready on $(pg_image)"

# 1. A major-version downgrade is refused. In place, the CRD's transition rule refuses it; on the same data
# through a new Platform (the claims outlive a deleted one), the operator does, from the label it put on
# the data claims, and applies nothing.
out=$(apply_db 15 256Mi 2>&1) && fail "the apiserver accepted a downgrade 16 -> 15"
grep -q "may not go down" <<<"$out" || fail "unexpected refusal: $out"
label() { kubectl -n "$ns" get pvc data-st-postgres-0 -o jsonpath='{.metadata.labels.platform\.a11y\.dev/postgres-major}'; }
labelled() { [ "$(label)" = 16 ]; }
poll 30 "the data claim labelled with major 16" labelled
kubectl -n "$ns" delete platform st --wait=true --timeout=60s >/dev/null || fail "Platform not deleted"
gone() { ! kubectl -n "$ns" get statefulset st-postgres >/dev/null 2>&1; }
poll 60 "the StatefulSet garbage-collected" gone
kubectl -n "$ns" get pvc data-st-postgres-0 >/dev/null || fail "the data claim did not survive the Platform"
apply_db 15 256Mi
refused() { [ "$(condition platform/st Stalled)" = "True/DowngradeRefused" ]; }
poll 30 "Stalled=True/DowngradeRefused for a new Platform on 16's data" refused
kubectl -n "$ns" get platform st -o json | jq -r '.status.conditions[] | select(.type=="Stalled") | .message' \
  | grep -q "spec.database.managed.version: PostgreSQL 16 runs on this data" || fail "the refusal does not name the field"
gone || fail "a StatefulSet was created despite the refusal"
poll 10 "a DowngradeRefused Event" has_event DowngradeRefused
apply_db 16 256Mi
not_stalled() { [ -z "$(condition platform/st Stalled)" ]; }
poll 30 "Stalled cleared once the version is back" not_stalled
poll 120 "Ready again on 16, on the same data claim" ready
[[ "$(pg_image)" == *:16 ]] || fail "postgres image $(pg_image), want :16"
e2e_log "downgrade 16 -> 15 refused in place (CRD rule) and on retained data (operator); back on 16"

# 2. A StatefulSet update that cannot become ready is reported, not rolled back.
apply_db 16 64Gi
poll 20 "the 64Gi request applied" bash -c "[ \"\$(kubectl -n $ns get statefulset st-postgres -o jsonpath='{.spec.template.spec.containers[?(@.name==\"postgres\")].resources.requests.memory}')\" = 64Gi ]"
degraded() { [ "$(condition platform/st Degraded)" = "True/StatefulUpdateFailed" ]; }
poll 150 "Degraded=True/StatefulUpdateFailed after the progress deadline" degraded
[ "$(condition platform/st Ready)" = "False/StatefulUpdateFailed" ] || fail "Ready is $(condition platform/st Ready)"
[ -z "$(condition platform/st RolledBack)" ] || fail "a stateful failure was rolled back: $(condition platform/st RolledBack)"
[ "$(pg_memory)" = 64Gi ] || fail "the StatefulSet was changed back to $(pg_memory) by the operator"
poll 10 "a StatefulUpdateFailed Event" has_event StatefulUpdateFailed
stuck_uid=$(kubectl -n "$ns" get pod st-postgres-0 -o jsonpath='{.metadata.uid}')
[ "$(kubectl -n "$ns" get pod st-postgres-0 -o jsonpath='{.status.phase}')" = Pending ] || fail "the 64Gi pod is not Pending"
e2e_log "unschedulable update reported as Degraded, left in place"

# 3. Reverting the spec: the abandoned pod is deleted by the operator and the database comes back.
apply_db 16 256Mi
replaced() { [ "$(kubectl -n "$ns" get pod st-postgres-0 -o jsonpath='{.metadata.uid}')" != "$stuck_uid" ]; }
poll 60 "the pod of the abandoned template replaced" replaced
poll 10 "an AbandonedPodDeleted Event" has_event AbandonedPodDeleted
poll 90 "Ready again after the revert" ready
no_degraded() { [ -z "$(condition platform/st Degraded)" ]; }
poll 10 "Degraded cleared" no_degraded
[ "$(pg_memory)" = 256Mi ] || fail "postgres memory request $(pg_memory) after the revert"
e2e_log "revert: abandoned pod deleted, Ready again"

kubectl -n "$ns" delete platforms --all --wait=true --timeout=60s >/dev/null || fail "Platforms not deleted while the operator runs"
stop_operator || fail "operator did not exit 0 on SIGTERM"
e2e_log "PASS"
