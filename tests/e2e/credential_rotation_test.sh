#!/usr/bin/env bash
# Rotation of the generated client credentials end to end (issue 15): a new value of the Platform's
# platform.a11y.dev/rotate-client-credentials annotation takes <name>-api-clients through Staged
# (<client>.next), Promoted (<client> = new, <client>.previous = old) after the propagation delay, and back
# to one secret per client after the overlap, with an Event at each step; no other child object is
# rewritten (no pod restarts), no secret value reaches the operator's log, and a value handled once does
# not start a second rotation. Short delays: --credentials-propagation-seconds 5, overlapSeconds 60.
E2E_NAME=credential-rotation
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/operator_lib.sh"
operator_test_setup rotation

propagation=5
overlap=60
start_operator "$log_file" --namespace "$ns" --credentials-propagation-seconds "$propagation"
e2e_log "operator ready (metrics :$METRICS_PORT, probes :$PROBE_PORT)"

kubectl -n "$ns" apply -f - >/dev/null <<YAML
apiVersion: platform.a11y.dev/v1alpha1
kind: Platform
metadata:
  name: demo
spec:
  version: "1.0.0"
  api:
    clientCredentials: {overlapSeconds: $overlap}
YAML
ready() { [ "$(condition platform/demo Ready)" = "True/Available" ]; }
poll 240 "Platform demo Ready=True" ready
e2e_log "Platform Ready"

secret() { kubectl -n "$ns" get secret demo-api-clients -o json; }
key() { secret | jq -r --arg k "$1" '.data[$k] // "" | @base64d'; }
annotation() { secret | jq -r --arg k "platform.a11y.dev/$1" '.metadata.annotations[$k] // ""'; }
keys() { secret | jq -r '.data | keys | join(",")'; }
events() { kubectl -n "$ns" get events.events.k8s.io -o json | jq --arg r "$1" '[.items[] | select(.regarding.name=="demo" and .reason==$r)] | length'; }
one_event() { [ "$(events "$1")" = 1 ]; }  # Events are sent in the background: poll for them
# Every child but the rotated Secret, with its resourceVersion: none may move.
others() { kubectl -n "$ns" get deploy,sts,svc,cm,secret,sa,pdb,networkpolicy,cronjob,role,rolebinding \
  -l app.kubernetes.io/instance=demo -o json \
  | jq -r '.items[] | select(.metadata.name != "demo-api-clients") | "\(.kind)/\(.metadata.name) \(.metadata.resourceVersion)"' | sort; }

[ "$(keys)" = "frontend,users" ] || fail "a new api-clients Secret has keys $(keys), want frontend,users"
[ -z "$(annotation credentials-phase)" ] || fail "a new api-clients Secret is already in a rotation"
old_frontend=$(key frontend); old_users=$(key users)
sleep 3  # the rollout's last status writes settle
before=$(others)

started=$SECONDS
kubectl -n "$ns" annotate platform demo platform.a11y.dev/rotate-client-credentials=r1 >/dev/null
staged() { [ "$(annotation credentials-phase)" = Staged ] || [ "$(annotation credentials-phase)" = Promoted ]; }
poll 30 "the rotation to start" staged
# Staged: the new secrets sit beside the current ones, which are unchanged.
if [ "$(annotation credentials-phase)" = Staged ]; then
  [ "$(keys)" = "frontend,frontend.next,users,users.next" ] || fail "staged keys: $(keys)"
  [ "$(key frontend)" = "$old_frontend" ] && [ "$(key users)" = "$old_users" ] || fail "staging changed a current secret"
  e2e_log "Staged after $((SECONDS - started))s: keys $(keys)"
else
  e2e_log "already Promoted when first looked at ($((SECONDS - started))s); Staged is checked from the annotations below"
fi
[ "$(annotation credentials-rotation-request)" = r1 ] || fail "the handled request is '$(annotation credentials-rotation-request)', want r1"
poll 15 "one CredentialsRotationStarted Event" one_event CredentialsRotationStarted
staged_at=$(annotation credentials-last-rotation)

promoted() { [ "$(annotation credentials-phase)" = Promoted ]; }
poll 60 "the new secrets to be promoted" promoted
new_frontend=$(key frontend); new_users=$(key users)
[ "$(keys)" = "frontend,frontend.previous,users,users.previous" ] || fail "promoted keys: $(keys)"
[ "$(key frontend.previous)" = "$old_frontend" ] && [ "$(key users.previous)" = "$old_users" ] || fail "the previous secrets are not the old ones"
[ "$new_frontend" != "$old_frontend" ] && [ "$new_users" != "$old_users" ] || fail "the promoted secrets are the old ones"
[ ${#new_frontend} -ge 16 ] && [ ${#new_users} -ge 16 ] || fail "the new secrets are shorter than the api accepts"
promoted_at=$(annotation credentials-phase-since)
waited=$(( $(date -d "$promoted_at" +%s) - $(date -d "$staged_at" +%s) ))
[ "$waited" -ge "$propagation" ] || fail "promoted ${waited}s after staging, before the ${propagation}s propagation delay"
poll 15 "one CredentialsRotated Event" one_event CredentialsRotated
e2e_log "Promoted ${waited}s after staging; previous secrets kept"

retired() { [ -z "$(annotation credentials-phase)" ]; }
poll $((overlap + 30)) "the previous secrets to be retired" retired
[ "$(keys)" = "frontend,users" ] || fail "retired keys: $(keys)"
[ "$(key frontend)" = "$new_frontend" ] && [ "$(key users)" = "$new_users" ] || fail "retiring changed the current secrets"
retired_after=$(( $(date +%s) - $(date -d "$promoted_at" +%s) ))
[ "$retired_after" -ge "$overlap" ] || fail "retired ${retired_after}s after promotion, before the ${overlap}s overlap"
poll 15 "one PreviousCredentialsRetired Event" one_event PreviousCredentialsRetired
e2e_log "retired ${retired_after}s after promotion; the rotation took $((SECONDS - started))s"

after=$(others)
[ "$before" = "$after" ] || { diff <(echo "$before") <(echo "$after") >&2; fail "the rotation rewrote other children"; }
e2e_log "$(wc -l <<<"$before") other children unchanged (no Deployment rolled: the pods read the mounted files)"

# The handled value does not start another rotation.
version=$(secret | jq -r .metadata.resourceVersion)
kubectl -n "$ns" annotate platform demo platform.a11y.dev/checked=yes >/dev/null  # an unrelated change: a reconcile
sleep 8
[ "$(secret | jq -r .metadata.resourceVersion)" = "$version" ] || fail "the Secret changed again with the same request value"
[ "$(events CredentialsRotationStarted)" = 1 ] || fail "a second rotation started for the handled value"

for value in "$old_frontend" "$old_users" "$new_frontend" "$new_users"; do
  ! grep -qF -- "$value" "$log_file" || fail "a client secret appears in the operator's log"
done
e2e_log "PASS: Staged -> Promoted -> retired, Events recorded, nothing else rewritten, no secret in the log"
