#!/usr/bin/env bash
# spec.storage.whenDeleted end to end (issue 13 #15). Two Platforms side by side: under Delete the data
# claims and every generated Secret go with the Platform; under Retain (the default) the claims and the
# PostgreSQL credentials stay (other generated Secrets go), and a Platform of the same name created
# again runs on them with the same password.
E2E_NAME=when-deleted
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/operator_lib.sh"
operator_test_setup deleted

start_operator "$log_file" --namespace "$ns"
e2e_log "operator ready (metrics :$METRICS_PORT, probes :$PROBE_PORT)"

for p in gone:Delete kept:Retain; do
  kubectl -n "$ns" apply -f - >/dev/null <<YAML
apiVersion: platform.a11y.dev/v1alpha1
kind: Platform
metadata: {name: ${p%%:*}}
spec:
  version: "1.0.0"
  monitoring: {enabled: false}
  storage: {whenDeleted: ${p##*:}}
YAML
done
ready() { [ "$(condition "platform/$1" Ready)" = "True/Available" ]; }
poll 240 "Platform gone Ready=True" ready gone
poll 240 "Platform kept Ready=True" ready kept
claims() { kubectl -n "$ns" get pvc -l "app.kubernetes.io/instance=$1" -o name; }
secrets() { kubectl -n "$ns" get secret -l "app.kubernetes.io/instance=$1,app.kubernetes.io/managed-by=platform-operator" -o name | sort; }
for p in gone kept; do
  [ -n "$(claims $p)" ] || fail "Platform $p has no data claims"
  kubectl -n "$ns" get secret "$p-postgres" >/dev/null || fail "Secret $p-postgres missing"
done
password=$(kubectl -n "$ns" get secret kept-postgres -o jsonpath='{.data.password}')
e2e_log "both Ready; claims: gone $(claims gone | wc -l), kept $(claims kept | wc -l); secrets: gone $(secrets gone | wc -l), kept $(secrets kept | wc -l)"

# Delete: the claims and every generated Secret go.
kubectl -n "$ns" delete platform gone --wait=true --timeout=90s >/dev/null || fail "Platform gone was not deleted"
no_claims() { [ -z "$(claims gone)" ]; }
poll 120 "the claims of Platform gone to be deleted" no_claims
no_secrets() { [ -z "$(secrets gone)" ]; }
poll 120 "the generated Secrets of Platform gone to be deleted" no_secrets
kubectl -n "$ns" get events.events.k8s.io -o json | jq -e '[.items[] | select(.regarding.name=="gone" and .reason=="VolumesDeleted")] | length == 1' >/dev/null \
  || fail "no VolumesDeleted Event for Platform gone"
e2e_log "whenDeleted: Delete: claims and generated Secrets deleted"

# The other Platform was not touched by that.
ready kept || fail "Platform kept is no longer Ready"
[ -n "$(claims kept)" ] || fail "the claims of Platform kept went too"

# Retain: the claims and the PostgreSQL credentials stay; the other generated Secrets go.
kept_claims=$(claims kept | sort)
kubectl -n "$ns" delete platform kept --wait=true --timeout=90s >/dev/null || fail "Platform kept was not deleted"
collected() { ! kubectl -n "$ns" get deploy kept-api >/dev/null 2>&1 && ! kubectl -n "$ns" get secret kept-jwt >/dev/null 2>&1; }
poll 120 "the children and the JWT Secret of Platform kept to be garbage-collected" collected
[ "$(claims kept | sort)" = "$kept_claims" ] || fail "claims of Platform kept changed: $(claims kept | tr '\n' ' ')"
[ "$(kubectl -n "$ns" get secret kept-postgres -o jsonpath='{.data.password}')" = "$password" ] \
  || fail "the PostgreSQL credentials of Platform kept did not stay"
e2e_log "whenDeleted: Retain: $(wc -l <<<"$kept_claims") claims and the PostgreSQL credentials kept"

# The same Platform again: it runs on the retained claims with the retained password.
kubectl -n "$ns" apply -f - >/dev/null <<YAML
apiVersion: platform.a11y.dev/v1alpha1
kind: Platform
metadata: {name: kept}
spec:
  version: "1.0.0"
  monitoring: {enabled: false}
YAML
poll 240 "Platform kept Ready=True again" ready kept
[ "$(kubectl -n "$ns" get secret kept-postgres -o jsonpath='{.data.password}')" = "$password" ] \
  || fail "the recreated Platform got a new PostgreSQL password"
[ "$(claims kept | sort)" = "$kept_claims" ] || fail "the recreated Platform has other claims"
e2e_log "recreated: Ready on the retained claims, same password"

kill -0 "$OPERATOR_PID" || fail "operator died"
kubectl -n "$ns" delete platforms --all --wait=true --timeout=90s >/dev/null || fail "Platforms not deleted while the operator runs"
stop_operator || fail "operator did not exit 0 on SIGTERM"
e2e_log "PASS"
