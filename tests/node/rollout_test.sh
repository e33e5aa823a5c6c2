#!/usr/bin/env bash
# node tier: a rolling update of the api loses nothing (issue 12, item 7), on real pods. With the local
# sample Platform on the real node (api replicas 2) and the operator in cluster from its image:
#   - steady wrk load through the gateway Service (POST /api/v1/audits, 48 connections, 75 s) while the
#     api's pod template changes (an env var on the Platform) 10 s in, so every api pod is replaced;
#   - no request fails: every response is 201 with an audit id, and wrk saw no socket error or timeout;
#   - every acknowledged audit id is a row in PostgreSQL afterwards (psql in the database pod).
# PO_LOCAL_TAG picks the tag of this repository's images (hack/images.sh), default dev.
E2E_NAME=node-rollout
. "$(dirname "${BASH_SOURCE[0]}")/node_lib.sh"
. "$PO_SOURCE_DIR/tests/node/traffic_lib.sh"

traffic_setup roll
e2e_log "apply the local sample in $ns: api replicas 2"
apply_platform '{"api": {"replicas": 2}}'
wait_platform_ready "$ns" "$name" 420 || fail "the Platform did not become Ready on the real node"
gateway=$(service_url "$ns" "$name-gateway" http)
pods_before=$(kubectl -n "$ns" get pods -l app.kubernetes.io/component=api -o jsonpath='{.items[*].metadata.name}')

duration=75
e2e_log "load: wrk, 48 connections of audits through the gateway ($gateway) for ${duration} s; rollout 10 s in"
responses="$log_dir/responses"
wrk_audits "$gateway" 48 "$duration" "$responses" > "$log_dir/wrk.txt" 2>&1 &
traffic_pids+=($!)
wrk_pid=$!
sleep 10
mark=$(date +%s)
kubectl -n "$ns" patch platform "$name" --type merge -p "{\"spec\":{\"api\":{\"env\":[{\"name\":\"ROLLOUT_MARK\",\"value\":\"$mark\"}]}}}" >/dev/null
poll 30 "the api Deployment's template with ROLLOUT_MARK" bash -c \
  "kubectl -n '$ns' get deploy '$name-api' -o jsonpath='{.spec.template.spec.containers[0].env[*].name}' | grep -qw ROLLOUT_MARK"
rolled_at=$SECONDS
kubectl -n "$ns" rollout status deploy/"$name-api" --timeout=$((duration - 15))s >/dev/null \
  || fail "the api rollout did not finish while the load was on"
e2e_log "rollout finished $((SECONDS - rolled_at)) s after the template changed"
wait "$wrk_pid" || fail "wrk failed: $(cat "$log_dir/wrk.txt")"
traffic_pids=()
cat "$log_dir/wrk.txt" >&2

pods_after=$(kubectl -n "$ns" get pods -l app.kubernetes.io/component=api --field-selector=status.phase=Running -o jsonpath='{.items[*].metadata.name}')
for p in $pods_before; do
  case " $pods_after " in *" $p "*) fail "api pod $p was not replaced by the rollout" ;; esac
done

result=$(grep '^RESULT' "$log_dir/wrk.txt") || fail "wrk printed no RESULT line"
field() { sed -n "s/.*\b$1=\([0-9.]*\).*/\1/p" <<<"$result"; }
cat "$responses".* > "$log_dir/all" 2>/dev/null || true
total=$(wc -l < "$log_dir/all") created=$(awk '$1 == 201 && $2 != "-"' "$log_dir/all" | wc -l)
e2e_log "wrk: $(field requests) requests, $(field non2xx) non-2xx, $(field socket_errors) socket errors; $total responses recorded, $created 201 with an id"
[ "$total" -ge 100 ] || fail "only $total responses during the rollout: too little load to prove anything"
if [ "$created" != "$total" ] || [ "$(field non2xx)" != 0 ] || [ "$(field socket_errors)" != 0 ]; then
  awk '$1 != 201 || $2 == "-"' "$log_dir/all" | sort | uniq -c | sort -rn | head >&2
  fail "requests failed during the rollout"
fi

e2e_log "every acknowledged audit is in PostgreSQL"
missing=$( { printf 'CREATE TEMP TABLE acked (id text);\nCOPY acked FROM STDIN;\n'; awk '{print $2}' "$log_dir/all"; printf '\\.\n'
             # NOT EXISTS plans as an anti-join; NOT IN over 100,000s of ids outgrows work_mem and goes quadratic.
             printf "SELECT count(*) FROM acked a WHERE NOT EXISTS (SELECT 1 FROM audits WHERE audits.id::text = a.id);\n"; } \
  | kubectl -n "$ns" exec -i "$name-postgres-0" -c postgres -- psql -U platform -d platform -v ON_ERROR_STOP=1 -tAq ) \
  || fail "psql could not check the acknowledged audits"
missing=$(tr -d '[:space:]' <<<"$missing")
[ "$missing" = 0 ] || fail "$missing of $created acknowledged audits are not in PostgreSQL"
e2e_log "PASS: $created audits acknowledged during the rollout, none failed, all $created stored"
