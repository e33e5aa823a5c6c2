#!/usr/bin/env bash
# Informer and operator footprint against a local envtest apiserver (tests/integration/envtest.sh):
#   cache memory per 1,000 ConfigMaps of 1 KiB, time to caches synced with N objects, watch events applied
#   per second, and the RSS of an idle operator process (le-candidate: a Manager with leader election).
# Usage: hack/bench/kube_informer.sh [build-dir] [objects=5000] [updates=5000]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build=${1:-$root/build}; objects=${2:-5000}; updates=${3:-5000}
dir=$(mktemp -d /tmp/kube-bench.XXXXXX)
trap '"$root/tests/integration/envtest.sh" stop "$dir/env" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
ninja -C "$build" bench-informer le-candidate >/dev/null
"$root/tests/integration/envtest.sh" start "$dir/env"
kc="$dir/env/kubeconfig"
echo "== informer ($objects ConfigMaps of 1 KiB, $updates updates)"
"$build/tests/integration/bench-informer" "$kc" "$objects" "$updates"
echo "== idle operator RSS"
"$build/tests/integration/le-candidate" --kubeconfig="$kc" --leader-elect --leader-election-namespace=default \
  --metrics-bind-address=127.0.0.1:0 --health-probe-bind-address=127.0.0.1:0 >/dev/null 2>&1 &
pid=$!
sleep 10
echo "idle_rss $(awk '/VmRSS/ {printf "%.1f", $2/1024}' /proc/$pid/status) MiB"
kill -TERM $pid; wait $pid || true
