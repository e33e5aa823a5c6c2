#!/usr/bin/env bash
# node tier: the api's readiness follows PostgreSQL (issue 12, item 2), on real pods. With the local
# sample Platform on the real node and the operator in cluster from its image:
#   - PostgreSQL is stopped (the operator paused so that it does not scale the StatefulSet back at once,
#     then the StatefulSet scaled to 0: the server gets its stop signal and goes away with its pod);
#   - the api pod's Ready condition turns False within one readiness probe period (plus the probe's
#     timeout and a second for the kubelet's status write), read from the rendered probe;
#   - while the database is away the api answers /health/live (the liveness probe passes: no restart) and
#     /health/ready answers 503 "database unreachable";
#   - PostgreSQL back: the same api pod, not restarted, is Ready again by itself, and an audit is stored.
# PO_LOCAL_TAG picks the tag of this repository's images (hack/images.sh), default dev.
E2E_NAME=node-db-outage
. "$(dirname "${BASH_SOURCE[0]}")/node_lib.sh"
. "$PO_SOURCE_DIR/tests/node/traffic_lib.sh"

traffic_setup dbout
e2e_log "apply the local sample in $ns (one api replica, no frontend)"
apply_platform '{"api": {"replicas": 1}}'
wait_platform_ready "$ns" "$name" 420 || fail "the Platform did not become Ready on the real node"

pod=$(kubectl -n "$ns" get pods -l app.kubernetes.io/component=api -o jsonpath='{.items[0].metadata.name}')
ip=$(kubectl -n "$ns" get pod "$pod" -o jsonpath='{.status.podIP}')
restarts() { kubectl -n "$ns" get pod "$pod" -o jsonpath='{.status.containerStatuses[0].restartCount}'; }
restarts_before=$(restarts)
probe=$(kubectl -n "$ns" get deploy "$name-api" -o json | jq -c '.spec.template.spec.containers[0].readinessProbe')
period=$(jq -r '.periodSeconds' <<<"$probe") failures=$(jq -r '.failureThreshold' <<<"$probe") timeout=$(jq -r '.timeoutSeconds' <<<"$probe")
[ "$(pod_ready "$ns" "$pod")" = True ] || fail "api pod $pod is not Ready before the outage"
e2e_log "api pod $pod ($ip), readiness probe every ${period}s, failing after $failures, timeout ${timeout}s"

e2e_log "pause the operator; stop PostgreSQL (StatefulSet $name-postgres to 0 replicas)"
kubectl -n "$op_ns" scale deploy "$release-platform-operator" --replicas=0 >/dev/null
kubectl -n "$op_ns" wait --for=delete pod -l app.kubernetes.io/name=platform-operator --timeout=90s >/dev/null 2>&1 || true
kubectl -n "$ns" scale statefulset "$name-postgres" --replicas=0 >/dev/null
stopped=$SECONDS
# The server stops at its stop signal (SIGINT, a fast shutdown), before the pod object is gone.
until [ "$(pod_ready "$ns" "$pod")" = False ]; do
  [ $((SECONDS - stopped)) -le 60 ] || fail "api pod $pod still Ready 60 s after PostgreSQL was stopped"
  sleep 0.25
done
took=$((SECONDS - stopped)) bound=$((period * failures + timeout + 2))
e2e_log "api pod not Ready ${took}s after PostgreSQL was told to stop (bound: ${period}s x $failures + ${timeout}s timeout + 2s)"
[ "$took" -le "$bound" ] || fail "readiness took ${took}s to turn False, more than one probe period allows (${bound}s)"
kubectl -n "$ns" wait --for=delete pod "$name-postgres-0" --timeout=90s >/dev/null || fail "the PostgreSQL pod did not go away"

# Two more probe periods without the database: not Ready, alive, not restarted.
until_t=$((SECONDS + 2 * period + 2))
while [ $SECONDS -lt $until_t ]; do
  live=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://$ip:8000/health/live") || true
  [ "$live" = 200 ] || fail "/health/live answered '$live' while PostgreSQL was down"
  [ "$(pod_ready "$ns" "$pod")" = False ] || fail "api pod $pod Ready again while PostgreSQL is down"
  sleep 1
done
ready=$(curl -s --max-time 5 "http://$ip:8000/health/ready")
jq -e '.reasons | index("database unreachable")' <<<"$ready" >/dev/null || fail "/health/ready does not say the database is unreachable: $ready"
[ "$(restarts)" = "$restarts_before" ] || fail "the api container was restarted during the outage ($(restarts) restarts)"
e2e_log "during the outage: /health/live 200, /health/ready $ready, no restart"

e2e_log "PostgreSQL back (1 replica)"
kubectl -n "$ns" scale statefulset "$name-postgres" --replicas=1 >/dev/null
kubectl -n "$ns" wait --for=condition=Ready pod/"$name-postgres-0" --timeout=180s >/dev/null 2>&1 \
  || { sleep 5; kubectl -n "$ns" wait --for=condition=Ready pod/"$name-postgres-0" --timeout=120s >/dev/null; } \
  || fail "PostgreSQL did not come back"
back=$SECONDS
until [ "$(pod_ready "$ns" "$pod")" = True ]; do
  [ $((SECONDS - back)) -le $((period * 2 + 10)) ] || fail "api pod $pod not Ready $((SECONDS - back))s after PostgreSQL was Ready again"
  sleep 0.25
done
e2e_log "api pod Ready again $((SECONDS - back))s after PostgreSQL was"
[ "$(restarts)" = "$restarts_before" ] || fail "the api container was restarted ($(restarts) restarts)"

kubectl -n "$op_ns" scale deploy "$release-platform-operator" --replicas=1 >/dev/null
wait_platform_ready "$ns" "$name" 180 || fail "the Platform is not Ready after the outage"
gateway=$(service_url "$ns" "$name-gateway" http)
token=$(mint_token "$ns" "$name" outage-test)
id=$(post_audit "$gateway" "$token" | jq -r '.id') || fail "no audit through the gateway after the outage"
stored=$(kubectl -n "$ns" exec "$name-postgres-0" -c postgres -- psql -U platform -d platform -tAc "SELECT count(*) FROM audits WHERE id = '$id'" | tr -d '[:space:]')
[ "$stored" = 1 ] || fail "audit $id is not in PostgreSQL after the outage"
e2e_log "PASS: not Ready within ${took}s of PostgreSQL stopping, alive and unrestarted throughout, Ready again by itself; audit $id stored"
