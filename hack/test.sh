#!/usr/bin/env bash
# make test: installs what is missing, builds the tools and the code, brings the local cluster up,
# runs every ctest test, and takes the cluster down again (also on failure) when it started it.
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$top"
BUILD_DIR=${BUILD_DIR:-build}
step() { printf '\n==> %s (%s)\n' "$*" "$(date +%H:%M:%S)"; }

step "dependencies"; bash hack/install-deps.sh
step "tools";        bash hack/tools.sh
step "build";        bash hack/build.sh

started_cluster=0
cleanup() {
  if [ $started_cluster -eq 1 ]; then step "cluster down"; bash hack/cluster.sh down || true; fi
}
trap cleanup EXIT
if ! bash hack/cluster.sh status >/dev/null 2>&1; then
  started_cluster=1
fi
step "cluster up";   bash hack/cluster.sh up

step "tests"
cd "$BUILD_DIR"
ctest --output-on-failure --timeout 1200 ${CTEST_ARGS:-}
