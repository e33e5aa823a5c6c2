#!/usr/bin/env bash
# What `make test` costs on a fresh machine, measured on this one: a clean clone of HEAD runs hack/test.sh
# with every cache of its own and empty (the tools and images under XDG_CACHE_HOME, Go's build and module
# caches, npm's cache, and no ccache), so each Go tool is downloaded and compiled, each image built from
# Debian packages and the C++ compiled from nothing. Apt packages already installed stay installed (they
# cannot be taken away without disturbing the machine); hack/install-deps.sh still runs and checks them.
# Prints make test's own "time per step" table, the run's total, and the load average seen during it
# (sampled every minute): figures taken while other work shares the cores are upper bounds.
#
# Usage: hack/bench/cold_start.sh [DIR]   (DIR: where the clone and its caches go; default
#        ${XDG_CACHE_HOME:-$HOME/.cache}/platform-operator-cold, removed first and left afterwards for
#        inspection). Needs the Go module proxy and the Debian
#        mirror, as a fresh machine does. The test cluster it starts runs a real node only when no other
#        cluster on the machine holds it.
#   CTEST_ARGS='-L unit' hack/bench/cold_start.sh    set-up cost only, with the unit tests as "first test".
#   PO_TEST_PORT_BASE=24000 PO_REAL_NODE=0 ...       beside another make test (its own ports, kwok nodes only:
#                                                    the node's own start-up and image imports are then not in it).
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dir=${1:-${XDG_CACHE_HOME:-$HOME/.cache}/platform-operator-cold}
case "$dir" in /*) ;; *) echo "cold_start: DIR must be absolute" >&2; exit 2 ;; esac
rm -rf "$dir"; mkdir -p "$dir"
git clone -q "$top" "$dir/repo"
echo "== cold make test of $(git -C "$dir/repo" log --oneline -1) in $dir/repo, caches in $dir/cache ($(date -u +%H:%M:%S) UTC)"
loadlog="$dir/load.log"
( while sleep 60; do echo "$(date +%H:%M:%S) $(cut -d' ' -f1-3 /proc/loadavg)" >> "$loadlog"; done ) &
sampler=$!
trap 'kill $sampler 2>/dev/null || true' EXIT
t0=$SECONDS
rc=0
( cd "$dir/repo" && env XDG_CACHE_HOME="$dir/cache" GOCACHE="$dir/cache/go-build" GOMODCACHE="$dir/cache/gomod" \
    CCACHE_DISABLE=1 npm_config_cache="$dir/cache/npm" bash hack/test.sh ) > "$dir/make-test.log" 2>&1 || rc=$?
total=$((SECONDS - t0))
echo "== time per step (make test's own table)"
sed -n '/==> time per step/,$p' "$dir/make-test.log" | sed 1d
echo "== total: $((total / 60)) min $((total % 60)) s, exit status $rc (log: $dir/make-test.log)"
if [ -s "$loadlog" ]; then
  echo "== 1-minute load average during the run (2 cores: above 2 means other work shared them)"
  awk '{print $2}' "$loadlog" | sort -n | awk '{a[NR]=$1} END {printf "  min %s, median %s, max %s over %d samples\n", a[1], a[int((NR+1)/2)], a[NR], NR}'
fi
exit $rc
