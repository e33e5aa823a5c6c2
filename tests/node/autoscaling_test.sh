#!/usr/bin/env bash
# node tier: the api's HorizontalPodAutoscaler on real pods and real CPU figures (issue 12, item 4). With
# the local sample Platform on the real node (api replicas 3, 100m CPU asked per pod) and the operator in
# cluster from its image:
#   - enabling spec.api.autoscaling on the running Platform (min 2, max 4, 50 % CPU, a 10 s scale-down
#     stabilization window through spec.api.autoscaling.behavior) never drops the Deployment below 2:
#     the operator hands spec.replicas over (its field manager stops owning it) instead of letting
#     server-side apply reset it to 1;
#   - metrics-server reports the api pods' CPU (the HPA shows a current utilization);
#   - bounded wrk load through the gateway Service (unique audits, loopback to the ClusterIP) makes the
#     HPA scale the api up; during the load the replica count only grows and the operator's field manager
#     never owns spec.replicas (it does not fight the HPA);
#   - after the load the HPA scales the api back down to its minimum.
# The Deployment's spec.replicas is sampled every 0.5 s throughout; the test fails if it is ever below 2.
# PO_LOCAL_TAG picks the tag of this repository's images (hack/images.sh), default dev.
E2E_NAME=node-autoscaling
. "$(dirname "${BASH_SOURCE[0]}")/node_lib.sh"
. "$PO_SOURCE_DIR/tests/node/traffic_lib.sh"

traffic_setup hpa
e2e_log "apply the local sample in $ns: api replicas 3, 100m CPU asked per api pod"
apply_platform '{"api": {"replicas": 3, "resources": {"requests": {"cpu": "100m"}}}}'
wait_platform_ready "$ns" "$name" 420 || fail "the Platform did not become Ready on the real node"
deploy="$name-api"
[ "$(kubectl -n "$ns" get deploy "$deploy" -o jsonpath='{.spec.replicas}')" = 3 ] || fail "the api Deployment does not have 3 replicas"

e2e_log "wait for metrics-server (hack/node.sh wait-metrics)"
bash "$PO_SOURCE_DIR/hack/node.sh" wait-metrics >/dev/null || fail "metrics-server does not serve the node's metrics"

samples="$log_dir/replicas.txt"
( while :; do
    r=$(kubectl -n "$ns" get deploy "$deploy" -o jsonpath='{.spec.replicas}' 2>/dev/null) && echo "$SECONDS $r"
    sleep 0.5
  done ) > "$samples" &
traffic_pids+=($!)
replicas() { kubectl -n "$ns" get deploy "$deploy" -o jsonpath='{.spec.replicas}'; }
# The field managers that own the Deployment's spec.replicas, one per line ("manager/operation/subresource").
replica_owners() {
  kubectl -n "$ns" get deploy "$deploy" --show-managed-fields -o json \
    | jq -r '.metadata.managedFields[] | select(.fieldsV1["f:spec"]["f:replicas"] != null) | "\(.manager)/\(.operation)/\(.subresource // "")"'
}
operator_owns_replicas() { replica_owners | grep -q '^platform-operator/'; }
operator_owns_replicas || fail "before autoscaling the operator does not own spec.replicas: $(replica_owners | tr '\n' ' ')"

e2e_log "enable autoscaling on the running Platform: min 2, max 4, 50 % CPU, scale-down window 10 s"
kubectl -n "$ns" patch platform "$name" --type merge -p '{"spec":{"api":{"autoscaling":{
  "enabled": true, "minReplicas": 2, "maxReplicas": 4, "targetCPUUtilizationPercentage": 50,
  "behavior": {"scaleDown": {"stabilizationWindowSeconds": 10, "policies": [{"type": "Percent", "value": 100, "periodSeconds": 5}]},
               "scaleUp": {"stabilizationWindowSeconds": 0, "policies": [{"type": "Pods", "value": 2, "periodSeconds": 5}]}}}}}}' >/dev/null
