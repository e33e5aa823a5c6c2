# Pinned versions of every tool that hack/tools.sh builds from Go modules.
# Sourced by the hack scripts; change a version here and the next `make tools` builds it.
KUBE_VERSION=v1.36.3
ETCD_VERSION=v3.6.16
KWOK_VERSION=v0.8.0
HELM_VERSION=v3.22.0
ACTIONLINT_VERSION=v1.7.12
# The Prometheus server of the local monitoring image: Debian's build leaves out Kubernetes service
# discovery, which the operator's scrape config uses, so the server comes from its Go module (promtool,
# which the tests use to check configs, stays Debian's).
PROMETHEUS_VERSION=v0.316.0   # Go module version of Prometheus 3.16
# The real node (hack/cluster.sh): a containerd release that kubelet v1.36 supports, the CNI reference
# plugins, CoreDNS as cluster DNS and metrics-server for the HPAs. runc and promtool are Debian's.
CONTAINERD_VERSION=v2.2.9
CNI_PLUGINS_VERSION=v1.9.1
COREDNS_VERSION=v1.14.7
METRICS_SERVER_VERSION=v0.8.0

PO_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/platform-operator"
PO_TOOLS="$PO_CACHE/tools"
PO_STATE="${PO_STATE:-$PO_CACHE/cluster}"

tool_dir() { echo "$PO_TOOLS/$1-$2"; }
