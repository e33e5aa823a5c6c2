#!/usr/bin/env bash
# chart-lint: the Helm chart lints clean, renders valid objects in both RBAC modes, grants exactly
# the permissions the operator needs (no wildcards), rejects bad values, renders the CRD from crds/
# behind crds.enabled/crds.keep, aggregates view/edit roles for Platforms, and has a helm test Pod.
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
"$helm" template po "$chart" --kube-version "$kube_version" --namespace po-system > "$work/cluster.yaml"
crd_source="$root/crds/platforms.platform.a11y.dev.yaml"
python3 "$here/check_rendered.py" --mode cluster --release-namespace po-system --crd-source "$crd_source" "$work/cluster.yaml"

step "helm template, namespaced (team-a, team-b)"
"$helm" template po "$chart" --kube-version "$kube_version" --namespace po-system -f "$here/values-namespaced.yaml" > "$work/namespaced.yaml"
python3 "$here/check_rendered.py" --mode namespaced --release-namespace po-system --crd-source "$crd_source" \
  --watch team-a --watch team-b --expect-kind PodDisruptionBudget --expect-kind ServiceMonitor "$work/namespaced.yaml"

step "helm template, optional parts off (crds.enabled, rbac.aggregateClusterRoles, test.enabled)"
"$helm" template po "$chart" --kube-version "$kube_version" --namespace po-system \
  --set crds.enabled=false --set rbac.aggregateClusterRoles=false --set test.enabled=false > "$work/off.yaml"
python3 "$here/check_rendered.py" --mode cluster --release-namespace po-system --crds absent --aggregated absent \
  --test-pod absent "$work/off.yaml"
"$helm" template po "$chart" --kube-version "$kube_version" --namespace po-system --set crds.keep=false > "$work/not-kept.yaml"
python3 "$here/check_rendered.py" --mode cluster --release-namespace po-system --crds not-kept --crd-source "$crd_source" \
  "$work/not-kept.yaml"

step "image.digest pins the operator and test images by digest"
digest="sha256:$(printf 'platform-operator' | sha256sum | cut -d' ' -f1)"
"$helm" template po "$chart" --kube-version "$kube_version" --namespace po-system \
  --set image.digest="$digest" --set image.tag=9.9.9 --set test.image.digest="$digest" > "$work/digest.yaml"
grep -qF "image: \"ghcr.io/a11y-platform/platform-operator@$digest\"" "$work/digest.yaml" \
  || { echo "chart-lint: image.digest did not pin the operator image" >&2; exit 1; }
grep -qF "image: \"docker.io/library/busybox@$digest\"" "$work/digest.yaml" \
  || { echo "chart-lint: test.image.digest did not pin the test image" >&2; exit 1; }
if grep -q '9\.9\.9' "$work/digest.yaml"; then
  echo "chart-lint: the tag was used although image.digest is set" >&2; exit 1
fi

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
reject "digest that is not sha256" "at '/image/digest'" --set image.digest=latest
reject "crds.enabled not a boolean" "at '/crds/enabled'" --set-string crds.enabled=yes
reject "namespace is not a DNS label" "at '/watchNamespaces/0'" --set 'watchNamespaces={Team_A}'
reject "unknown top-level key" "'replicas' not allowed" --set replicas=3
reject "port out of range" "at '/ports/probes'" --set ports.probes=70000
reject "negative credential propagation time" "at '/credentialsPropagationSeconds'" --set credentialsPropagationSeconds=-1
reject "PDB with both minAvailable and maxUnavailable" "not both" --set podDisruptionBudget.enabled=true \
  --set podDisruptionBudget.minAvailable=1 --set podDisruptionBudget.maxUnavailable=1
reject "ServiceMonitor without the metrics Service" "needs metrics.service.enabled" \
  --set metrics.serviceMonitor.enabled=true --set metrics.service.enabled=false

step "ok"
