# Pinned versions of every tool that hack/tools.sh builds from Go modules.
# Sourced by the hack scripts; change a version here and the next `make tools` builds it.
KUBE_VERSION=v1.36.3
ETCD_VERSION=v3.6.16
KWOK_VERSION=v0.8.0
HELM_VERSION=v3.22.0
PROMETHEUS_VERSION=v0.316.0   # Go module version of Prometheus 3.16 (promtool)
ACTIONLINT_VERSION=v1.7.12

PO_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/platform-operator"
PO_TOOLS="$PO_CACHE/tools"
PO_STATE="${PO_STATE:-$PO_CACHE/cluster}"

tool_dir() { echo "$PO_TOOLS/$1-$2"; }
