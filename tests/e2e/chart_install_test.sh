#!/usr/bin/env bash
# e2e: the Helm chart on the local cluster (hack/cluster.sh).
#  - the rendered chart (both RBAC modes) is accepted by the apiserver (server-side dry run);
#  - helm install in a fresh namespace: the operator pod is Running on a kwok node;
#  - a token of the chart's ServiceAccount can do what the operator needs in the watched namespace
#    and no more (no Secrets in kube-system, nothing in an unwatched namespace);
#  - helm upgrade keeps the release and its objects, and updates the CRD when the chart's CRD changes;
#    helm uninstall keeps the CRD (crds.keep).
# Exits 77 (ctest SKIP) when the cluster is down. Removes everything it made.
set -euo pipefail
root="${PO_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
chart="$root/charts/platform-operator"
crd=platforms.platform.a11y.dev

if ! bash "$root/hack/cluster.sh" status >/dev/null 2>&1; then
  echo "chart-install: SKIP: the local cluster is down (hack/cluster.sh up)"
  exit 77
fi
KUBECONFIG="$(bash "$root/hack/cluster.sh" kubeconfig)"
export KUBECONFIG
kubectl_bin="$(bash "$root/hack/tools.sh" path kubectl)/kubectl"
helm_bin="$(bash "$root/hack/tools.sh" path helm)/helm"
for b in "$kubectl_bin" "$helm_bin"; do
  [ -x "$b" ] || { echo "chart-install: $b is missing; run hack/tools.sh" >&2; exit 1; }
done
kubectl() { "$kubectl_bin" "$@"; }
helm() { "$helm_bin" "$@"; }

suffix="$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
ns="po-chart-$suffix"          # the release (operator) namespace
watched="po-chart-$suffix-apps" # the one namespace the operator watches
unwatched="po-chart-$suffix-other"
release="po-$suffix"
fullname="$release-platform-operator"
work="$(mktemp -d)"
export HELM_CACHE_HOME="$work/helm/cache" HELM_CONFIG_HOME="$work/helm/config" HELM_DATA_HOME="$work/helm/data"

crd_preexisting=false
kubectl get crd "$crd" >/dev/null 2>&1 && crd_preexisting=true

cleanup() {
  local rc=$?
  set +e
  if [ $rc -ne 0 ]; then
    echo "chart-install: diagnostics" >&2
    kubectl get all,sa,role,rolebinding -n "$ns" -o wide >&2
    kubectl get events -n "$ns" --sort-by=.lastTimestamp 2>/dev/null | tail -20 >&2
  fi
  helm uninstall "$release" -n "$ns" --wait --timeout 60s >/dev/null 2>&1
  kubectl delete namespace "$ns" "$watched" "$unwatched" --ignore-not-found --wait=false >/dev/null 2>&1
  # The CRD outlives releases by design; remove it only if this test brought it, and wait until it is
  # gone so that the next test's helm install does not find a terminating CRD and skip installing it.
  if [ "$crd_preexisting" = false ]; then
    kubectl delete crd "$crd" --ignore-not-found --timeout=120s >/dev/null 2>&1
  fi
  rm -rf "$work"
  exit $rc
}
trap cleanup EXIT

