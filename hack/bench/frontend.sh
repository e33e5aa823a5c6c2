#!/usr/bin/env bash
# Page-load figures of the frontend: Largest Contentful Paint and the compressed JavaScript of a first visit
# to the audit form and to an audit's results, in Debian's headless Chromium, through the rendered gateway
# (when platform-operator is built) to the standalone server with a real platform-api, PostgreSQL and Redis on loopback (method printed with the figures). Exits
# non-zero when a page's first-load JavaScript exceeds 200 KB gzip-compressed.
#
#   hack/bench/frontend.sh [BUILD_DIR]      (default: $PO_BUILD_DIR or ./build)
#   BENCH_RUNS=7 hack/bench/frontend.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-${PO_BUILD_DIR:-$ROOT/build}}
API=$BUILD/app/platform-api
[ -x "$API" ] || { echo "frontend.sh: $API not built (cmake --build $BUILD --target platform-api)" >&2; exit 2; }
[ -x /usr/bin/chromium ] || [ -n "${CHROMIUM:-}" ] || { echo "frontend.sh: chromium not installed (hack/install-deps.sh)" >&2; exit 2; }
bash "$ROOT/hack/frontend.sh" build >&2
cd "$ROOT/frontend"
# Through the gateway the operator renders, when platform-operator is built (as in a cluster).
OPERATOR=$BUILD/operator/platform-operator
if [ -x "$OPERATOR" ]; then export PLATFORM_OPERATOR_BIN=$OPERATOR; fi
PLATFORM_API_BIN=$API node tests/browser/bench.mjs
