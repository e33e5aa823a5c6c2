#!/usr/bin/env bash
# node tier: the local sample Platform on the real node, with the operator itself running in cluster from
# its image (installed by the chart). Checks, with real containers:
#   - the Platform reaches Ready by real probes;
#   - an audit sent through the gateway Service is answered with findings and read back by id;
#   - its row is in PostgreSQL (psql in the database pod);
#   - deleting the api pod and the PostgreSQL pod loses no stored audit (the volume keeps the data);
#   - Prometheus reports every scrape target the operator configured as up.
E2E_NAME=node-stack
. "$(dirname "${BASH_SOURCE[0]}")/../e2e/lib.sh"
. "$PO_SOURCE_DIR/tests/e2e/operator_lib.sh"
. "$PO_SOURCE_DIR/hack/lib/stack.sh"
stack_say() { e2e_log "$*"; }

require_cluster
if [ -f "$PO_STATE/node.unavailable" ]; then
  e2e_log "SKIP: no real node: $(cat "$PO_STATE/node.unavailable")"
  exit 77
fi

release=po-node op_ns=po-node-system name=local
install_crd
make_test_namespace node
log_dir=$(mktemp -d /tmp/platform-operator-node.XXXXXX)
cleanup() {
  local rc=$?
  if [ "$rc" != 0 ] && [ "$rc" != 77 ]; then
    dump_namespace
    kubectl -n "$ns" get pods -o json | jq -r '.items[] | "\(.metadata.name): \([.status.containerStatuses[]? | "\(.name) ready=\(.ready) restarts=\(.restartCount) \(.state | keys[0]) \(.state[] | .reason? // "")"] | join("; "))"' >&2 || true
    kubectl -n "$op_ns" logs deploy/"$release"-platform-operator --tail 60 >&2 2>&1 || true
  fi
  kubectl -n "$ns" delete platforms --all --wait=true --timeout=120s >/dev/null 2>&1 || true
  helm uninstall "$release" -n "$op_ns" --wait --timeout 60s >/dev/null 2>&1 || true
  kubectl delete namespace "$ns" "$op_ns" --wait=false >/dev/null 2>&1 || true
}
trap cleanup EXIT

e2e_log "install the chart with the operator image built here, on the real node"
# --take-ownership: the chart renders the CRD, which install_crd (kubectl) created above.
helm install "$release" "$PO_SOURCE_DIR/charts/platform-operator" -n "$op_ns" --create-namespace --take-ownership \
  -f "$PO_SOURCE_DIR/config/local/operator-values.yaml" --set watchNamespaces="{$ns}" \
  --wait --timeout 3m >/dev/null \
  || fail "the operator Deployment did not become available on the real node"
node=$(kubectl -n "$op_ns" get pods -o jsonpath='{.items[0].spec.nodeName}')
[ "$node" = "${PO_NODE_NAME:-po-node}" ] || fail "the operator pod runs on '$node', not on the real node"

e2e_log "apply config/samples/platform-local.yaml in $ns"
sed "s/^  namespace: a11y-local$/  namespace: $ns/" "$PO_SOURCE_DIR/config/samples/platform-local.yaml" | kubectl apply -f - >/dev/null
wait_platform_ready "$ns" "$name" 420 || fail "the local Platform did not become Ready on the real node"
for pod in $(kubectl -n "$ns" get pods -o jsonpath='{range .items[?(@.status.phase=="Running")]}{.metadata.name}{" "}{.spec.nodeName}{"\n"}{end}' | awk '$2 != "po-node" {print $1}'); do
  fail "pod $pod does not run on the real node"
done

gateway=$(service_url "$ns" "$name-gateway" http)
token=$(mint_token "$ns" "$name" frontend)
e2e_log "audit through the gateway ($gateway)"
response=$(post_audit "$gateway" "$token") || fail "POST /api/v1/audits through the gateway failed: $response"
id=$(jq -r '.id' <<<"$response")
[ -n "$id" ] && [ "$id" != null ] || fail "no audit id in: ${response:0:400}"
rules=$(jq -r '[.findings[].ruleId // .findings[].rule] | unique | join(",")' <<<"$response")
e2e_log "audit $id: $(jq '.findings | length' <<<"$response") findings ($rules)"
case ",$rules," in *,image-alt,*) ;; *) fail "the sample page's missing alt text was not found: $rules" ;; esac
got=$(curl -fsS --max-time 10 -H "Authorization: Bearer $token" "$gateway/api/v1/audits/$id" | jq -r '.id')
[ "$got" = "$id" ] || fail "GET /api/v1/audits/$id through the gateway returned '$got'"

e2e_log "the web UI through the gateway shows the audit"
page=$(curl -fsS --max-time 20 "$gateway/") || fail "GET / through the gateway (the frontend) failed"
grep -qi '<form' <<<"$page" || fail "the frontend's audit form is not at / through the gateway"

stored() {  # the audit's row count, read with psql inside the PostgreSQL pod
  kubectl -n "$ns" exec "$name-postgres-0" -c postgres -- \
    psql -U platform -d platform -tAc "SELECT count(*) FROM audits WHERE id = '$id'" 2>/dev/null | tr -d '[:space:]'
}
[ "$(stored)" = 1 ] || fail "audit $id is not in PostgreSQL (psql says '$(stored)')"
e2e_log "audit $id is in PostgreSQL"

e2e_log "delete the api pod and the PostgreSQL pod; the volume keeps the data"
kubectl -n "$ns" delete pod -l app.kubernetes.io/component=api --wait=false >/dev/null
kubectl -n "$ns" delete pod "$name-postgres-0" --wait=true --timeout=120s >/dev/null
poll 240 "PostgreSQL back and the audit still stored" bash -c "[ \"\$(kubectl -n '$ns' exec '$name-postgres-0' -c postgres -- psql -U platform -d platform -tAc \"SELECT count(*) FROM audits WHERE id = '$id'\" 2>/dev/null | tr -d '[:space:]')\" = 1 ]"
poll 240 "the audit served again through the gateway" bash -c "curl -fsS --max-time 5 -H 'Authorization: Bearer $token' '$gateway/api/v1/audits/$id' | jq -e '.id == \"$id\"'"
wait_platform_ready "$ns" "$name" 240 || fail "the Platform did not become Ready again after the pods were deleted"

prometheus=$(service_url "$ns" "$name-prometheus" http)
targets_up() {
  local t; t=$(curl -fsS --max-time 5 "$prometheus/api/v1/targets") || return 1
  [ "$(jq '.data.activeTargets | length' <<<"$t")" -gt 0 ] && [ "$(jq '[.data.activeTargets[] | select(.health != "up")] | length' <<<"$t")" = 0 ]
}
deadline=$((SECONDS + 120))
until targets_up; do [ $SECONDS -lt $deadline ] || break; sleep 2; done
t=$(curl -fsS --max-time 5 "$prometheus/api/v1/targets")
jq -r '.data.activeTargets[] | "  \(.labels.job) \(.scrapeUrl) \(.health) \(.lastError)"' <<<"$t"
[ "$(jq '[.data.activeTargets[] | select(.health != "up")] | length' <<<"$t")" = 0 ] || fail "Prometheus has targets that are not up"
ui=$(curl -fsS --max-time 20 "$gateway/audits/$id") || fail "GET /audits/$id from the frontend failed"
grep -q 'image-alt' <<<"$ui" || fail "the frontend's page of audit $id does not list image-alt"
e2e_log "PASS: Ready on the real node, audit round trip through the gateway, data kept across pod deletion, $(jq '.data.activeTargets | length' <<<"$t") Prometheus targets up"