step() { printf '[chart-install %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
fail() { echo "chart-install: FAIL: $*" >&2; exit 1; }

# wait_until <seconds> <description> <cmd...>: polls until cmd succeeds, fails at the deadline.
wait_until() {
  local secs=$1 what=$2; shift 2
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || fail "$what (not true after ${secs}s)"
    sleep 1
  done
}

step "namespaces $ns (release), $watched (watched), $unwatched (not watched)"
kubectl create namespace "$ns" >/dev/null
kubectl create namespace "$watched" >/dev/null
kubectl create namespace "$unwatched" >/dev/null

step "the apiserver accepts the rendered chart (server-side dry run, both RBAC modes)"
server_version=$(kubectl version -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["serverVersion"]["gitVersion"])')
helm template "$release" "$chart" -n "$ns" --kube-version "$server_version" --include-crds > "$work/cluster-mode.yaml"
kubectl apply --dry-run=server -f "$work/cluster-mode.yaml" >/dev/null
helm template "$release" "$chart" -n "$ns" --kube-version "$server_version" --set "watchNamespaces={$watched}" > "$work/namespaced-mode.yaml"
kubectl apply --dry-run=server -f "$work/namespaced-mode.yaml" >/dev/null

step "helm install (watching $watched)"
# The CRD is a template of the chart; --take-ownership adopts one that an earlier test or kubectl made.
helm install "$release" "$chart" -n "$ns" --set "watchNamespaces={$watched}" --take-ownership --wait --timeout 3m >/dev/null
kubectl get crd "$crd" >/dev/null || fail "helm install did not install the CRD"

step "the operator pod is Running on a kwok node"
pod_running() {
  local out
  out=$(kubectl get pods -n "$ns" -l "app.kubernetes.io/instance=$release" \
    -o jsonpath='{range .items[*]}{.status.phase} {.spec.nodeName}{"\n"}{end}')
  [ "$(echo "$out" | grep -c '^Running ')" -ge 1 ]
}
wait_until 120 "operator pod Running" pod_running
node=$(kubectl get pods -n "$ns" -l "app.kubernetes.io/instance=$release" --field-selector=status.phase=Running \
  -o jsonpath='{.items[0].spec.nodeName}')
[ -n "$node" ] || fail "the Running operator pod has no node"
[ "$(kubectl get node "$node" -o jsonpath='{.metadata.annotations.kwok\.x-k8s\.io/node}')" = fake ] \
  || fail "node $node is not a kwok node"
step "  pod on $node"

step "RBAC through a token of the chart's ServiceAccount"
sa=$(kubectl get deployment "$fullname" -n "$ns" -o jsonpath='{.spec.template.spec.serviceAccountName}')
[ -n "$sa" ] || fail "the Deployment names no ServiceAccount"
sa_uid=$(kubectl get serviceaccount "$sa" -n "$ns" -o jsonpath='{.metadata.uid}')
token=$(kubectl create token "$sa" -n "$ns" --duration=10m)
# A kubeconfig with only the token: the admin client certificate must not ride along.
server=$(kubectl config view --minify --raw -o jsonpath='{.clusters[0].cluster.server}')
ca_file=$(kubectl config view --minify --raw -o jsonpath='{.clusters[0].cluster.certificate-authority}')
if [ -z "$ca_file" ]; then
  ca_file="$work/ca.crt"
  kubectl config view --minify --raw -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' | base64 -d > "$ca_file"
fi
sa_kubeconfig="$work/sa.kubeconfig"
kubectl config --kubeconfig "$sa_kubeconfig" set-cluster local --server "$server" --certificate-authority "$ca_file" --embed-certs >/dev/null
kubectl config --kubeconfig "$sa_kubeconfig" set-credentials operator --token "$token" >/dev/null
kubectl config --kubeconfig "$sa_kubeconfig" set-context local --cluster local --user operator >/dev/null
kubectl config --kubeconfig "$sa_kubeconfig" use-context local >/dev/null
as_operator() { "$kubectl_bin" --kubeconfig "$sa_kubeconfig" "$@"; }

who=$(as_operator auth whoami -o jsonpath='{.status.userInfo.username}')
[ "$who" = "system:serviceaccount:$ns:$sa" ] || fail "token authenticates as '$who'"

scope() { if [ -n "$1" ]; then echo "--namespace=$1"; else echo "--all-namespaces"; fi; }
can() {  # can <verb> <resource> <namespace, or "" for cluster scope> [--subresource=...]
  local answer
  answer=$(as_operator auth can-i "$1" "$2" "$(scope "$3")" "${@:4}" 2>>"$work/can-i.err") || true
  [ "${answer%% *}" = yes ] || fail "the operator cannot $1 $2 ${*:4} in $3 (answer: $answer)"
}
cannot() {
  local answer
  answer=$(as_operator auth can-i "$1" "$2" "$(scope "$3")" "${@:4}" 2>>"$work/can-i.err") || true
  [ "${answer%% *}" = no ] || fail "the operator can $1 $2 in $3, which it must not (answer: $answer)"
}
can list platforms.platform.a11y.dev "$watched"
can watch platforms.platform.a11y.dev "$watched"
can patch platforms.platform.a11y.dev "$watched" --subresource=status
can update platforms.platform.a11y.dev "$watched" --subresource=finalizers
can list deployments.apps "$watched"
can create statefulsets.apps "$watched"
can create secrets "$watched"
can delete persistentvolumeclaims "$watched"
can delete pods "$watched"
can create leases.coordination.k8s.io "$ns"
can update "leases.coordination.k8s.io/$fullname" "$ns"
# Real requests, not only access reviews.
as_operator get platforms.platform.a11y.dev -n "$watched" >/dev/null 2>"$work/get.err" \
  || fail "listing Platforms in $watched failed: $(cat "$work/get.err")"
as_operator get deployments.apps -n "$watched" >/dev/null 2>"$work/get.err" \
  || fail "listing Deployments in $watched failed: $(cat "$work/get.err")"
as_operator get customresourcedefinitions.apiextensions.k8s.io "$crd" >/dev/null 2>"$work/get.err" \
  || fail "reading the CRD failed: $(cat "$work/get.err")"

cannot get secrets kube-system
cannot list secrets kube-system
if as_operator get secrets -n kube-system >/dev/null 2>"$work/forbidden.err"; then
  fail "the operator read Secrets in kube-system"
fi
grep -q Forbidden "$work/forbidden.err" || fail "reading kube-system Secrets failed, but not as Forbidden: $(cat "$work/forbidden.err")"
cannot list deployments.apps "$unwatched"
cannot list platforms.platform.a11y.dev "$unwatched"
cannot create leases.coordination.k8s.io "$watched"
cannot update leases.coordination.k8s.io/another-release "$ns"
cannot delete customresourcedefinitions.apiextensions.k8s.io ""
cannot create clusterroles.rbac.authorization.k8s.io ""
cannot delete nodes ""

step "helm upgrade keeps the release"
dep_uid=$(kubectl get deployment "$fullname" -n "$ns" -o jsonpath='{.metadata.uid}')
helm upgrade "$release" "$chart" -n "$ns" --reuse-values --set-string podAnnotations.e2e-upgrade="$suffix" \
  --wait --timeout 3m >/dev/null
[ "$(helm status "$release" -n "$ns" -o json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["version"], d["info"]["status"])')" = "2 deployed" ] \
  || fail "the release is not at revision 2, deployed"
[ "$(kubectl get deployment "$fullname" -n "$ns" -o jsonpath='{.metadata.uid}')" = "$dep_uid" ] \
  || fail "helm upgrade replaced the Deployment"
[ "$(kubectl get serviceaccount "$sa" -n "$ns" -o jsonpath='{.metadata.uid}')" = "$sa_uid" ] \
  || fail "helm upgrade replaced the ServiceAccount"
upgraded_pod_running() {
  kubectl get pods -n "$ns" -l "app.kubernetes.io/instance=$release" \
    -o jsonpath='{range .items[*]}{.status.phase} {.metadata.annotations.e2e-upgrade}{"\n"}{end}' \
    | grep -qx "Running $suffix"
}
wait_until 120 "a pod of the upgraded template Running" upgraded_pod_running
can list platforms.platform.a11y.dev "$watched"

step "helm upgrade updates the CRD (a chart whose CRD has one more printer column)"
columns() { kubectl get crd "$crd" -o jsonpath='{.spec.versions[0].additionalPrinterColumns[*].name}'; }
cp -r "$chart" "$work/chart-next"
python3 - "$work/chart-next/files/crds/$crd.yaml" "E2E$suffix" <<'PY'
import sys
import yaml
path, column = sys.argv[1], sys.argv[2]
with open(path) as f:
    doc = yaml.safe_load(f)
doc["spec"]["versions"][0]["additionalPrinterColumns"].append(
    {"name": column, "type": "string", "jsonPath": ".spec.version", "priority": 1})
with open(path, "w") as f:
    yaml.safe_dump(doc, f, sort_keys=False)
PY
helm upgrade "$release" "$work/chart-next" -n "$ns" --reuse-values --wait --timeout 3m >/dev/null
columns | grep -qw "E2E$suffix" || fail "helm upgrade did not update the CRD (columns: $(columns))"
helm upgrade "$release" "$chart" -n "$ns" --reuse-values --wait --timeout 3m >/dev/null
if columns | grep -qw "E2E$suffix"; then fail "upgrading back to the chart's CRD left the extra column"; fi
[ "$(kubectl get crd "$crd" -o jsonpath='{.metadata.annotations.helm\.sh/resource-policy}')" = keep ] \
  || fail "the CRD lost helm.sh/resource-policy: keep"

step "helm uninstall keeps the CRD"
helm uninstall "$release" -n "$ns" --wait --timeout 2m >/dev/null
kubectl get crd "$crd" >/dev/null 2>&1 || fail "helm uninstall removed the CRD"
gone() { ! kubectl get "$@" >/dev/null 2>&1; }
wait_until 60 "Deployment removed by helm uninstall" gone deployment "$fullname" -n "$ns"
gone clusterrole "$fullname" || fail "helm uninstall left ClusterRole $fullname"
gone role "$fullname" -n "$watched" || fail "helm uninstall left Role $fullname in $watched"

step "ok"
