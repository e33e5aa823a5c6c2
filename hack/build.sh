#!/usr/bin/env bash
# Configures and builds everything C++ into ${BUILD_DIR:-build} with CMake + Ninja.
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR=${BUILD_DIR:-build}
cd "$top"
generator=()
command -v ninja >/dev/null && [ ! -f "$BUILD_DIR/CMakeCache.txt" ] && generator=(-G Ninja)
cmake -S . -B "$BUILD_DIR" "${generator[@]}" -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-RelWithDebInfo}" ${CMAKE_ARGS:-} >/dev/null
# PO_BUILD_TARGETS: only these targets (make demo builds the two binaries it runs, not the tests).
targets=(); for t in ${PO_BUILD_TARGETS:-}; do targets+=(--target "$t"); done
cmake --build "$BUILD_DIR" --parallel "${PO_BUILD_JOBS:-$(nproc)}" "${targets[@]}"
