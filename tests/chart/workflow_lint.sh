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
# Supply chain: every action is pinned by a full commit SHA, with the release it stands for in a
# comment (so Dependabot and reviewers can follow it); only local actions (./...) and docker:// images
# with a digest are exempt.
unpinned=$(grep -nE '^\s*(-\s+)?uses:' "${workflows[@]}" \
  | grep -vE 'uses:\s*\./' \
  | grep -vE 'uses:\s*docker://[^ ]+@sha256:[0-9a-f]{64}' \
  | grep -vE 'uses:\s*[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}\s+#\s*v?[0-9]+(\.[0-9]+)*\s*$' || true)
if [ -n "$unpinned" ]; then
  echo "workflow-lint: actions not pinned by commit SHA with a '# vX.Y.Z' comment:" >&2
  echo "$unpinned" >&2
  exit 1
fi
echo "workflow-lint: ${#workflows[@]} workflow(s) clean"
