#!/usr/bin/env bash
# The CRD and the rendered manifests against a real kube-apiserver (tests/integration/envtest.sh):
# - the CRD is accepted and Established; the samples are accepted and defaulted;
# - every tests/fixtures/invalid file with an "# expect-apiserver: <field>: <message>" line is rejected
#   with that field and message; the others (operator-only checks) are accepted by the apiserver;
# - the PostgreSQL major-version downgrade rule (a transition rule) and the scale subresource work;
# - the manifests rendered from the live Platform (with owner references) are accepted with strict
#   field validation, in a namespace enforcing the restricted Pod Security Standard, without warnings.
# Usage: crd_apiserver_test.sh /path/to/platform-operator      (exit 77 = skipped: binaries not built)
set -euo pipefail
operator=$1
src=${PO_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
kubectl="$(bash "$src/hack/tools.sh" path kubectl)/kubectl"
[ -x "$kubectl" ] || { echo "SKIP: kubectl is not built (hack/tools.sh kube)"; exit 77; }
work=$(mktemp -d)
env_dir="$work/env"
cleanup() { bash "$src/tests/integration/envtest.sh" stop "$env_dir" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

set +e; bash "$src/tests/integration/envtest.sh" start "$env_dir" > "$work/envtest.log" 2>&1; rc=$?; set -e
[ $rc -eq 77 ] && { echo "SKIP: etcd/kube-apiserver are not built"; exit 77; }
[ $rc -eq 0 ] || fail "envtest did not start: $(tail -20 "$work/envtest.log")"
export KUBECONFIG="$env_dir/kubeconfig"
k() { "$kubectl" "$@"; }

k apply -f "$src/crds/platforms.platform.a11y.dev.yaml" > /dev/null || fail "the CRD was rejected"
deadline=$((SECONDS + 60))
until [ "$(k get crd platforms.platform.a11y.dev -o jsonpath='{.status.conditions[?(@.type=="Established")].status}' 2>/dev/null)" = True ]; do
  [ $SECONDS -lt $deadline ] || fail "the CRD did not become Established"
  sleep 0.2
done
# Discovery of the new resource can lag Established by a moment.
deadline=$((SECONDS + 60))
until k get platforms -A > /dev/null 2>&1; do [ $SECONDS -lt $deadline ] || fail "platforms not served"; sleep 0.2; done

checked=0
for f in "$src"/tests/fixtures/invalid/*.yaml; do
  name=$(basename "$f")
  expect=$(sed -n 's/^# expect-apiserver: //p' "$f")
  set +e; out=$(k create --dry-run=server -f "$f" 2>&1); rc=$?; set -e
  if [ -z "$expect" ]; then
    [ $rc -eq 0 ] || fail "$name: the apiserver rejected a Platform only the operator should reject: $out"
  else
    field=${expect%%: *}; message=${expect#*: }
    [ $rc -ne 0 ] || fail "$name: accepted, want rejection naming $field"
    grep -qF "$field" <<<"$out" || fail "$name: error does not name $field: $out"
    grep -qF "$message" <<<"$out" || fail "$name: error lacks \"$message\": $out"
    checked=$((checked + 1))
  fi
done
[ $checked -ge 10 ] || fail "only $checked fixtures carry expect-apiserver lines"
echo "fixtures: $checked rejected by the apiserver as expected"

# The CEL cron rule refuses shapes, not valid schedules: each of these is accepted.
for schedule in "0 3 * * *" "*/15 0-6 * * 1-5" "0 0 1 jan,jul *" "5,35 */2 1-15/2 * sun" "@daily" "@hourly"; do
  manifest="apiVersion: platform.a11y.dev/v1alpha1
kind: Platform
metadata: {name: cron-ok}
spec: {version: \"1\", database: {managed: {backup: {schedule: \"$schedule\"}}}}"
  out=$(k create --dry-run=server -f - <<<"$manifest" 2>&1) || fail "a valid cron schedule \"$schedule\" was refused: $out"
done
echo "cron schedules: valid ones accepted"

k create namespace a11y > /dev/null
k label namespace a11y pod-security.kubernetes.io/enforce=restricted pod-security.kubernetes.io/warn=restricted > /dev/null
k apply -f "$src/config/samples/platform.yaml" > /dev/null || fail "full sample rejected"
k apply -f "$src/config/samples/platform-minimal.yaml" > /dev/null || fail "minimal sample rejected"
[ "$(k get platform minimal -o jsonpath='{.spec.database.managed.version}')" = 16 ] || fail "database default not applied"
[ "$(k get platform minimal -o jsonpath='{.spec.gateway.rateLimits.authPerMinute}')" = 10 ] || fail "rate limit default not applied"
[ "$(k get platform minimal -o jsonpath='{.spec.storage.whenDeleted}')" = Retain ] || fail "whenDeleted default not applied"

set +e; out=$(k -n a11y patch platform a11y --type merge -p '{"spec":{"database":{"managed":{"version":"15"}}}}' 2>&1); rc=$?; set -e
[ $rc -ne 0 ] || fail "a PostgreSQL major-version downgrade was accepted"
grep -qF "spec.database.managed.version" <<<"$out" || fail "downgrade error does not name the field: $out"
grep -qF "may not go down" <<<"$out" || fail "downgrade error unclear: $out"
k -n a11y patch platform a11y --type merge -p '{"spec":{"database":{"managed":{"version":"17"}}}}' > /dev/null || fail "upgrade rejected"

# kubectl get -o wide: the Components, Revision and Last Rollback columns read the status the operator writes.
k -n a11y patch platform a11y --subresource=status --type merge \
  -p '{"status":{"componentsReady":"5/6","revision":{"current":"0123456789abcdef"},"lastRollbackTime":"2026-01-02T03:04:05Z"}}' > /dev/null \
  || fail "status patch with componentsReady and lastRollbackTime rejected"
wide=$(k -n a11y get platform a11y -o wide)
head -1 <<<"$wide" | grep -q "COMPONENTS *REVISION *LAST ROLLBACK" || fail "-o wide lacks the Components/Revision/Last Rollback columns: $wide"
tail -1 <<<"$wide" | grep -q "5/6 *0123456789abcdef" || fail "-o wide does not show the status values: $wide"
k -n a11y get platform a11y | head -1 | grep -q COMPONENTS && fail "the wide columns show without -o wide"
echo "printer columns: -o wide shows $(head -1 <<<"$wide" | tr -s ' ')"

k -n a11y scale platform a11y --replicas=4 > /dev/null || fail "scale subresource"
[ "$(k -n a11y get platform a11y -o jsonpath='{.spec.api.replicas}')" = 4 ] || fail "scale did not set spec.api.replicas"

k -n a11y get platform a11y -o yaml > "$work/live.yaml"
"$operator" render -f "$work/live.yaml" > "$work/rendered.yaml" || fail "render of the live Platform failed"
grep -q "uid: \"\?$(k -n a11y get platform a11y -o jsonpath="{.metadata.uid}")" "$work/rendered.yaml" || fail "no owner references"
k apply --validate=strict -f "$work/rendered.yaml" > "$work/apply.out" 2>&1 || fail "rendered manifests rejected: $(cat "$work/apply.out")"
if grep -i "warning" "$work/apply.out"; then fail "the apiserver warned about rendered manifests"; fi
[ "$(k -n a11y get deployment a11y-api -o jsonpath='{.metadata.ownerReferences[0].kind}')" = Platform ] || fail "owner reference"
echo "crd + rendered manifests on kube-apiserver: ok ($(grep -c . "$work/apply.out") objects)"
