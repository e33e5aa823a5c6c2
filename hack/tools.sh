#!/usr/bin/env bash
# Builds the pinned Kubernetes components and tools from their Go modules into
#   ${XDG_CACHE_HOME:-$HOME/.cache}/platform-operator/tools/<name>-<version>/
# Each tool is built once per version; with a warm cache this script takes seconds.
# Usage: hack/tools.sh [all|kube|etcd|kwok|helm|actionlint|node|containerd|cni|coredns|metrics-server] ...   (default: all)
# promtool is built with the Prometheus server (Debian's leaves out Kubernetes service discovery).
#        hack/tools.sh path <name>   prints the directory holding <name>'s binaries
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/versions.sh"

export GOFLAGS="${GOFLAGS:--buildvcs=false} -trimpath"
export CGO_ENABLED=0
: "${GOTOOLCHAIN:=local}"; export GOTOOLCHAIN

log() { printf '[tools %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

# Runs a long command while printing a heartbeat, so nobody stares at a silent terminal.
with_heartbeat() {
  local what=$1; shift
  local start=$SECONDS
  "$@" &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 20
    kill -0 "$pid" 2>/dev/null && log "$what: still building ($((SECONDS - start)) s)"
  done
  wait "$pid"
  log "$what: built in $((SECONDS - start)) s"
}

# A throwaway module that requires the tool's module; the build happens there so the
# tool's own go.mod decides dependency versions (replace lines are added when needed).
scratch_module() {
  local dir=$1 name=$2
  rm -rf "$dir"; mkdir -p "$dir"
  (cd "$dir" && go mod init "local.build/$name" >/dev/null 2>&1)
}

build_kube() {
  local out; out=$(tool_dir kubernetes "$KUBE_VERSION")
  if [ -x "$out/kube-apiserver" ] && [ -x "$out/kubectl" ] && [ -x "$out/kube-controller-manager" ] && [ -x "$out/kube-scheduler" ] \
     && [ -x "$out/kubelet" ] && [ -x "$out/kube-proxy" ]; then
    log "kubernetes $KUBE_VERSION: cached"; return; fi
  log "kubernetes $KUBE_VERSION: building kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, kubelet, kube-proxy (cold: ~15-25 min on 2 cores)"
  local work="$PO_CACHE/build/kubernetes-$KUBE_VERSION"
  scratch_module "$work" kube
  cd "$work"
  go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" > dl.json
  local kmod; kmod=$(sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\?$/\1/p' dl.json)
  # k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them with local
  # paths, which only work inside its own tree; point each at its published release instead.
  local staging_version="v0${KUBE_VERSION#v1}"
  local replaces=()
  while read -r m; do
    replaces+=("-replace=$m=$m@$staging_version")
  done < <(awk '/^replace \(/{r=1;next} r&&/^\)/{r=0} r&&/=> \.\/staging/{print $1}' "$kmod")
  go mod edit -require="k8s.io/kubernetes@$KUBE_VERSION" "${replaces[@]}"
  # Copy the tool's own replace/exclude-free dependency graph, then resolve.
  cat > tools.go <<GO
//go:build tools
package tools
import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
	_ "k8s.io/kubernetes/cmd/kubelet"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
)
GO
  go mod tidy -e >/dev/null 2>&1 || true
  go mod download all >/dev/null 2>&1 || true
  local minor=${KUBE_VERSION#v1.}; minor=${minor%%.*}
  local date; date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  local ld="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ld+=" -X $pkg.gitCommit=0000000000000000000000000000000000000000 -X $pkg.gitTreeState=clean -X $pkg.buildDate=$date"
  done
  mkdir -p "$out.tmp"
  with_heartbeat "kubernetes" go build -ldflags "$ld" -o "$out.tmp/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl \
    k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy
  rm -rf "$out"; mv "$out.tmp" "$out"
  cd - >/dev/null
}

# Builds main packages of a module at a pinned version inside a scratch module, so that modules
# whose go.mod replaces siblings with local paths (etcd) still build: each such sibling is pinned to
# its published release at the same version. Every package's binary lands in the tool's directory
# under its base name (or under <bin> when a single package is given).
#   install_module <name> <version> <module> <ldflags> <bin> <pkg>...
install_module() {
  local name=$1 version=$2 module=$3 ld=$4 bin=$5; shift 5
  local pkgs=("$@")
  local out; out=$(tool_dir "$name" "$version")
  if [ -x "$out/$bin" ]; then log "$name $version: cached"; return; fi
  log "$name $version: building ${pkgs[*]}"
  local work="$PO_CACHE/build/$name-$version"
  scratch_module "$work" "$name"
  (
    cd "$work"
    go mod download -json "$module@$version" > dl.json
    local gomod; gomod=$(sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\?$/\1/p' dl.json)
    local replaces=()
    while read -r m; do
      [ -n "$m" ] || continue
      # Only siblings that can exist at this version (a /vN suffix must match vN; skips guard entries).
      local major=${version%%.*}
      case "$m" in */v[0-9]*) [ "${m##*/}" = "$major" ] || continue ;; *) case "$major" in v0|v1) ;; *) continue ;; esac ;; esac
      replaces+=("-replace=$m=$m@$version")
    done < <(awk '/^replace \(/{r=1;next} r&&/^\)/{r=0} r&&/=> \.\.?\//{print $1} /^replace [^(]/&&/=> \.\.?\//{print $2}' "$gomod")
    go mod edit -require="$module@$version" ${replaces[@]+"${replaces[@]}"}
    { printf '//go:build tools\npackage tools\nimport (\n'; printf '\t_ "%s"\n' "${pkgs[@]}"; printf ')\n'; } > tools.go
    # MODULE_MAIN: a main package of our own (the packages above are what it imports), built instead of
    # the module's commands. MODULE_TAGS: Go build tags.
    local targets=("${pkgs[@]}")
    if [ -n "${MODULE_MAIN:-}" ]; then printf '%s\n' "$MODULE_MAIN" > main.go; targets=(.); fi
    go mod tidy -e >/dev/null 2>&1 || true
    mkdir -p "$out.tmp"
    local dest="$out.tmp/"; [ ${#targets[@]} -eq 1 ] && dest="$out.tmp/$bin"
    with_heartbeat "$name" go build ${MODULE_TAGS:+-tags "$MODULE_TAGS"} -ldflags "$ld" -o "$dest" "${targets[@]}"
  )
  rm -rf "$out"; mv "$out.tmp" "$out"
}

build_etcd() {
  install_module etcd "$ETCD_VERSION" go.etcd.io/etcd/server/v3 \
    "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=release" etcd go.etcd.io/etcd/server/v3
}
build_kwok() {
  install_module kwok "$KWOK_VERSION" sigs.k8s.io/kwok \
    "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION" kwok sigs.k8s.io/kwok/cmd/kwok
}
build_helm() {
  # Helm's release build stamps the Kubernetes version it was built against (client-go's minor,
  # major 1), which `helm template` reports as the cluster version when there is no cluster; without
  # it helm falls back to v1.20 and refuses charts with a newer kubeVersion.
  local kminor=${KUBE_VERSION#v1.}; kminor=${kminor%%.*}
  local ld="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
  local pkg
  for pkg in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do
    ld+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$kminor"
  done
  install_module helm "$HELM_VERSION" helm.sh/helm/v3 "$ld" helm helm.sh/helm/v3/cmd/helm
}
build_actionlint() {
  install_module actionlint "$ACTIONLINT_VERSION" github.com/rhysd/actionlint "-s -w" actionlint github.com/rhysd/actionlint/cmd/actionlint
}
# Prometheus and promtool with Kubernetes service discovery only (the operator's scrape config uses no
# other): Prometheus' own build tags leave out the cloud SDKs, which were most of a cold build.
build_prometheus() {
  # Module v0.MMm.p is Prometheus M.mm.p (v0.316.0 is 3.16.0): the version the binaries report.
  local v=${PROMETHEUS_VERSION#v0.}; local mm=${v%%.*}
  MODULE_TAGS=remove_all_sd,enable_kubernetes_sd install_module "$PROMETHEUS_TOOL" "$PROMETHEUS_VERSION" github.com/prometheus/prometheus \
    "-s -w -X github.com/prometheus/common/version.Version=${mm:0:1}.${mm:1}.${v#*.} -X github.com/prometheus/common/version.Branch=release" \
    promtool github.com/prometheus/prometheus/cmd/prometheus github.com/prometheus/prometheus/cmd/promtool
}
# The real node: containerd (with ctr and the runc shim), the CNI reference plugins, CoreDNS and
# metrics-server. runc comes from Debian (hack/install-deps.sh).
build_containerd() {
  install_module containerd "$CONTAINERD_VERSION" github.com/containerd/containerd/v2 \
    "-s -w -X github.com/containerd/containerd/v2/version.Version=$CONTAINERD_VERSION" containerd-shim-runc-v2 \
    github.com/containerd/containerd/v2/cmd/containerd github.com/containerd/containerd/v2/cmd/ctr \
    github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2
}
build_cni() {
  install_module cni-plugins "$CNI_PLUGINS_VERSION" github.com/containernetworking/plugins \
    "-s -w -X github.com/containernetworking/plugins/pkg/utils/buildversion.BuildVersion=$CNI_PLUGINS_VERSION" portmap \
    github.com/containernetworking/plugins/plugins/main/bridge github.com/containernetworking/plugins/plugins/main/loopback \
    github.com/containernetworking/plugins/plugins/ipam/host-local github.com/containernetworking/plugins/plugins/meta/portmap
}
# CoreDNS with the plugins hack/node/addons.yaml's Corefile uses, in a main package of our own (CoreDNS'
# documented way to choose plugins at build time): the full set pulls in several cloud SDKs.
build_coredns() {
  local plugins=(errors health ready kubernetes metrics cache loadbalance) p main
  main=$'package main\n\nimport (\n\t"github.com/coredns/coredns/coremain"\n'
  for p in "${plugins[@]}"; do main+=$'\t_ "github.com/coredns/coredns/plugin/'"$p"$'"\n'; done
  main+=$')\n\nfunc main() { coremain.Run() }'
  MODULE_MAIN=$main install_module "$COREDNS_TOOL" "$COREDNS_VERSION" github.com/coredns/coredns "-s -w" coredns \
    github.com/coredns/coredns/coremain "${plugins[@]/#/github.com/coredns/coredns/plugin/}"
}
build_metrics_server() {
  install_module metrics-server "$METRICS_SERVER_VERSION" sigs.k8s.io/metrics-server \
    "-s -w -X sigs.k8s.io/metrics-server/pkg/version.gitVersion=$METRICS_SERVER_VERSION" metrics-server \
    sigs.k8s.io/metrics-server/cmd/metrics-server
}

if [ "${1:-}" = path ]; then
  case "$2" in
    kube-apiserver|kube-controller-manager|kube-scheduler|kubectl|kubelet|kube-proxy) tool_dir kubernetes "$KUBE_VERSION" ;;
    etcd) tool_dir etcd "$ETCD_VERSION" ;;
    kwok) tool_dir kwok "$KWOK_VERSION" ;;
    helm) tool_dir helm "$HELM_VERSION" ;;
    promtool) tool_dir "$PROMETHEUS_TOOL" "$PROMETHEUS_VERSION" ;;
    containerd|ctr|containerd-shim-runc-v2) tool_dir containerd "$CONTAINERD_VERSION" ;;
    cni-plugins) tool_dir cni-plugins "$CNI_PLUGINS_VERSION" ;;
    coredns) tool_dir "$COREDNS_TOOL" "$COREDNS_VERSION" ;;
    metrics-server) tool_dir metrics-server "$METRICS_SERVER_VERSION" ;;
    prometheus) tool_dir "$PROMETHEUS_TOOL" "$PROMETHEUS_VERSION" ;;
    actionlint) tool_dir actionlint "$ACTIONLINT_VERSION" ;;
    *) echo "unknown tool: $2" >&2; exit 2 ;;
  esac
  exit 0
fi

command -v go >/dev/null || { echo "tools: go is not installed (Go 1.26 is needed to build the pinned tools)" >&2; exit 1; }
start=$SECONDS
targets=("$@"); [ ${#targets[@]} -gt 0 ] || targets=(all)
for t in "${targets[@]}"; do
  case "$t" in
    all) build_etcd; build_kube; build_containerd; build_cni; build_coredns; build_metrics_server; build_prometheus
         build_kwok; build_helm; build_actionlint ;;
    node) build_containerd; build_cni; build_coredns; build_metrics_server; build_prometheus ;;
    prometheus) build_prometheus ;;
    kube|kubernetes) build_kube ;;
    etcd) build_etcd ;; kwok) build_kwok ;; helm) build_helm ;; actionlint) build_actionlint ;;
    containerd) build_containerd ;; cni) build_cni ;; coredns) build_coredns ;; metrics-server) build_metrics_server ;;
    *) echo "unknown target: $t" >&2; exit 2 ;;
  esac
done
log "all requested tools ready in $((SECONDS - start)) s under $PO_TOOLS"
