#!/usr/bin/env bash
# make demo: from a fresh machine to a Ready Platform serving real requests on the local cluster.
#   hack/demo.sh        set everything up and show it
#   hack/demo.sh down   stop the operator and the cluster (state is kept for the next `make demo`)
#
# With the real node (hack/node.sh), the operator runs in cluster from its image, installed by the chart,
# and config/samples/platform-local.yaml runs real containers built here (hack/images.sh); the demo then
# sends an HTML page through the gateway, prints the findings and reads the stored audit back. On a
# machine that cannot run containers it says why and shows the operator on kwok nodes instead.
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$top"
. hack/versions.sh
BUILD_DIR=${BUILD_DIR:-build}
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR="$top/$BUILD_DIR" ;; esac
export BUILD_DIR
step() { printf '\n==> %s (%s)\n' "$*" "$(date +%H:%M:%S)"; }
KUBECONFIG="$PO_STATE/admin.kubeconfig"; export KUBECONFIG
export PATH="$(tool_dir kubernetes "$KUBE_VERSION"):$(tool_dir helm "$HELM_VERSION"):$PATH"
RELEASE=platform-operator OPERATOR_NS=platform-system
pidfile="$PO_STATE/run/demo-operator.pid"; oplog="$PO_STATE/logs/demo-operator.log"
. hack/lib/stack.sh

stop_local_operator() {  # the out-of-cluster operator of a kwok-only demo
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    kill -TERM "$(cat "$pidfile")"; for _ in $(seq 1 100); do kill -0 "$(cat "$pidfile")" 2>/dev/null || break; sleep 0.2; done
  fi
  rm -f "$pidfile"
}

if [ "${1:-}" = down ]; then
  stop_local_operator
  bash hack/cluster.sh down
  exit 0
fi

step "dependencies (apt; a no-op when present)"; bash hack/install-deps.sh
step "tools the demo uses (Go builds of pinned versions; cold 20-40 min on 2 cores, warm seconds) and local images"
logs="$PO_CACHE/demo-logs"; mkdir -p "$logs"
( bash hack/images.sh prebuild > "$logs/images.log" 2>&1; echo $? > "$logs/images.rc" ) &
images_pid=$!
bash hack/tools.sh etcd kube kwok helm node
step "build the operator and the api (CMake)"
PO_BUILD_TARGETS="platform-operator platform-api" bash hack/build.sh
while kill -0 "$images_pid" 2>/dev/null; do printf '  images: %s\n' "$(tail -n1 "$logs/images.log" 2>/dev/null)"; sleep 20; done
wait "$images_pid" || true
[ "$(cat "$logs/images.rc")" = 0 ] || { tail -30 "$logs/images.log"; echo "demo: building the images failed" >&2; exit 1; }

step "local cluster"
bash hack/cluster.sh up

if [ -f "$PO_STATE/node.unavailable" ]; then
  # ---- no real node: the operator out of cluster against kwok nodes, as before the real node existed
  echo "No real node on this machine: $(cat "$PO_STATE/node.unavailable")"
  echo "Showing the operator on kwok nodes instead (pods are scheduled and marked Ready; no container runs)."
  DEMO_NS=a11y
  helm upgrade --install "$RELEASE" charts/platform-operator --namespace "$OPERATOR_NS" --create-namespace --take-ownership --wait --timeout 2m
  stop_local_operator
  sa=$(kubectl -n "$OPERATOR_NS" get deploy "$RELEASE" -o jsonpath='{.spec.template.spec.serviceAccountName}')
  sa_kubeconfig="$PO_STATE/demo-operator.kubeconfig"
  bash hack/sa-kubeconfig.sh "$OPERATOR_NS" "$sa" "$sa_kubeconfig"
  setsid "$BUILD_DIR/operator/platform-operator" --kubeconfig "$sa_kubeconfig" --leader-elect \
    --leader-election-namespace "$OPERATOR_NS" --leader-election-id "$RELEASE" --log-format json \
    --metrics-bind-address 127.0.0.1:18080 --health-probe-bind-address 127.0.0.1:18081 >>"$oplog" 2>&1 < /dev/null &
  echo $! > "$pidfile"
  kubectl create namespace "$DEMO_NS" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
  kubectl apply -f config/samples/platform.yaml
  wait_platform_ready "$DEMO_NS" a11y 300
  kubectl -n "$DEMO_NS" get platform,deploy,sts,hpa,svc,pvc
  echo "Operator log: $oplog. Stop everything: make demo-down"
  exit 0
