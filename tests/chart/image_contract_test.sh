#!/usr/bin/env bash
# image-contract: the images hack/images.sh builds for the local cluster (from Debian packages, without a
# Docker engine) promise what app/Dockerfile and operator/Dockerfile promise: same user, entrypoint,
# ports, command, working directory, environment and copied files (api, operator and frontend). Builds the two images when they are not cached yet.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
if [ "$(id -u)" -ne 0 ] || ! command -v mmdebstrap >/dev/null || ! command -v umoci >/dev/null; then
  echo "SKIP: building images needs root, mmdebstrap and umoci (hack/install-deps.sh installs them)"; exit 77
fi
export BUILD_DIR=${PO_BUILD_DIR:-$root/build}
status=0
pairs=(platform-api:app/Dockerfile platform-operator:operator/Dockerfile)
if [ -f "$root/frontend/Dockerfile" ]; then
  bash "$root/hack/frontend.sh" build
  pairs+=(platform-frontend:frontend/Dockerfile)
fi
for pair in "${pairs[@]}"; do
  name=${pair%%:*} dockerfile=$root/${pair#*:}
  tar=$(bash "$root/hack/images.sh" oci-tar "$name")
  python3 "$root/tests/chart/image_contract.py" "$dockerfile" "$tar" || status=1
done
exit $status
