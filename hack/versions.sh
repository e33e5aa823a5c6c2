# Pinned versions of every tool that hack/tools.sh builds from Go modules.
# Sourced by the hack scripts; change a version here and the next `make tools` builds it.
KUBE_VERSION=v1.36.3
ETCD_VERSION=v3.6.16
KWOK_VERSION=v0.8.0
HELM_VERSION=v3.22.0
ACTIONLINT_VERSION=v1.7.12
# Prometheus and promtool: Debian's builds leave out Kubernetes service discovery, which the operator's
# scrape config uses, so both come from the Go module (the server for the local image, promtool for the
# render tier's config checks).
PROMETHEUS_VERSION=v0.316.0   # Go module version of Prometheus 3.16
PROMETHEUS_TOOL=prometheus-k8s-sd   # built with Kubernetes service discovery only (build tags)
# The real node (hack/cluster.sh): a containerd release that kubelet v1.36 supports, the CNI reference
# plugins, CoreDNS as cluster DNS and metrics-server for the HPAs. runc is Debian's.
CONTAINERD_VERSION=v2.2.9
CNI_PLUGINS_VERSION=v1.9.1
COREDNS_VERSION=v1.14.7
COREDNS_TOOL=coredns-min   # built with the Corefile's plugins only (hack/tools.sh build_coredns)
METRICS_SERVER_VERSION=v0.8.0

PO_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/platform-operator"
PO_TOOLS="$PO_CACHE/tools"
PO_STATE="${PO_STATE:-$PO_CACHE/cluster}"

tool_dir() { echo "$PO_TOOLS/$1-$2"; }
