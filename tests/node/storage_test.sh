#!/usr/bin/env bash
# node tier (issue 12 #6, storage sizes): growing spec.database.managed.storage.size on a running
# Platform on the real node, and what happens on a StorageClass that does not allow expansion.
#   - PostgreSQL's claim is on the cluster's default class (allowVolumeExpansion: true): after the size
#     grows, the claim requests the new size, the StatefulSet was re-created with the new template, the
#     PostgreSQL pod kept running (same pod, no restart) and the stored audit is still there;
#   - Redis's claim is on a class this test makes with allowVolumeExpansion: false (and a volume of its
#     own): growing spec.cache.managed.storage.size leaves the claim as it is, and the Platform says why
#     (condition VolumeExpansionRefused with the class named, a Warning Event); going back clears it.
# What the local cluster cannot show: its volumes are directories (hack/cluster.sh), which have no size,
# and no resizer runs there, so no filesystem really grows. What is tested is the operator's part: the
# claim's request, the StatefulSet's template, the running pod and data, and the refusal.
# PO_LOCAL_TAG picks the tag of this repository's images, default dev; PO_NODE_NS_PREFIX prefixes namespaces.
E2E_NAME=node-storage
. "$(dirname "${BASH_SOURCE[0]}")/node_lib.sh"

node_operator_setup storage
fixed=$ns-fixed
volume_dir=$(mktemp -d /tmp/platform-operator-node-volume.XXXXXX)
chmod 0777 "$volume_dir"
node_cleanup_last() {
  kubectl delete "pv/$fixed" "storageclass/$fixed" --wait=false >/dev/null 2>&1 || true
  rm -rf "$volume_dir"
}

e2e_log "StorageClass $fixed (allowVolumeExpansion: false) with one volume"
kubectl apply -f - >/dev/null <<YAML
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: $fixed}
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: Immediate
reclaimPolicy: Retain
allowVolumeExpansion: false
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: $fixed}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: $fixed
  hostPath: {path: "$volume_dir", type: Directory}
YAML
default_class=$(kubectl get storageclass -o json | jq -r '.items[] | select(.metadata.annotations["storageclass.kubernetes.io/is-default-class"] == "true") | "\(.metadata.name) allowVolumeExpansion=\(.allowVolumeExpansion // false)"')
e2e_log "default StorageClass: $default_class"

platform() {
  python3 "$PO_SOURCE_DIR/tests/node/lean_platform.py" "$ns" "$tag" \
    "{\"spec\": {\"database\": {\"managed\": {\"backup\": {\"enabled\": false}}}, \"cache\": {\"managed\": {\"storage\": {\"storageClassName\": \"$fixed\"}}}}}" \
    "$@" | kubectl apply -f - >/dev/null
}
e2e_log "a lean local Platform: PostgreSQL on the default class (1Gi), Redis on $fixed (1Gi)"
platform
wait_platform_ready "$ns" "$name" 420 || fail "the Platform did not become Ready on the real node"
pg_claim=data-$name-postgres-0 redis_claim=data-$name-redis-0
requested() { kubectl -n "$ns" get pvc "$1" -o jsonpath='{.spec.resources.requests.storage}'; }
template_size() { kubectl -n "$ns" get statefulset "$1" -o jsonpath='{.spec.volumeClaimTemplates[0].spec.resources.requests.storage}'; }
[ "$(kubectl -n "$ns" get pvc "$redis_claim" -o jsonpath='{.spec.storageClassName}/{.status.phase}')" = "$fixed/Bound" ] \
  || fail "Redis's claim is not bound on $fixed: $(kubectl -n "$ns" get pvc "$redis_claim" -o wide)"

gateway=$(service_url "$ns" "$name-gateway" http)
token=$(mint_token "$ns" "$name" storage-test)
id=$(post_audit "$gateway" "$token" | jq -r .id) || fail "an audit through the gateway failed"
stored() {
  kubectl -n "$ns" exec "$name-postgres-0" -c postgres -- sh -c \
    "PGPASSWORD=\"\$POSTGRES_PASSWORD\" psql -h 127.0.0.1 -U \"\$POSTGRES_USER\" -d \"\$POSTGRES_DB\" -tAc \"SELECT count(*) FROM audits WHERE id = '$id'\"" 2>/dev/null | tr -d '[:space:]'
}
one_stored() { [ "$(stored)" = 1 ]; }
poll 30 "audit $id in PostgreSQL" one_stored

