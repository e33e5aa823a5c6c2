#!/usr/bin/env bash
# node tier (issue 12 #6, data): on a lean local Platform on the real node (storage.whenDeleted Retain,
# Redis with AOF and RDB), the stored audits and cached keys survive what happens to real pods:
#   - PostgreSQL: its pod deleted; then a node restart: the kubelet stopped, every container of the test's
#     namespace SIGKILLed meanwhile (hack/node.sh restart-kubelet --kill-pods-of), the kubelet started
#     again; PostgreSQL recovers from its WAL and the audits are in it and served through the gateway;
#   - Redis: keys written (and BGSAVEd) survive deleting its pod (loaded from the append-only file),
#     then turning AOF off (the operator rolls the pod; loaded from the RDB snapshot alone);
#   - a retained database: the Platform deleted (whenDeleted: Retain keeps the claims and the generated
#     PostgreSQL Secret), a new Platform of the same name adopts them and its api serves the old audits.
# The node restart stops the machine's one kubelet for a few seconds; other namespaces' pods keep running.
# PO_LOCAL_TAG picks the tag of this repository's images, default dev; PO_NODE_NS_PREFIX prefixes namespaces.
E2E_NAME=node-data
. "$(dirname "${BASH_SOURCE[0]}")/node_lib.sh"

node_operator_setup data

platform() {  # platform [merge patch...]: the lean sample with Retain, AOF and RDB, applied
  python3 "$PO_SOURCE_DIR/tests/node/lean_platform.py" "$ns" "$tag" \
    '{"spec": {"storage": {"whenDeleted": "Retain"}, "database": {"managed": {"backup": {"enabled": false}}}, "cache": {"managed": {"persistence": {"aof": true, "rdb": true}}}}}' \
    "$@" | kubectl apply -f - >/dev/null
}
e2e_log "a lean local Platform in $ns (whenDeleted Retain, Redis AOF and RDB)"
platform
wait_platform_ready "$ns" "$name" 420 || fail "the Platform did not become Ready on the real node"

