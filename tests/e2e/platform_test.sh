#!/usr/bin/env bash
# The Platform reconciler end to end: the real operator binary against the local cluster.
# A Platform becomes Ready with its children; kubectl scale works through the scale subresource;
# drift is repaired (an edited image, a deleted Service); an idle platform gets no writes; a spec
# the CRD accepts but the operator cannot run is Stalled/InvalidSpec; deletion keeps the PVCs;
# SIGTERM ends the operator cleanly.
E2E_NAME=platform
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/operator_lib.sh"
operator_test_setup plat

start_operator "$log_file" --namespace "$ns"
e2e_log "operator ready (metrics :$METRICS_PORT, probes :$PROBE_PORT)"

t0=$(date +%s.%N)
sed "s/^  name: minimal$/  name: demo\n  namespace: $ns/" "$PO_SOURCE_DIR/config/samples/platform-minimal.yaml" | kubectl apply -f - >/dev/null

first_child() { kubectl -n "$ns" get deploy,sts -l app.kubernetes.io/instance=demo -o name | grep -q .; }
poll 30 "the first child objects" first_child
t_children=$(echo "$(date +%s.%N) - $t0" | bc)
ready() { [ "$(condition platform/demo Ready)" = "True/Available" ]; }
poll 180 "Platform demo Ready=True" ready
t_ready=$(echo "$(date +%s.%N) - $t0" | bc)
e2e_log "Ready: first children after ${t_children}s, Ready after ${t_ready}s"

# Status by the conventions: observedGeneration, revision, history, components, finalizer.
st=$(kubectl -n "$ns" get platform demo -o json)
[ "$(jq '.status.observedGeneration == .metadata.generation' <<<"$st")" = true ] || fail "observedGeneration lags"
[ "$(jq -r '.status.revision.current == .status.revision.lastGood' <<<"$st")" = true ] || fail "lastGood is not current"
[ "$(jq -r '.status.history[-1].result' <<<"$st")" = Succeeded ] || fail "history does not end Succeeded"
[ "$(jq -r '.status.components.api.ready' <<<"$st")" = true ] || fail "api component not ready"
[ "$(jq -r '.metadata.finalizers | index("platform.a11y.dev/finalizer") != null' <<<"$st")" = true ] || fail "finalizer missing"
for s in demo-postgres demo-redis; do
  kubectl -n "$ns" get secret "$s" >/dev/null 2>&1 || fail "generated Secret $s missing"
done
grep -q '"msg":"[^"]*password' "$log_file" && fail "a password reached the log"
pvcs_bound=$(kubectl -n "$ns" get pvc -o json | jq '[.items[] | select(.status.phase=="Bound")] | length')
[ "$pvcs_bound" -ge 2 ] || fail "expected the data PVCs bound, got $pvcs_bound"
e2e_log "status, secrets and $pvcs_bound bound PVCs as expected"

# Scale subresource -> the api Deployment.
kubectl -n "$ns" scale platform/demo --replicas=3 >/dev/null
api_replicas() { [ "$(kubectl -n "$ns" get deploy demo-api -o jsonpath='{.spec.replicas}')" = 3 ]; }
poll 30 "the api Deployment to scale to 3" api_replicas
status_replicas() { [ "$(kubectl -n "$ns" get platform demo -o jsonpath='{.status.replicas}')" = 3 ]; }
poll 60 "status.replicas to report 3" status_replicas
e2e_log "kubectl scale platform/demo --replicas=3 reached the api Deployment and status"

# Drift: an edited image is put back; a deleted Service comes back.
image=$(kubectl -n "$ns" get deploy demo-api -o jsonpath='{.spec.template.spec.containers[0].image}')
kubectl -n "$ns" set image deploy/demo-api api=example.invalid/tampered:1 >/dev/null
restored() { [ "$(kubectl -n "$ns" get deploy demo-api -o jsonpath='{.spec.template.spec.containers[0].image}')" = "$image" ]; }
poll 30 "the api image to be restored" restored
kubectl -n "$ns" delete service demo-api --wait=true >/dev/null
poll 30 "the api Service to be recreated" kubectl -n "$ns" get service demo-api
poll 120 "Ready again after drift repair" ready
e2e_log "drift repaired: image restored, Service recreated"

# Under an HPA the operator never sends spec.replicas: a scale by the autoscaler (here through the
# same scale subresource the HPA controller uses) is not reverted.
kubectl -n "$ns" patch platform demo --type merge -p '{"spec":{"api":{"autoscaling":{"enabled":true,"minReplicas":2,"maxReplicas":8}}}}' >/dev/null
poll 30 "the api HPA" kubectl -n "$ns" get hpa demo-api
kubectl -n "$ns" scale deploy demo-api --replicas=5 >/dev/null
sleep 8
[ "$(kubectl -n "$ns" get deploy demo-api -o jsonpath='{.spec.replicas}')" = 5 ] || fail "the operator reverted an HPA-driven scale"
poll 60 "Ready with the HPA" ready
e2e_log "HPA-driven scale to 5 kept"

