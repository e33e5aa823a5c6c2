#!/usr/bin/env bash
# chart-lint: the Helm chart lints clean, renders valid objects in both RBAC modes, grants exactly
# the permissions the operator needs (no wildcards), rejects bad values, and ships the CRD from crds/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$root/tests/chart"
chart="$root/charts/platform-operator"
helm="${HELM:-$(bash "$root/hack/tools.sh" path helm)/helm}"
if [ ! -x "$helm" ]; then
  echo "chart-lint: helm not found at $helm; build it with: bash hack/tools.sh helm" >&2
  exit 1
fi
# Render for the Kubernetes version the local cluster runs (helm's offline default is too old for kubeVersion).
# shellcheck disable=SC1091
. "$root/hack/versions.sh"
# shellcheck disable=SC2153 # KUBE_VERSION is set by versions.sh
kube_version="${KUBE_VERSION#v}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Keep helm away from the user's repositories, plugins and cache.
export HELM_CACHE_HOME="$work/cache" HELM_CONFIG_HOME="$work/config" HELM_DATA_HOME="$work/data"

step() { printf 'chart-lint: %s\n' "$*"; }

step "CRD copy matches crds/"
bash "$root/hack/sync-crd.sh" --check

step "helm lint --strict (default values)"
"$helm" lint --strict --kube-version "$kube_version" "$chart"
step "helm lint --strict (namespaced values)"
"$helm" lint --strict --kube-version "$kube_version" "$chart" -f "$here/values-namespaced.yaml"

step "helm template without flags (helm is built knowing its Kubernetes version, as its release build is)"
"$helm" template po "$chart" > /dev/null

step "helm template, all namespaces"
"$helm" template po "$chart" --kube-version "$kube_version" --namespace po-system --include-crds > "$work/cluster.yaml"
python3 "$here/check_rendered.py" --mode cluster --release-namespace po-system "$work/cluster.yaml"

step "helm template, namespaced (team-a, team-b)"
"$helm" template po "$chart" --kube-version "$kube_version" --namespace po-system --include-crds -f "$here/values-namespaced.yaml" > "$work/namespaced.yaml"
python3 "$here/check_rendered.py" --mode namespaced --release-namespace po-system \
  --watch team-a --watch team-b --expect-kind PodDisruptionBudget --expect-kind ServiceMonitor "$work/namespaced.yaml"

step "values.schema.json and template guards reject bad values"
reject() {  # reject <why> <expected error text> <helm template args...>: rendering must fail for that reason
  local why=$1 expected=$2; shift 2
  if "$helm" template po "$chart" --kube-version "$kube_version" "$@" > "$work/rejected.yaml" 2> "$work/rejected.err"; then
    echo "chart-lint: accepted values that must be rejected ($why): $*" >&2
    exit 1
  fi
  if ! grep -qF -- "$expected" "$work/rejected.err"; then
    echo "chart-lint: rejected ($why) but not with '$expected':" >&2
    cat "$work/rejected.err" >&2
    exit 1
  fi
  echo "  rejected ($why)"
}
reject "unknown log format" "at '/logFormat'" --set logFormat=xml
reject "namespace is not a DNS label" "at '/watchNamespaces/0'" --set 'watchNamespaces={Team_A}'
reject "unknown top-level key" "'replicas' not allowed" --set replicas=3
reject "port out of range" "at '/ports/probes'" --set ports.probes=70000
reject "PDB with both minAvailable and maxUnavailable" "not both" --set podDisruptionBudget.enabled=true \
  --set podDisruptionBudget.minAvailable=1 --set podDisruptionBudget.maxUnavailable=1
reject "ServiceMonitor without the metrics Service" "needs metrics.service.enabled" \
  --set metrics.serviceMonitor.enabled=true --set metrics.service.enabled=false

step "ok"
