#!/usr/bin/env bash
# workflow-lint: actionlint over .github/workflows (expressions, action inputs, job graph, and the
# run: scripts through shellcheck when it is installed).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
actionlint="${ACTIONLINT:-$(bash "$root/hack/tools.sh" path actionlint)/actionlint}"
if [ ! -x "$actionlint" ]; then
  echo "workflow-lint: actionlint not found at $actionlint; build it with: bash hack/tools.sh actionlint" >&2
  exit 1
fi
shopt -s nullglob
workflows=("$root"/.github/workflows/*.yml "$root"/.github/workflows/*.yaml)
if [ ${#workflows[@]} -eq 0 ]; then
  echo "workflow-lint: no workflow in .github/workflows" >&2
  exit 1
fi
cd "$root"
"$actionlint" -no-color "${workflows[@]}"
echo "workflow-lint: ${#workflows[@]} workflow(s) clean"
