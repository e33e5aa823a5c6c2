#!/usr/bin/env bash
# node tier: the frontend's browser tests (frontend/tests/browser/browser.test.mjs, the suite the frontend
# tier runs on loopback) against the local sample Platform on the real node, through its gateway Service,
# with the operator running in cluster from its image: a page with known violations submitted and its
# findings listed, the audit reloaded by its URL, history, a 413, the health page and unknown addresses;
# axe-core in Debian's Chromium on every page, the platform's own engine on their HTML; screenshots and
# axe results in the test output (FRONTEND_TEST_OUT, default <build>/tests/node/frontend-output).
# The frontend uses its own client credential from <name>-api-clients, never the api's signing key.
#
# PO_LOCAL_TAG: the tag of this repo's images (hack/images.sh imports them under it; default dev).
# PO_NODE_KEEP_CRD=1: leave an existing Platform CRD as it is (a cluster shared with another branch's).
E2E_NAME=node-frontend
. "$(dirname "${BASH_SOURCE[0]}")/node_lib.sh"
command -v node >/dev/null && command -v npm >/dev/null || fail "node and npm are needed for the browser tests"
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || fail "Debian's chromium is needed for the browser tests"

tag=${PO_LOCAL_TAG:-dev}
release=po-node-fe op_ns=po-node-fe-system name=local
out=${FRONTEND_TEST_OUT:-${PO_BUILD_DIR:-$PO_SOURCE_DIR/build}/tests/node/frontend-output}
if [ "${PO_NODE_KEEP_CRD:-0}" = 1 ] && kubectl get crd platforms.platform.a11y.dev >/dev/null 2>&1; then
  e2e_log "keeping the cluster's Platform CRD (PO_NODE_KEEP_CRD=1)"
else
  install_crd
fi
make_test_namespace node-frontend
log_dir=$(mktemp -d /tmp/platform-operator-node-frontend.XXXXXX)  # dump_namespace lists it (the operator logs in cluster)
cleanup() {
  local rc=$?
  if [ "$rc" != 0 ] && [ "$rc" != 77 ]; then
    dump_namespace
    kubectl -n "$ns" logs deploy/"$name"-frontend --tail 60 >&2 2>&1 || true
    kubectl -n "$op_ns" logs deploy/"$release"-platform-operator --tail 60 >&2 2>&1 || true
  fi
  kubectl -n "$ns" delete platforms --all --wait=true --timeout=120s >/dev/null 2>&1 || true
  helm uninstall "$release" -n "$op_ns" --wait --timeout 60s >/dev/null 2>&1 || true
  kubectl delete namespace "$ns" "$op_ns" --wait=false >/dev/null 2>&1 || true
  rm -rf "$log_dir"
}
trap cleanup EXIT

e2e_log "install the chart (operator image tag $tag) watching $ns only, on the real node"
# crds.enabled=false: install_crd applied it, and the cluster is shared with other releases of the chart.
helm install "$release" "$PO_SOURCE_DIR/charts/platform-operator" -n "$op_ns" --create-namespace --set crds.enabled=false \
  -f "$PO_SOURCE_DIR/config/local/operator-values.yaml" --set image.tag="$tag" --set watchNamespaces="{$ns}" \
  --wait --timeout 3m >/dev/null \
  || fail "the operator Deployment did not become available on the real node"

e2e_log "apply config/samples/platform-local.yaml in $ns"
sed -e "s/^  namespace: a11y-local$/  namespace: $ns/" -e "s|\(localhost/platform-local/platform-[a-z]*\):dev$|\1:$tag|" \
  "$PO_SOURCE_DIR/config/samples/platform-local.yaml" | kubectl apply -f - >/dev/null
wait_platform_ready "$ns" "$name" 420 || fail "the local Platform did not become Ready on the real node"

# The frontend's pod has its own client credential (a mounted file holding only the frontend key of
# local-api-clients) and nothing of the api's signing key.
pod_json=$(kubectl -n "$ns" get deploy "$name-frontend" -o json | jq -c '.spec.template.spec')
jq -e '(.containers[0].env | map(select(.name == "API_CLIENT_SECRET_FILE"))[0].value == "/etc/platform-frontend/client/frontend")
       and (.volumes | map(select(.name == "api-client"))[0].secret
            | .secretName == "local-api-clients" and .items == [{"key": "frontend", "path": "frontend"}])' \
  <<<"$pod_json" >/dev/null || fail "the frontend's client secret is not the mounted local-api-clients/frontend: $pod_json"
! grep -q '"local-jwt"' <<<"$pod_json" || fail "the frontend pod refers to the api's signing key: $pod_json"

gateway=$(service_url "$ns" "$name-gateway" http)
client_secret() { kubectl -n "$ns" get secret "$name-api-clients" -o jsonpath="{.data.$1}" | base64 -d; }
rm -rf "$out"; mkdir -p "$out"
e2e_log "browser tests through the gateway $gateway (output in $out)"
FRONTEND_BASE_URL=$gateway FRONTEND_TEST_OUT=$out \
  FRONTEND_CLIENT_ID=frontend FRONTEND_CLIENT_SECRET="$(client_secret frontend)" \
  FRONTEND_AUDIT_CLIENT_ID=users FRONTEND_AUDIT_CLIENT_SECRET="$(client_secret users)" \
  bash "$PO_SOURCE_DIR/hack/frontend.sh" browser || fail "the browser tests failed against the real node (see $out)"
shots=$(find "$out" -name '*.png' | wc -l)
[ "$shots" -ge 8 ] || fail "only $shots screenshots in $out"
e2e_log "PASS: the browser suite through the gateway on the real node; $shots screenshots and the axe results in $out"
