#!/usr/bin/env bash
# node tier: the backup CronJob, triggered as a Job, writes a dump that hack/restore.sh loads into a fresh
# Platform in another namespace; the audits come back (in PostgreSQL and through the new gateway).
# PO_LOCAL_TAG picks the tag of this repository's images (hack/images.sh), default dev; PO_NODE_NS_PREFIX
# prefixes the test's namespaces (a shared cluster).
E2E_NAME=node-backup
. "$(dirname "${BASH_SOURCE[0]}")/node_lib.sh"

tag=${PO_LOCAL_TAG:-dev}
log_dir=$(mktemp -d /tmp/platform-operator-node.XXXXXX)  # dump_namespace writes here
suffix=$(head -c4 /dev/urandom | od -An -tx1 | tr -d ' \n')
p=${PO_NODE_NS_PREFIX:-}
release=po-bak-$suffix op_ns=${p}bak-op-$suffix name=local
src=${p}bak-src-$suffix dst=${p}bak-dst-$suffix
install_crd
kubectl create namespace "$src" >/dev/null
kubectl create namespace "$dst" >/dev/null
cleanup() {
  local rc=$?
  if [ "$rc" != 0 ] && [ "$rc" != 77 ]; then
    for n in "$src" "$dst"; do ns=$n dump_namespace || true; done
  fi
  kubectl -n "$src" delete platforms --all --wait=false >/dev/null 2>&1 || true
  kubectl -n "$dst" delete platforms --all --wait=false >/dev/null 2>&1 || true
  kubectl -n "$src" wait --for=delete platform/"$name" --timeout=120s >/dev/null 2>&1 || true
  kubectl -n "$dst" wait --for=delete platform/"$name" --timeout=120s >/dev/null 2>&1 || true
  helm uninstall "$release" -n "$op_ns" --wait --timeout 60s >/dev/null 2>&1 || true
  kubectl delete namespace "$src" "$dst" "$op_ns" --wait=false >/dev/null 2>&1 || true
}
trap cleanup EXIT

e2e_log "install the chart (operator image tag $tag), watching $src and $dst"
helm install "$release" "$PO_SOURCE_DIR/charts/platform-operator" -n "$op_ns" --create-namespace --take-ownership \
  -f "$PO_SOURCE_DIR/config/local/operator-values.yaml" --set image.tag="$tag" --set watchNamespaces="{$src,$dst}" \
  --wait --timeout 3m >/dev/null || fail "the operator Deployment did not become available on the real node"

apply_platform() {  # apply_platform <namespace>: the lean local sample (no frontend, no monitoring)
  python3 "$PO_SOURCE_DIR/tests/node/lean_platform.py" "$1" "$tag" | kubectl apply -f - >/dev/null
}

e2e_log "a Platform in $src with three audits"
apply_platform "$src"
wait_platform_ready "$src" "$name" 420 || fail "the source Platform did not become Ready"
gateway=$(service_url "$src" "$name-gateway" http)
token=$(mint_token "$src" "$name" backup-test)
ids=()
for i in 1 2 3; do
  id=$(post_audit "$gateway" "$token" "Page $i" | jq -r .id) || fail "audit $i through the gateway failed"
  ids+=("$id")
done
e2e_log "audits ${ids[*]}"

e2e_log "the backup CronJob, triggered as a Job"
kubectl -n "$src" create job --from=cronjob/"$name-postgres-backup" "$name-backup-now" >/dev/null
kubectl -n "$src" wait --for=condition=Complete job/"$name-backup-now" --timeout=180s >/dev/null \
  || fail "the backup Job did not complete: $(kubectl -n "$src" logs job/"$name-backup-now" 2>&1 | tail -5)"
e2e_log "$(kubectl -n "$src" logs job/"$name-backup-now" | tail -1)"

e2e_log "a fresh Platform in $dst, then hack/restore.sh"
apply_platform "$dst"
wait_platform_ready "$dst" "$name" 420 || fail "the target Platform did not become Ready"
count_dst() {
  kubectl -n "$dst" exec "$name-postgres-0" -c postgres -- sh -c \
    'PGPASSWORD="$POSTGRES_PASSWORD" psql -h 127.0.0.1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -tAc "SELECT count(*) FROM audits"' | tr -d '[:space:]'
}
[ "$(count_dst)" = 0 ] || fail "the fresh Platform already has audits"
dumps=$(bash "$PO_SOURCE_DIR/hack/restore.sh" list "$src/$name") || fail "hack/restore.sh list failed"
grep -q '^platform-.*\.dump$' <<<"$dumps" || fail "hack/restore.sh list shows no dump: $dumps"
bash "$PO_SOURCE_DIR/hack/restore.sh" restore --from "$src/$name" --dump latest --into "$dst/$name" || fail "hack/restore.sh restore failed"
[ "$(count_dst)" = 3 ] || fail "after the restore $dst has $(count_dst) audits, want 3"

e2e_log "the restored audits through the new Platform's gateway"
gateway2=$(service_url "$dst" "$name-gateway" http)
token2=$(mint_token "$dst" "$name" backup-test)
for id in "${ids[@]}"; do
  got=$(curl -fsS --max-time 10 -H "Authorization: Bearer $token2" "$gateway2/api/v1/audits/$id" | jq -r .id) || true
  [ "$got" = "$id" ] || fail "GET /api/v1/audits/$id on the restored Platform returned '$got'"
done
e2e_log "PASS: backup Job dump restored into a fresh Platform; ${#ids[@]} audits back, served by its api"
