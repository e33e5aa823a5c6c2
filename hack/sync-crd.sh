#!/usr/bin/env bash
# The Platform CRD has one source, crds/; the Helm chart ships a byte-for-byte copy in files/crds/
# because a chart can only read its own files (templates/crds.yaml renders it behind crds.enabled).
# Usage: hack/sync-crd.sh          copy crds/*.yaml into the chart (and drop copies whose source is gone)
#        hack/sync-crd.sh --check  exit 1 and show the diff when the chart's copies differ
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$root/crds"
dst="$root/charts/platform-operator/files/crds"

shopt -s nullglob
sources=("$src"/*.yaml)
if [ ${#sources[@]} -eq 0 ]; then
  echo "sync-crd: no CRD in $src" >&2
  exit 1
fi

if [ "${1:-}" = --check ]; then
  if diff -r -u "$src" "$dst" >&2; then
    echo "sync-crd: chart CRDs match crds/ (${#sources[@]} file(s))"
    exit 0
  fi
  echo "sync-crd: charts/platform-operator/files/crds differs from crds/; run hack/sync-crd.sh" >&2
  exit 1
elif [ $# -gt 0 ]; then
  echo "usage: $0 [--check]" >&2
  exit 2
fi

mkdir -p "$dst"
for f in "$dst"/*; do
  [ -e "$src/$(basename "$f")" ] || { rm -f "$f"; echo "sync-crd: removed stale $(basename "$f")"; }
done
for f in "${sources[@]}"; do
  if ! cmp -s "$f" "$dst/$(basename "$f")"; then
    cp "$f" "$dst/"
    echo "sync-crd: copied $(basename "$f")"
  fi
done
