#!/usr/bin/env bash
# The assertions on a running Platform that the node tier (tests/node/stack_test.sh, real containers on
# the local cluster's real node) and the kind job of .github/workflows/ci.yml share:
#   - an audit sent through the gateway Service is answered with findings and read back by id;
#   - the web UI is served through the gateway and shows the audit;
#   - its row is in PostgreSQL (psql in the database pod);
#   - deleting the api pod and the PostgreSQL pod loses no stored audit (the volume keeps the data);
#   - Prometheus reports every scrape target the operator configured as up.
# Usage: stack_checks.sh <namespace> <platform>
# STACK_REACH=cluster-ip (default: this host routes Service addresses, as the real node's host does) or
# port-forward (a cluster whose Services are not routed here, such as kind: kubectl port-forward).
set -euo pipefail
ns=$1 name=$2
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if ! declare -F e2e_log >/dev/null; then e2e_log() { printf '[stack-checks %s] %s\n' "$(date +%H:%M:%S)" "$*"; }; fi
if ! declare -F stack_say >/dev/null; then stack_say() { e2e_log "$*"; }; fi
fail() { e2e_log "FAIL: $*" >&2; exit 1; }
poll() {
  local secs=$1 what=$2; shift 2
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || fail "timed out after ${secs}s waiting for: $what"
    sleep 0.5
  done
}
# shellcheck source=hack/lib/stack.sh
. "$src/hack/lib/stack.sh"

forwards=()
stop_forwards() { for pid in "${forwards[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap stop_forwards EXIT
# url_of <service> <port-name>: where this host reaches the Service's port.
url_of() {
  if [ "${STACK_REACH:-cluster-ip}" != port-forward ]; then service_url "$ns" "$1" "$2"; return; fi
  local port log
  port=$(kubectl -n "$ns" get svc "$1" -o jsonpath="{.spec.ports[?(@.name==\"$2\")].port}")
  [ -n "$port" ] || { echo "url_of: no port $2 on Service $ns/$1" >&2; return 1; }
  log=$(mktemp)
  kubectl -n "$ns" port-forward "svc/$1" ":$port" > "$log" 2>&1 &
  forwards+=($!)
  local deadline=$((SECONDS + 30))
  until grep -q '^Forwarding from 127.0.0.1:' "$log"; do
    [ $SECONDS -lt $deadline ] || { cat "$log" >&2; return 1; }
    sleep 0.2
  done
  printf 'http://127.0.0.1:%s' "$(sed -n 's/^Forwarding from 127.0.0.1:\([0-9]*\).*/\1/p' "$log" | head -1)"
}

gateway=$(url_of "$name-gateway" http)
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

prometheus=$(url_of "$name-prometheus" http)
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
e2e_log "PASS: audit round trip through the gateway, data kept across pod deletion, $(jq '.data.activeTargets | length' <<<"$t") Prometheus targets up"
