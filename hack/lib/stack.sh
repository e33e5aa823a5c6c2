# shellcheck shell=bash
# Helpers for scripts that talk to a Platform running on the local cluster's real node (sourced by
# hack/demo.sh and tests/node/*.sh). Needs: kubectl on the PATH with KUBECONFIG set, curl, jq, openssl.
# Everything they reach is on this machine: Service and pod addresses are on the node's own bridge,
# routed by kube-proxy's rules on this host.

# stack_say <text>: progress line (the caller may override it).
if ! declare -F stack_say >/dev/null; then stack_say() { printf '  %s\n' "$*"; }; fi

# b64url: base64url without padding, of stdin.
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }

# mint_token <namespace> <platform> [subject] [seconds]: an HS256 JWT for the api, signed with the key in
# the Platform's generated <platform>-jwt Secret, as a client holding that key would sign it.
mint_token() {
  local ns=$1 name=$2 sub=${3:-local-user} ttl=${4:-3600}
  local key now header payload sig
  key=$(kubectl -n "$ns" get secret "$name-jwt" -o jsonpath='{.data.secret-key}' | base64 -d)
  [ -n "$key" ] || { echo "mint_token: no secret-key in Secret $ns/$name-jwt" >&2; return 1; }
  now=$(date +%s)
  header=$(printf '{"alg":"HS256","typ":"JWT"}' | b64url)
  payload=$(printf '{"sub":"%s","iat":%d,"exp":%d}' "$sub" "$now" $((now + ttl)) | b64url)
  sig=$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -hmac "$key" -binary | b64url)
  printf '%s.%s.%s' "$header" "$payload" "$sig"
}

# service_url <namespace> <service> <port-name>: http://<ClusterIP>:<port>
service_url() {
  local ip port
  ip=$(kubectl -n "$1" get svc "$2" -o jsonpath='{.spec.clusterIP}')
  port=$(kubectl -n "$1" get svc "$2" -o jsonpath="{.spec.ports[?(@.name==\"$3\")].port}")
  [ -n "$ip" ] && [ -n "$port" ] || { echo "service_url: no port $3 on Service $1/$2" >&2; return 1; }
  printf 'http://%s:%s' "$ip" "$port"
}

# ready_condition <namespace> <platform>: "Status/Reason: message" of the Ready condition.
ready_condition() {
  kubectl -n "$1" get platform "$2" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}/{.status.conditions[?(@.type=="Ready")].reason}: {.status.conditions[?(@.type=="Ready")].message}' 2>/dev/null
}

# wait_platform_ready <namespace> <platform> <seconds>: prints progress every 5 s; fails on timeout.
wait_platform_ready() {
  local ns=$1 name=$2 secs=$3 start=$SECONDS last=""
  while :; do
    local now; now=$(ready_condition "$ns" "$name")
    case "$now" in True/*) stack_say "Ready after $((SECONDS - start)) s"; return 0 ;; esac
    [ $((SECONDS - start)) -lt "$secs" ] || { stack_say "not Ready after ${secs} s: $now"; return 1; }
    if [ "$now" != "$last" ] || [ $(((SECONDS - start) % 15)) -eq 0 ]; then stack_say "$(printf '%4ss  %s' $((SECONDS - start)) "$now")"; last=$now; fi
    sleep 1
  done
}

# A small page with known accessibility violations (missing alt text, no label, no lang, an empty link).
sample_page() {
  cat <<'HTML'
<!doctype html>
<html>
<head><title>Shop</title></head>
<body>
  <img src="/hero.png">
  <form><input type="text" name="q"><button></button></form>
  <a href="/cart"></a>
  <h1>Welcome</h1>
</body>
</html>
HTML
}

# post_audit <gateway-url> <token> [heading] [page-url]: POSTs sample_page (its <h1> replaced by heading, so
# that pages differ) as an audit through the gateway; prints the response.
post_audit() {
  local body
  body=$(sample_page | sed "s|<h1>Welcome</h1>|<h1>${3:-Welcome}</h1>|" | jq -Rs --arg url "${4:-https://shop.example/}" '{html: ., url: $url}')
  curl -sS --fail-with-body --max-time 30 -H "Authorization: Bearer $2" -H 'Content-Type: application/json' \
    -d "$body" "$1/api/v1/audits"
}
