#!/usr/bin/env bash
# The frontend's steps, for ctest (tests/frontend) and the benchmark:
#   hack/frontend.sh deps      npm ci when node_modules is missing or older than package-lock.json
#   hack/frontend.sh build     deps, then `npm run build` (standalone server) when a source is newer than the build
#   hack/frontend.sh unit      deps, then the Jest tests (npm test)
#   hack/frontend.sh browser   build, then the browser tests (needs PLATFORM_API_BIN; output in FRONTEND_TEST_OUT);
#                              with FRONTEND_BASE_URL, the same tests against a frontend already running there
#                              (tests/node/frontend_test.sh: a Platform's gateway on the real node), no build
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fe="$top/frontend"
cd "$fe"
# No telemetry and no browser download: the tests use Debian's chromium and talk to loopback only.
export NEXT_TELEMETRY_DISABLED=1 PUPPETEER_SKIP_DOWNLOAD=1

deps() {
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "frontend: npm ci"
    npm ci --no-audit --no-fund --loglevel=error
  fi
}

build() {
  deps
  if [ ! -f .next/standalone/server.js ] || [ ! -f .next/BUILD_ID ] ||
     [ -n "$(find src public next.config.mjs package-lock.json tsconfig.json -newer .next/BUILD_ID -print -quit)" ]; then
    echo "frontend: npm run build"
    npm run build
  fi
}

case "${1:-}" in
  deps) deps ;;
  build) build ;;
  unit) deps; npx jest --ci ;;
  browser)
    if [ -n "${FRONTEND_BASE_URL:-}" ]; then
      deps
    else
      build
      : "${PLATFORM_API_BIN:?set PLATFORM_API_BIN to the platform-api binary}"
    fi
    node --test-reporter=spec tests/browser/browser.test.mjs ;;
  *) echo "usage: $0 deps|build|unit|browser" >&2; exit 2 ;;
esac