# Idle: no child changes its resourceVersion while nothing changes (HPAs left out: the HPA controller
# writes their status on its own schedule).
snapshot() { kubectl -n "$ns" get deploy,sts,svc,cm,sa,pdb,networkpolicy,cronjob,role,rolebinding \
  -l app.kubernetes.io/instance=demo -o json | jq -r '.items[] | "\(.kind)/\(.metadata.name) \(.metadata.resourceVersion)"' | sort; }
sleep 3
before=$(snapshot)
sleep "${PO_E2E_IDLE_SECONDS:-20}"
after=$(snapshot)
[ "$before" = "$after" ] || { diff <(echo "$before") <(echo "$after") >&2; fail "children changed while idle"; }
e2e_log "idle for ${PO_E2E_IDLE_SECONDS:-20}s: $(wc -l <<<"$before") children, no resourceVersion changed"

# A reserved env name is refused at admission (the CRD's CEL rule), with its message.
if refused=$(kubectl -n "$ns" apply -f - 2>&1 >/dev/null <<YAML
apiVersion: platform.a11y.dev/v1alpha1
kind: Platform
metadata: {name: reserved-env, namespace: $ns}
spec:
  version: "1.0.0"
  api:
    env:
    - {name: DATABASE_URL, value: "postgres://elsewhere"}
YAML
); then fail "the apiserver accepted a reserved env name"; fi
grep -q "spec.api.env.*DATABASE_URL.*may not be overridden" <<<"$refused" || fail "unexpected refusal: $refused"

# A spec the schema accepts but the operator refuses (Redis maxmemory at or above the container's memory
# limit needs a quantity comparison CEL does not make here): Stalled/InvalidSpec, nothing crashes.
kubectl -n "$ns" apply -f - >/dev/null <<YAML
apiVersion: platform.a11y.dev/v1alpha1
kind: Platform
metadata: {name: bad, namespace: $ns}
spec:
  version: "1.0.0"
  cache:
    managed:
      maxMemory: 2gb
      resources: {limits: {memory: 1Gi}}
YAML
stalled() { [ "$(condition platform/bad Stalled)" = "True/InvalidSpec" ]; }
poll 30 "Platform bad Stalled=True/InvalidSpec" stalled
msg=$(kubectl -n "$ns" get platform bad -o jsonpath='{.status.conditions[?(@.type=="Stalled")].message}')
grep -q "spec.cache.managed.maxMemory" <<<"$msg" || fail "the InvalidSpec message does not name the field: $msg"
kill -0 "$OPERATOR_PID" || fail "operator died"
e2e_log "invalid spec reported: $msg"

# Every invalid fixture that only the operator can reject (no expect-apiserver line) is Stalled with
# a message naming the expected field, and none crashes the operator.
for f in "$PO_SOURCE_DIR"/tests/fixtures/invalid/*.yaml; do
  grep -q '^# expect-apiserver:' "$f" && continue
  want=$(sed -n 's/^# expect-operator: //p' "$f")
  fname=$(awk '/^metadata:/{m=1} m && /^  name:/{print $2; exit}' "$f")
  kubectl -n "$ns" apply -f "$f" >/dev/null || fail "$(basename "$f"): the apiserver rejected it"
  fixture_stalled() { [ "$(condition "platform/$fname" Stalled)" = "True/InvalidSpec" ]; }
  poll 30 "$(basename "$f") Stalled=True/InvalidSpec" fixture_stalled
  got=$(kubectl -n "$ns" get platform "$fname" -o jsonpath='{.status.conditions[?(@.type=="Stalled")].message}')
  field=${want%%: *}
  grep -qF "$field: " <<<"$got" || fail "$(basename "$f"): message '$got' does not name $field"
  kubectl -n "$ns" delete platform "$fname" --wait=false >/dev/null
done
kill -0 "$OPERATOR_PID" || fail "operator died on an invalid fixture"
e2e_log "every operator-only invalid fixture reported Stalled/InvalidSpec with its field"

# Metrics in controller-runtime's names.
metrics=$(curl -fsS "http://127.0.0.1:$METRICS_PORT/metrics")
grep -q '^controller_runtime_reconcile_total{controller="platform",result="success"}' <<<"$metrics" || fail "no reconcile metrics"

# Deletion keeps the volumes by default.
kubectl -n "$ns" delete platform demo --wait=true --timeout=60s >/dev/null
remaining=$(kubectl -n "$ns" get pvc -l app.kubernetes.io/instance=demo -o name | wc -l)
[ "$remaining" -ge 2 ] || fail "PVCs were deleted with the Platform (storage.whenDeleted defaults to Retain)"
gone() { ! kubectl -n "$ns" get deploy demo-api >/dev/null 2>&1; }
poll 60 "owned Deployments to be garbage-collected" gone
e2e_log "Platform deleted; $remaining PVCs kept; children collected"

kubectl -n "$ns" delete platforms --all --wait=true --timeout=60s >/dev/null || fail "Platforms not deleted while the operator runs"
stop_operator || fail "operator did not exit 0 on SIGTERM"
e2e_log "operator stopped cleanly"
e2e_log "PASS"
