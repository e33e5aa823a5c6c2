#!/usr/bin/env bash
# make test: installs what is missing, builds the tools and the code, brings up a fresh local cluster
# of its own, runs every ctest test, and takes that cluster down again (also on failure).
#
# The test cluster has its own state directory and ports, so it neither disturbs nor depends on a
# `make demo` cluster that may be running, and every run starts from an empty etcd.
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$top"
. hack/versions.sh
BUILD_DIR=${BUILD_DIR:-build}
step() { printf '\n==> %s (%s)\n' "$*" "$(date +%H:%M:%S)"; }

export PO_STATE="$PO_CACHE/test-cluster"
export PO_API_PORT=26443 PO_ETCD_CLIENT_PORT=27790 PO_ETCD_PEER_PORT=27800
export PO_KCM_PORT=26257 PO_SCHED_PORT=26259 PO_KWOK_PORT=26080

step "dependencies"; bash hack/install-deps.sh
step "tools";        bash hack/tools.sh
step "build";        bash hack/build.sh

cleanup() { step "cluster down"; bash hack/cluster.sh down || true; }
trap cleanup EXIT
step "cluster up (fresh state in $PO_STATE)"
bash hack/cluster.sh reset >/dev/null
bash hack/cluster.sh up

step "tests"
cd "$BUILD_DIR"
ctest --output-on-failure --timeout 1200 ${CTEST_ARGS:-}
