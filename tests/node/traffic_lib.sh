# shellcheck shell=bash
# Shared start of the node-tier tests that send traffic to a Platform on the real node
# (db_outage_test.sh, autoscaling_test.sh, rollout_test.sh), sourced after node_lib.sh:
#   traffic_setup <prefix>          node_lib.sh's node_operator_setup, whose exit trap also stops the
#                                   load started here;
#   apply_platform <json>           config/samples/platform-local.yaml in that namespace with this repo's
#                                   images at PO_LOCAL_TAG (default dev), no frontend, little CPU asked,
#                                   the gateway's per-client limits lifted (wrk is one client), and <json>
#                                   merged over its spec;
#   wrk_audits <url> <conns> <secs> <result-file> [unique]
#                                   wrk POSTs audits through the gateway; every response's status and
#                                   audit id go to <result-file>.<thread> (one "status id" line each);
#                                   run in the background, killing it stops wrk.
# PO_NODE_NS_PREFIX: prefix of the namespace names, for a cluster several people share (e.g. n12a-).
traffic_pids=()
traffic_stop() { local p; for p in "${traffic_pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; traffic_pids=(); }
node_cleanup_first() { traffic_stop; }
traffic_setup() { node_operator_setup "$1"; }

apply_platform() {
  local over=${1:-}; [ -n "$over" ] || over='{}'
  python3 "$PO_SOURCE_DIR/tests/node/lean_platform.py" --monitoring "$ns" "$tag" \
    '{"spec": {"gateway": {"rateLimits": {"apiPerMinute": 1000000, "authPerMinute": 1000000}}}}' "{\"spec\": $over}" \
    | kubectl apply -f - >/dev/null
}

wrk_audits() {
  local url=$1 conns=$2 secs=$3 out=$4 unique=${5:-0} body
  body=$(mktemp)
  sample_page | sed 's|<h1>Welcome</h1>|<h1>Welcome</h1><p>page @@MARK@@</p>|' | jq -Rs '{html: ., url: "https://shop.example/"}' > "$body"
  local threads=2; [ "$conns" -ge 2 ] || threads=1
  local token; token=$(mint_token "$ns" "$name" wrk 7200)
  BODY_FILE=$body UNIQUE=$unique RESPONSES_FILE=$out TOKEN=$token \
    wrk -t"$threads" -c"$conns" -d"${secs}s" --timeout 10s -s "$PO_SOURCE_DIR/hack/bench/wrk/audit.lua" "$url/api/v1/audits" &
  # Run in the background (`wrk_audits ... &`), this is a subshell: a kill of it stops wrk too.
  local pid=$!
  trap 'kill "$pid" 2>/dev/null' TERM
  local rc=0; wait "$pid" || rc=$?
  wait "$pid" 2>/dev/null || true
  rm -f "$body"
  return "$rc"
}

# pod_ready <namespace> <pod>: True or False, the pod's Ready condition.
pod_ready() { kubectl -n "$1" get pod "$2" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null; }