# --- growing PostgreSQL's volume on the default class
pod_uid=$(kubectl -n "$ns" get pod "$name-postgres-0" -o jsonpath='{.metadata.uid}')
restarts=$(kubectl -n "$ns" get pod "$name-postgres-0" -o jsonpath='{.status.containerStatuses[?(@.name=="postgres")].restartCount}')
sts_uid=$(kubectl -n "$ns" get statefulset "$name-postgres" -o jsonpath='{.metadata.uid}')
e2e_log "spec.database.managed.storage.size 1Gi -> 2Gi"
t0=$SECONDS
platform '{"spec": {"database": {"managed": {"storage": {"size": "2Gi"}}}}}'
poll 60 "claim $pg_claim requesting 2Gi" bash -c "[ \"\$(kubectl -n '$ns' get pvc '$pg_claim' -o jsonpath='{.spec.resources.requests.storage}')\" = 2Gi ]"
poll 60 "StatefulSet $name-postgres re-created with a 2Gi template" bash -c \
  "[ \"\$(kubectl -n '$ns' get statefulset '$name-postgres' -o jsonpath='{.metadata.uid}/{.spec.volumeClaimTemplates[0].spec.resources.requests.storage}' 2>/dev/null)\" != '$sts_uid/1Gi' ] &&
   [ \"\$(kubectl -n '$ns' get statefulset '$name-postgres' -o jsonpath='{.spec.volumeClaimTemplates[0].spec.resources.requests.storage}' 2>/dev/null)\" = 2Gi ]"
wait_platform_ready "$ns" "$name" 180 || fail "the Platform is not Ready after the database's volume grew"
e2e_log "grown in $((SECONDS - t0)) s: claim requests $(requested "$pg_claim") (status.capacity $(kubectl -n "$ns" get pvc "$pg_claim" -o jsonpath='{.status.capacity.storage}')), template $(template_size "$name-postgres")"
[ "$(kubectl -n "$ns" get pod "$name-postgres-0" -o jsonpath='{.metadata.uid}')" = "$pod_uid" ] \
  || fail "the PostgreSQL pod was replaced; growing the volume should keep it running"
[ "$(kubectl -n "$ns" get pod "$name-postgres-0" -o jsonpath='{.status.containerStatuses[?(@.name=="postgres")].restartCount}')" = "$restarts" ] \
  || fail "PostgreSQL restarted while its volume grew"
[ "$(kubectl -n "$ns" get pod "$name-postgres-0" -o jsonpath='{.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].uid}')" = \
  "StatefulSet/$(kubectl -n "$ns" get statefulset "$name-postgres" -o jsonpath='{.metadata.uid}')" ] \
  || fail "the new StatefulSet did not adopt the PostgreSQL pod"
[ "$(stored)" = 1 ] || fail "audit $id is gone after the volume grew"
kubectl -n "$ns" get events.events.k8s.io -o json | jq -e '[.items[] | select(.reason == "VolumesExpanding")] | length > 0' >/dev/null \
  || fail "no VolumesExpanding Event"
[ -z "$(kubectl -n "$ns" get platform "$name" -o jsonpath='{.status.conditions[?(@.type=="VolumeExpansionRefused")].status}')" ] \
  || fail "VolumeExpansionRefused is set after a growth that went through"
e2e_log "the same PostgreSQL pod runs (no restart), adopted by the new StatefulSet; the audit is there"

# --- growing Redis's volume on a class that does not allow it
e2e_log "spec.cache.managed.storage.size 1Gi -> 2Gi on $fixed (allowVolumeExpansion: false)"
platform '{"spec": {"database": {"managed": {"storage": {"size": "2Gi"}}}, "cache": {"managed": {"storage": {"size": "2Gi"}}}}}'
poll 60 "VolumeExpansionRefused=True" bash -c "[ \"\$(kubectl -n '$ns' get platform '$name' -o jsonpath='{.status.conditions[?(@.type==\"VolumeExpansionRefused\")].status}')\" = True ]"
message=$(kubectl -n "$ns" get platform "$name" -o jsonpath='{.status.conditions[?(@.type=="VolumeExpansionRefused")].message}')
e2e_log "VolumeExpansionRefused: $message"
grep -q "claim $redis_claim cannot grow from 1Gi to 2Gi: its StorageClass $fixed does not allow volume expansion" <<<"$message" \
  || fail "the condition does not say why the claim cannot grow: $message"
kubectl -n "$ns" get events.events.k8s.io -o json | jq -e --arg c "$fixed" '[.items[] | select(.reason == "VolumeExpansionRefused" and (.note | contains($c)))] | length > 0' >/dev/null \
  || fail "no VolumeExpansionRefused Event naming $fixed"
[ "$(requested "$redis_claim")" = 1Gi ] || fail "Redis's claim changed: $(requested "$redis_claim")"
[ "$(template_size "$name-redis")" = 1Gi ] || fail "Redis's StatefulSet template changed: $(template_size "$name-redis")"
wait_platform_ready "$ns" "$name" 60 || fail "the Platform is not Ready while only the volume size is refused"
e2e_log "back to 1Gi: the condition goes"
platform '{"spec": {"database": {"managed": {"storage": {"size": "2Gi"}}}}}'
poll 60 "VolumeExpansionRefused gone" bash -c "[ -z \"\$(kubectl -n '$ns' get platform '$name' -o jsonpath='{.status.conditions[?(@.type==\"VolumeExpansionRefused\")].status}')\" ]"
e2e_log "PASS: the database's volume grew on an expandable class with its pod and data kept; on $fixed the Platform said why it could not"
