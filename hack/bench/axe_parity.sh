#!/usr/bin/env bash
# Agreement of the audit engine with axe-core, per rule id and per node (issue 14 §4), on the corpus in
# tests/axe/corpus (real-world-shaped pages: component-library widgets, tracking snippets, forms, tables,
# landmarks, icon links, hidden content, ARIA widgets).
#
#   hack/bench/axe_parity.sh [--check|--record] [--details]
#     (no flag)   print the table: per rule, axe's violating nodes, how many of those the engine reports on the
#                 same nodes, its extra findings, how many of those are on nodes axe passed, and a total;
#                 then the axe rules with violations that the engine does not implement (coverage)
#     --check     also fail (exit 1) when any implemented rule's agreement is below tests/axe/baseline.json
#                 (found share lower, share of axe's passing nodes flagged higher, or more extra findings)
#     --record    write the current figures to tests/axe/baseline.json
#     --details   list every node the two disagree on
#   AUDIT_CORPUS_BIN (default: $BUILD_DIR/app/audit/tools/audit-corpus, BUILD_DIR default ./build)
#
# Method: the engine audits each page with audit-corpus (the api's Engine, all rules, no CPU budget or
# finding cap); axe-core (pinned in tests/axe/package-lock.json, installed with `npm ci` when node_modules is
# missing or older than the lockfile) runs all its rules on the same page under jsdom (no scripts run,
# nothing fetched). A node is the same when axe's element and the element the engine's selector resolves to
# in jsdom's tree are the same element. Only npm's registry (for `npm ci`) and no other network.
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD_DIR=${BUILD_DIR:-$top/build}
bin=${AUDIT_CORPUS_BIN:-$BUILD_DIR/app/audit/tools/audit-corpus}
[ -x "$bin" ] || { echo "axe_parity: $bin not built (cmake --build $BUILD_DIR --target audit-corpus)" >&2; exit 2; }
axe_dir="$top/tests/axe"

# shellcheck source=hack/bench/axe_deps.sh
. "$top/hack/bench/axe_deps.sh"
axe_deps "$axe_dir"

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
"$bin" --list-rules > "$work/rules.jsonl"
"$bin" "$axe_dir"/corpus/*.html > "$work/ours.jsonl"
flags=()
for a in "$@"; do
  case "$a" in --check|--record|--details) flags+=("$a") ;; *) echo "usage: $0 [--check|--record] [--details]" >&2; exit 2 ;; esac
done
cd "$axe_dir"
node parity.mjs --corpus corpus --ours "$work/ours.jsonl" --rules "$work/rules.jsonl" --baseline baseline.json "${flags[@]}"