psql_q() {
  kubectl -n "$ns" exec "$name-postgres-0" -c postgres -- sh -c \
    "PGPASSWORD=\"\$POSTGRES_PASSWORD\" psql -h 127.0.0.1 -U \"\$POSTGRES_USER\" -d \"\$POSTGRES_DB\" -tAc \"$1\"" 2>/dev/null | tr -d '[:space:]'
}
gateway=$(service_url "$ns" "$name-gateway" http)
token=$(mint_token "$ns" "$name" data-test)
ids=()
for i in 1 2 3; do
  id=$(post_audit "$gateway" "$token" "Data $i" https://shop.example/data | jq -r .id) || fail "audit $i through the gateway failed"
  ids+=("$id")
done
id_list=$(printf "'%s'," "${ids[@]}"); id_list=${id_list%,}
stored() { psql_q "SELECT count(*) FROM audits WHERE id IN ($id_list)"; }
three_stored() { [ "$(stored)" = 3 ]; }
poll 30 "the three audits in PostgreSQL" three_stored
e2e_log "audits ${ids[*]} stored in PostgreSQL"
served() {  # every audit read back by id through the gateway of the Platform as it is now
  local gw tk id
  gw=$(service_url "$ns" "$name-gateway" http) && tk=$(mint_token "$ns" "$name" data-test) || return 1
  for id in "${ids[@]}"; do
    curl -fsS --max-time 5 -H "Authorization: Bearer $tk" "$gw/api/v1/audits/$id" | jq -e --arg id "$id" '.id == $id' >/dev/null || return 1
  done
}

# --- PostgreSQL: the pod deleted
uid=$(kubectl -n "$ns" get pod "$name-postgres-0" -o jsonpath='{.metadata.uid}')
e2e_log "delete the PostgreSQL pod"
kubectl -n "$ns" delete pod "$name-postgres-0" --wait=true --timeout=120s >/dev/null
poll 180 "a new PostgreSQL pod, Ready" bash -c "[ \"\$(kubectl -n '$ns' get pod '$name-postgres-0' -o jsonpath='{.metadata.uid}/{.status.conditions[?(@.type==\"Ready\")].status}')\" != '$uid/True' ] && kubectl -n '$ns' wait --for=condition=Ready pod/'$name-postgres-0' --timeout=1s"
[ "$(stored)" = 3 ] || fail "after the PostgreSQL pod was deleted, $(stored) of the 3 audits are stored"
poll 120 "the audits served through the gateway after the PostgreSQL pod came back" served
e2e_log "PostgreSQL pod replaced: 3 of 3 audits stored and served"

# --- a node restart: the kubelet down, this namespace's containers killed, the kubelet up again. One more
# audit just before: acknowledged, in PostgreSQL's WAL, and likely not yet in a checkpoint.
# (The api answers 503 while its connections to the replaced PostgreSQL pod are re-made: a client retries.)
body=$(sample_page | sed "s|<h1>Welcome</h1>|<h1>Data 4</h1>|" | jq -Rs '{html: ., url: "https://shop.example/data"}')
id="" deadline=$((SECONDS + 60))
until id=$(curl -fsS --max-time 30 -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "$body" "$gateway/api/v1/audits" 2>/dev/null | jq -er .id); do
  [ $SECONDS -lt $deadline ] || fail "audit 4 through the gateway failed for 60 s"
  sleep 1
done
ids+=("$id"); id_list=$(printf "'%s'," "${ids[@]}"); id_list=${id_list%,}
poll 30 "the fourth audit in PostgreSQL" bash -c "[ \"\$(kubectl -n '$ns' exec '$name-postgres-0' -c postgres -- psql -U platform -d platform -tAc \"SELECT count(*) FROM audits WHERE id = '$id'\" 2>/dev/null | tr -d '[:space:]')\" = 1 ]"
restarts_before=$(kubectl -n "$ns" get pod "$name-postgres-0" -o jsonpath='{.status.containerStatuses[?(@.name=="postgres")].restartCount}')
e2e_log "node restart: hack/node.sh restart-kubelet --kill-pods-of $ns"
t0=$SECONDS
bash "$PO_SOURCE_DIR/hack/node.sh" restart-kubelet --kill-pods-of "$ns" || fail "hack/node.sh restart-kubelet failed"
poll 240 "PostgreSQL restarted by the kubelet and Ready" bash -c "
  r=\$(kubectl -n '$ns' get pod '$name-postgres-0' -o jsonpath='{.status.containerStatuses[?(@.name==\"postgres\")].restartCount}')
  [ \"\${r:-0}\" -gt '$restarts_before' ] && kubectl -n '$ns' wait --for=condition=Ready pod/'$name-postgres-0' --timeout=1s"
e2e_log "PostgreSQL container restarted ($(kubectl -n "$ns" get pod "$name-postgres-0" -o jsonpath='{.status.containerStatuses[?(@.name=="postgres")].restartCount}') restarts) $((SECONDS - t0)) s after the kubelet stopped"
pg_log=""
poll 30 "PostgreSQL's log after its restart" bash -c "kubectl -n '$ns' logs '$name-postgres-0' -c postgres | grep -q ."
pg_log=$(kubectl -n "$ns" logs "$name-postgres-0" -c postgres 2>&1 | head -n 20)
grep -Eq 'database system was (interrupted|not properly shut down)' <<<"$pg_log" \
  || fail "PostgreSQL's log after the node restart shows no crash recovery (was it really killed?): $pg_log"
e2e_log "PostgreSQL recovered after being killed: $(grep -E 'was not properly shut down|redo (starts|done)|redo is not required' <<<"$pg_log" | sed 's/^.*LOG: *//' | tr '\n' ';')"
[ "$(stored)" = 4 ] || fail "after the node restart, $(stored) of the 4 audits are stored"
wait_platform_ready "$ns" "$name" 240 || fail "the Platform did not become Ready again after the node restart"
poll 120 "the audits served through the gateway after the node restart" served
e2e_log "node restart: 4 of 4 audits stored and served"

# --- Redis: AOF, then the RDB snapshot alone
redis() { kubectl -n "$ns" exec "$name-redis-0" -c redis -- redis-cli --no-auth-warning "$@"; }
e2e_log "Redis: write keys, BGSAVE, delete the pod"
for i in 1 2 3; do redis SET "n12-data-$i" "value-$i" >/dev/null; done
last=$(redis LASTSAVE)
redis BGSAVE >/dev/null
poll 30 "the RDB snapshot written" bash -c "[ \"\$(kubectl -n '$ns' exec '$name-redis-0' -c redis -- redis-cli --no-auth-warning LASTSAVE)\" != '$last' ]"
redis SET n12-data-aof-only after-the-snapshot >/dev/null
sleep 2  # appendfsync everysec
files=$(kubectl -n "$ns" exec "$name-redis-0" -c redis -- sh -c 'ls /data /data/appendonlydir 2>/dev/null' | tr '\n' ' ')
grep -q 'dump.rdb' <<<"$files" && grep -q '\.aof' <<<"$files" || fail "Redis's volume has no dump.rdb and .aof files: $files"
uid=$(kubectl -n "$ns" get pod "$name-redis-0" -o jsonpath='{.metadata.uid}')
kubectl -n "$ns" delete pod "$name-redis-0" --wait=true --timeout=120s >/dev/null
poll 120 "a new Redis pod, Ready" bash -c "[ \"\$(kubectl -n '$ns' get pod '$name-redis-0' -o jsonpath='{.metadata.uid}')\" != '$uid' ] && kubectl -n '$ns' wait --for=condition=Ready pod/'$name-redis-0' --timeout=1s"
for i in 1 2 3; do [ "$(redis GET "n12-data-$i")" = "value-$i" ] || fail "Redis lost n12-data-$i across the pod's deletion"; done
[ "$(redis GET n12-data-aof-only)" = after-the-snapshot ] || fail "Redis lost the key written after the snapshot (the AOF was not loaded)"
# (The log read whole first: grep -q stopping early would fail kubectl's write under pipefail.)
redis_log=$(kubectl -n "$ns" logs "$name-redis-0" -c redis)
grep -q 'DB loaded from append only file' <<<"$redis_log" \
  || fail "Redis's log does not say it loaded the append-only file: $(grep -i load <<<"$redis_log" | tail -3)"
e2e_log "Redis pod replaced: 4 of 4 keys back, loaded from the append-only file"

e2e_log "Redis: AOF off (the operator rolls the pod with the new configuration); keys from the RDB snapshot"
uid=$(kubectl -n "$ns" get pod "$name-redis-0" -o jsonpath='{.metadata.uid}')
platform '{"spec": {"cache": {"managed": {"persistence": {"aof": false, "rdb": true}}}}}'
poll 180 "Redis rolled to the configuration without AOF, Ready" bash -c "[ \"\$(kubectl -n '$ns' get pod '$name-redis-0' -o jsonpath='{.metadata.uid}')\" != '$uid' ] && kubectl -n '$ns' wait --for=condition=Ready pod/'$name-redis-0' --timeout=1s"
[ "$(redis CONFIG GET appendonly | tail -1)" = no ] || fail "Redis still runs with appendonly on"
for i in 1 2 3; do [ "$(redis GET "n12-data-$i")" = "value-$i" ] || fail "Redis lost n12-data-$i when it started from the RDB snapshot"; done
redis_log=$(kubectl -n "$ns" logs "$name-redis-0" -c redis)
grep -q 'DB loaded from disk' <<<"$redis_log" \
  || fail "Redis's log does not say it loaded the RDB snapshot: $(grep -i load <<<"$redis_log" | tail -3)"
! grep -q 'append only file' <<<"$redis_log" || fail "Redis without AOF still loaded an append-only file"
e2e_log "Redis without AOF: 3 of 3 keys back, loaded from the RDB snapshot"
wait_platform_ready "$ns" "$name" 240 || fail "the Platform did not become Ready after the Redis change"

# --- a retained database adopted by a new Platform of the same name
claims=$(kubectl -n "$ns" get pvc -o jsonpath='{range .items[*]}{.metadata.name}={.metadata.uid}{"\n"}{end}' | sort)
pg_secret_uid=$(kubectl -n "$ns" get secret "$name-postgres" -o jsonpath='{.metadata.uid}')
e2e_log "delete the Platform (whenDeleted: Retain); claims: $(tr '\n' ' ' <<<"$claims")"
kubectl -n "$ns" delete platform "$name" --wait=true --timeout=180s >/dev/null || fail "the Platform was not deleted"
poll 180 "the Platform's pods gone" bash -c "[ -z \"\$(kubectl -n '$ns' get pods -o name)\" ]"
[ "$(kubectl -n "$ns" get pvc -o jsonpath='{range .items[*]}{.metadata.name}={.metadata.uid}{"\n"}{end}' | sort)" = "$claims" ] \
  || fail "the claims changed when the Platform was deleted with Retain: $(kubectl -n "$ns" get pvc -o name | tr '\n' ' ')"
[ "$(kubectl -n "$ns" get secret "$name-postgres" -o jsonpath='{.metadata.uid}' 2>/dev/null)" = "$pg_secret_uid" ] \
  || fail "the generated PostgreSQL Secret did not outlive the Platform (whenDeleted: Retain)"
e2e_log "claims and the PostgreSQL Secret kept; a new Platform of the same name"
platform '{"spec": {"cache": {"managed": {"persistence": {"aof": false, "rdb": true}}}}}'
wait_platform_ready "$ns" "$name" 420 || fail "the new Platform did not become Ready on the retained data"
[ "$(kubectl -n "$ns" get pvc -o jsonpath='{range .items[*]}{.metadata.name}={.metadata.uid}{"\n"}{end}' | sort)" = "$claims" ] \
  || fail "the new Platform did not adopt the retained claims (they differ now)"
[ "$(stored)" = 4 ] || fail "the new Platform's PostgreSQL has $(stored) of the 4 audits"
poll 120 "the old audits served by the new Platform's api through its gateway" served
for i in 1 2 3; do [ "$(redis GET "n12-data-$i")" = "value-$i" ] || fail "the new Platform's Redis lost n12-data-$i"; done
e2e_log "PASS: audits kept across the PostgreSQL pod's deletion and a node restart; Redis keys from its AOF and from its RDB snapshot; a retained database adopted by a new Platform whose api serves the old audits"