poll 60 "the api HPA" kubectl -n "$ns" get hpa "$deploy"
poll 60 "the operator's field manager to stop owning spec.replicas" bash -c "! kubectl -n '$ns' get deploy '$deploy' --show-managed-fields -o json | jq -e '.metadata.managedFields[] | select(.manager == \"platform-operator\" and .fieldsV1[\"f:spec\"][\"f:replicas\"] != null)' >/dev/null"
now=$(replicas)
[ "$now" -ge 2 ] || fail "enabling autoscaling dropped the api Deployment to $now replicas"
e2e_log "autoscaling on: spec.replicas $now, owned by $(replica_owners | tr '\n' ' ')"

hpa_utilization() { kubectl -n "$ns" get hpa "$deploy" -o json | jq -r '[.status.currentMetrics[]? | .resource.current.averageUtilization // empty][0] // empty'; }
poll 180 "the HPA to read the api pods' CPU from metrics-server" bash -c "[ -n \"\$(kubectl -n '$ns' get hpa '$deploy' -o json | jq -r '[.status.currentMetrics[]? | .resource.current.averageUtilization // empty][0] // empty')\" ]"
e2e_log "metrics-server reports the api's CPU: $(hpa_utilization) % of the request on average"
poll 120 "the idle api scaled to its minimum (2)" bash -c "[ \"\$(kubectl -n '$ns' get deploy '$deploy' -o jsonpath='{.spec.replicas}')\" = 2 ]"
base=$(replicas)
e2e_log "idle: $base replicas at $(hpa_utilization) % CPU"

gateway=$(service_url "$ns" "$name-gateway" http)
e2e_log "load: wrk, 32 connections of unique audits through the gateway ($gateway), at most 150 s"
load_start=$SECONDS
wrk_audits "$gateway" 32 150 "$log_dir/responses" 1 > "$log_dir/wrk.txt" 2>&1 &
traffic_pids+=($!)
wrk_pid=$!
deadline=$((SECONDS + 150))
until [ "$(replicas)" -gt "$base" ]; do
  [ $SECONDS -lt $deadline ] || fail "the HPA did not scale the api up under load (CPU $(hpa_utilization) %, HPA: $(kubectl -n "$ns" get hpa "$deploy" -o jsonpath='{.status}'))"
  sleep 1
done
e2e_log "scaled up to $(replicas) replicas $((SECONDS - load_start)) s into the load (CPU $(hpa_utilization) %)"
# Keep the load on a while: the count must not be taken back by the operator.
sleep 15
peak=$(replicas)
kill "$wrk_pid" 2>/dev/null || true; wait "$wrk_pid" 2>/dev/null || true
load_end=$SECONDS
[ "$peak" -gt "$base" ] || fail "the api went back to $peak replicas while the load was still on"
! operator_owns_replicas || fail "the operator's field manager owns spec.replicas under the HPA: $(replica_owners | tr '\n' ' ')"
# During the load the replica count only grew.
awk -v s="$load_start" -v e="$load_end" '$1 >= s && $1 <= e { if (last != "" && $2 < last) { print "went from " last " to " $2 " at " $1; bad = 1 } last = $2 } END { exit bad }' "$samples" \
  || fail "spec.replicas went down during the load"
e2e_log "load off at $peak replicas; spec.replicas owned by $(replica_owners | tr '\n' ' ')"

deadline=$((SECONDS + 180))
until [ "$(replicas)" = 2 ]; do
  [ $SECONDS -lt $deadline ] || fail "the HPA did not scale the api back down to 2 within 180 s of the load ($(replicas) replicas, CPU $(hpa_utilization) %)"
  sleep 1
done
e2e_log "scaled back down to 2 replicas $((SECONDS - load_end)) s after the load"
traffic_stop
min=$(awk '{print $2}' "$samples" | sort -n | head -1)
[ -n "$min" ] && [ "$min" -ge 2 ] || fail "spec.replicas was $min at some point (below the HPA's minimum of 2)"
wait_platform_ready "$ns" "$name" 120 || fail "the Platform is not Ready under its HPA"
e2e_log "PASS: autoscaling enabled at 3 replicas without a drop (min seen $min), CPU from metrics-server, scaled $base -> $peak under load and back to 2 after"
