#!/usr/bin/env bash
# The assertions on a running Platform that the node tier (tests/node/stack_test.sh, real containers on
# the local cluster's real node) and the kind job of .github/workflows/ci.yml share:
#   - an audit sent through the gateway Service is answered with findings and read back by id;
#   - the web UI is served through the gateway and shows the audit;
#   - its row is in PostgreSQL (psql in the database pod);
#   - deleting the api pod and the PostgreSQL pod loses no stored audit (the volume keeps the data);
#   - Prometheus reports every scrape target the operator configured as up;
#   - the gateway's per-client limits answer a JSON 429 with Retry-After (api and token endpoint).
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
# A Platform is Ready when its pods are; the Service routes to them once kube-proxy has the new endpoints,
# a moment later. Until then the gateway answers 502 (its upstream refuses the connection): retried for 30 s.
deadline=$((SECONDS + 30))
until response=$(post_audit "$gateway" "$token"); do
  [ $SECONDS -lt $deadline ] || fail "POST /api/v1/audits through the gateway failed for 30 s: $response"
  e2e_log "the gateway is not routing to the api yet: ${response:0:80}"
  sleep 1
done
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
# Last, since it spends this host's budget at the gateway: the per-client limits through the gateway Service
# (100 api and 10 auth requests a minute; a slot comes back every 0.6 s and 6 s).
limit_burst() {  # limit_burst <n> <curl args...>: n requests; prints the status codes, one a line
  local i
  for i in $(seq 1 "$1"); do
    curl -sS -o "$burst_dir/body" -D "$burst_dir/headers" -w '%{http_code}\n' --max-time 5 "${@:2}" || echo 000
    if [ ! -f "$burst_dir/429-body" ] && grep -q '^HTTP/[0-9.]* 429' "$burst_dir/headers"; then
      cp "$burst_dir/body" "$burst_dir/429-body"; cp "$burst_dir/headers" "$burst_dir/429-headers"
    fi
  done
}
check_limited() {  # check_limited <what>: the first 429 seen is JSON rate_limited with Retry-After
  [ -f "$burst_dir/429-body" ] || fail "$1: no request was limited"
  jq -e '.error.code == "rate_limited"' "$burst_dir/429-body" >/dev/null || fail "$1: the 429 is not JSON rate_limited: $(head -c 200 "$burst_dir/429-body")"
  grep -qi '^retry-after: [0-9]' "$burst_dir/429-headers" || fail "$1: the 429 has no Retry-After"
  rm -f "$burst_dir/429-body" "$burst_dir/429-headers"
}
burst_dir=$(mktemp -d)
t0=$SECONDS
codes=$(limit_burst 130 -H "Authorization: Bearer $token" "$gateway/api/v1/rules")
took=$((SECONDS - t0))
passed=$(grep -c '^200$' <<<"$codes" || true); limited=$(grep -c '^429$' <<<"$codes" || true)
e2e_log "api limit: 130 requests in ${took} s through the gateway: $passed answered, $limited limited"
[ "$((passed + limited))" = 130 ] || fail "api limit: answers other than 200 and 429: $(sort <<<"$codes" | uniq -c | tr '\n' ' ')"
[ "$passed" -le $((100 + took * 10 / 6 + 1)) ] || fail "api limit: $passed requests passed, more than 100 plus the slots that came back"
check_limited "api limit"
codes=$(limit_burst 12 -X POST -d 'grant_type=client_credentials&client_id=nobody&client_secret=not-the-secret-0000' "$gateway/api/v1/auth/token")
refused=$(grep -c '^401$' <<<"$codes" || true); limited=$(grep -c '^429$' <<<"$codes" || true)
e2e_log "auth limit: 12 token requests with a wrong secret: $refused refused (401), $limited limited"
[ "$((refused + limited))" = 12 ] && [ "$refused" -le 10 ] || fail "auth limit: $(sort <<<"$codes" | uniq -c | tr '\n' ' ')"
check_limited "auth limit"
rm -rf "$burst_dir"

e2e_log "PASS: audit round trip through the gateway, data kept across pod deletion, $(jq '.data.activeTargets | length' <<<"$t") Prometheus targets up, per-client limits at the gateway"
