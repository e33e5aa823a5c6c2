#!/usr/bin/env bash
# The platform.a11y.dev/paused annotation end to end (issue 13 #15): a Platform created paused gets no
# child objects and says ReconciliationPaused=True; resumed, it rolls out. Paused again, a spec change
# and drift on a child are left alone (no child's resourceVersion moves); resumed, both are applied.
E2E_NAME=paused
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/operator_lib.sh"
operator_test_setup paused

start_operator "$log_file" --namespace "$ns"
e2e_log "operator ready (metrics :$METRICS_PORT, probes :$PROBE_PORT)"

kubectl -n "$ns" apply -f - >/dev/null <<YAML
apiVersion: platform.a11y.dev/v1alpha1
kind: Platform
metadata:
  name: demo
  annotations: {platform.a11y.dev/paused: "true"}
spec:
  version: "1.0.0"
YAML
paused() { [ "$(condition platform/demo ReconciliationPaused)" = "True/PausedByAnnotation" ]; }
poll 30 "ReconciliationPaused=True/PausedByAnnotation" paused
children() { kubectl -n "$ns" get deploy,sts,svc,cm,secret,sa,networkpolicy,pvc -l app.kubernetes.io/instance=demo -o name; }
sleep 5
[ -z "$(children)" ] || fail "children were created while paused: $(children | tr '\n' ' ')"
kubectl -n "$ns" get events.events.k8s.io -o json | jq -e '[.items[] | select(.regarding.name=="demo" and .reason=="RolloutStarted")] | length == 0' >/dev/null \
  || fail "a rollout started while paused"
e2e_log "created paused: ReconciliationPaused=True, no children after 5s"

kubectl -n "$ns" annotate platform demo platform.a11y.dev/paused- >/dev/null
ready() { [ "$(condition platform/demo Ready)" = "True/Available" ]; }
poll 180 "Platform demo Ready=True after resuming" ready
[ -z "$(condition platform/demo ReconciliationPaused)" ] || fail "ReconciliationPaused remains after resuming"
e2e_log "resumed: Ready, ReconciliationPaused removed"

# Paused again: neither a spec change nor drift on a child is acted on.
kubectl -n "$ns" annotate platform demo platform.a11y.dev/paused=true >/dev/null
poll 30 "ReconciliationPaused=True again" paused
image=$(kubectl -n "$ns" get deploy demo-api -o jsonpath='{.spec.template.spec.containers[0].image}')
snapshot() { kubectl -n "$ns" get deploy,sts,svc,cm,sa,pdb,networkpolicy,cronjob,role,rolebinding \
  -l app.kubernetes.io/instance=demo -o json | jq -r '.items[] | "\(.kind)/\(.metadata.name) \(.metadata.resourceVersion)"' | sort; }
kubectl -n "$ns" patch platform demo --type merge -p '{"spec":{"api":{"env":[{"name":"LOG_LEVEL","value":"debug"}]}}}' >/dev/null
kubectl -n "$ns" delete service demo-frontend --wait=true >/dev/null
sleep 2
before=$(snapshot)
sleep 10
after=$(snapshot)
[ "$before" = "$after" ] || { diff <(echo "$before") <(echo "$after") >&2; fail "children changed while paused"; }
kubectl -n "$ns" get service demo-frontend >/dev/null 2>&1 && fail "the deleted Service was recreated while paused"
kubectl -n "$ns" get deploy demo-api -o json | jq -e '[.spec.template.spec.containers[0].env[]? | select(.name=="LOG_LEVEL")] | length == 0' >/dev/null \
  || fail "the spec change reached the api Deployment while paused"
generation=$(kubectl -n "$ns" get platform demo -o jsonpath='{.metadata.generation}')
observed=$(kubectl -n "$ns" get platform demo -o jsonpath='{.status.conditions[?(@.type=="ReconciliationPaused")].observedGeneration}')
[ "$observed" = "$generation" ] || fail "ReconciliationPaused observedGeneration $observed, generation $generation"
e2e_log "paused for 10s: $(wc -l <<<"$before") children unchanged, spec change and a deleted Service left alone"

kubectl -n "$ns" annotate platform demo platform.a11y.dev/paused- >/dev/null
env_applied() { kubectl -n "$ns" get deploy demo-api -o json | jq -e '[.spec.template.spec.containers[0].env[]? | select(.name=="LOG_LEVEL" and .value=="debug")] | length == 1' >/dev/null; }
poll 60 "the spec change to reach the api Deployment after resuming" env_applied
poll 60 "the deleted Service to be recreated after resuming" kubectl -n "$ns" get service demo-frontend
[ "$(kubectl -n "$ns" get deploy demo-api -o jsonpath='{.spec.template.spec.containers[0].image}')" = "$image" ] || fail "the api image changed"
poll 180 "Ready after resuming again" ready
e2e_log "resumed: spec change applied, Service recreated, Ready"

kill -0 "$OPERATOR_PID" || fail "operator died"
kubectl -n "$ns" delete platforms --all --wait=true --timeout=60s >/dev/null || fail "Platforms not deleted while the operator runs"
stop_operator || fail "operator did not exit 0 on SIGTERM"
e2e_log "PASS"
