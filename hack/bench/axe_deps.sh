# shellcheck shell=bash
# Sourced by the axe tier's scripts: axe_deps DIR installs DIR's npm packages from its lockfile (`npm ci`)
# when node_modules is missing or older than package-lock.json, as hack/frontend.sh does for the frontend.
axe_deps() {
  local dir=$1
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "axe: npm ci in $dir" >&2
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
  fi
}
