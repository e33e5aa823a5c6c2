#!/usr/bin/env bash
# Installs every Debian package that the build, the tests and the demo need.
# Idempotent: when everything is present it only runs dpkg-query and exits.
set -euo pipefail

packages=(
  build-essential g++ cmake ninja-build pkg-config git make
  libcpprest-dev libyaml-cpp-dev nlohmann-json3-dev libspdlog-dev libfmt-dev doctest-dev
  libssl-dev openssl libboost-dev libboost-system-dev libboost-program-options-dev
  libpqxx-dev libpq-dev libhiredis-dev libgumbo-dev libcpp-jwt-dev
  postgresql postgresql-client redis-server redis-tools nginx-light
  wrk curl jq ca-certificates procps iproute2 psmisc python3 python3-yaml shellcheck
  clang libclang-rt-14-dev ccache lua5.4
  runc iptables conntrack mmdebstrap umoci socat
  chromium fonts-dejavu-core
)
# The frontend (frontend/) needs Node.js >= 18.18 with npm; a node already on the PATH is kept (Debian's
# npm package would conflict with another distribution's nodejs).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${#missing[@]} packages: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# Services are started by the tests on loopback, not by the package scripts.
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts the system redis/nginx/postgresql when it can; our tests run their own instances.
for svc in redis-server nginx postgresql; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
    $SUDO systemctl stop "$svc" || true
  fi
done
echo "install-deps: done"