fi

step "images into the real node's containerd"
bash hack/images.sh stack "$PO_STATE/node/containerd/containerd.sock"
bash hack/images.sh sizes

step "helm install the chart; the operator runs in cluster on the real node, from its image"
stop_local_operator
helm upgrade --install "$RELEASE" charts/platform-operator --namespace "$OPERATOR_NS" --create-namespace --take-ownership \
  -f config/local/operator-values.yaml --wait --timeout 3m
kubectl -n "$OPERATOR_NS" get deploy,pods -o wide

DEMO_NS=a11y-local NAME=local
step "apply config/samples/platform-local.yaml (every image built here, every pod on the real node)"
for _ in $(seq 1 120); do  # a namespace still terminating from an earlier run cannot take new objects
  [ "$(kubectl get namespace "$DEMO_NS" -o jsonpath='{.status.phase}' 2>/dev/null)" = Terminating ] || break; sleep 1
done
kubectl create namespace "$DEMO_NS" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl apply -f config/samples/platform-local.yaml
wait_platform_ready "$DEMO_NS" "$NAME" 420 || {
  kubectl -n "$DEMO_NS" get pods -o wide
  kubectl -n "$OPERATOR_NS" logs deploy/"$RELEASE" --tail 30
  exit 1
}

step "the Platform"
kubectl -n "$DEMO_NS" get platform "$NAME"
kubectl -n "$DEMO_NS" get platform "$NAME" -o json | jq -r '.status.conditions[] | "  \(.type)=\(.status) (\(.reason)): \(.message)"'
kubectl -n "$DEMO_NS" get pods -o wide

step "an audit, as a person would send it: POST /api/v1/audits through the gateway Service"
gateway=$(service_url "$DEMO_NS" "$NAME-gateway" http)
# The web UI calls the api as "frontend": an audit made under that name shows up in its history too.
token=$(mint_token "$DEMO_NS" "$NAME" frontend)
echo "The page:"; sample_page | sed 's/^/    /'
response=$(post_audit "$gateway" "$token")
id=$(jq -r '.id' <<<"$response")
echo "Audit $id: score $(jq -r '.score' <<<"$response"), $(jq '.findings | length' <<<"$response") findings:"
jq -r '.findings[] | "    [\(.impact // "-")] \(.ruleId // .rule): \(.selector // .target // "") \(.message // .help // "")"' <<<"$response" | head -20
echo "Read back: GET $gateway/api/v1/audits/$id"
curl -fsS -H "Authorization: Bearer $token" "$gateway/api/v1/audits/$id" | jq -c '{id, score, findings: (.findings | length)}'

prometheus=$(service_url "$DEMO_NS" "$NAME-prometheus" http)
shot="$PO_STATE/demo-audit.png"
if command -v chromium >/dev/null; then
  step "a screenshot of the audit in the web UI (headless Chromium): $shot"
  chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,1400 \
    --screenshot="$shot" "$gateway/audits/$id" >/dev/null 2>&1 && echo "saved $shot" || echo "no screenshot (chromium failed)"
fi
cat <<MSG

The Accessibility Platform runs on a real node of the local cluster: containerd + runc containers of images
built here from Debian packages and this repo's build; the control plane and the node are on this machine.
Service addresses are routed on this host by kube-proxy, so they are reachable from here directly:
  Web UI (through the gateway): $gateway/      this audit: $gateway/audits/$id
  API (through the gateway):    $gateway/api/v1/rules      $gateway/health
  Prometheus:                   $prometheus/targets      $prometheus/alerts
  (Grafana is not packaged by Debian, so it is off in this sample.)
  Or, on loopback: kubectl -n $DEMO_NS port-forward svc/$NAME-gateway 8080:80

Look around:
  export KUBECONFIG=$KUBECONFIG PATH=$(tool_dir kubernetes "$KUBE_VERSION"):\$PATH
  kubectl -n $DEMO_NS get platform $NAME -o yaml
  kubectl -n $DEMO_NS scale platform/$NAME --replicas=2
  kubectl -n $OPERATOR_NS logs deploy/$RELEASE
  kubectl top pods -n $DEMO_NS          # metrics-server's real figures
A token for the API: source hack/lib/stack.sh; mint_token $DEMO_NS $NAME
Stop everything: make demo-down
MSG
