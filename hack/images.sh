#!/usr/bin/env bash
# Builds the OCI images the local cluster's real node runs, without a Docker engine, and imports them
# into the node's containerd:
#   - Debian images (mmdebstrap + umoci): one shared bookworm base layer, then one layer per image with
#     its Debian packages: platform-api and platform-operator (this repo's build, same user, paths,
#     entrypoint and ports as app/Dockerfile and operator/Dockerfile), the frontend (Debian's Node.js),
#     PostgreSQL 15, Redis, nginx, Alertmanager and the postgres, redis and nginx exporters;
#   - static images (a single Go or C binary): the pause sandbox, CoreDNS, metrics-server and Prometheus
#     (Debian's build has no Kubernetes service discovery; hack/tools.sh builds it from its Go module).
# Each image is an OCI layout tar cached in $PO_CACHE/images by a digest of its inputs, so a warm run
# only imports (or finds already imported) what changed.
#
#   hack/images.sh node-base SOCKET   pause, CoreDNS, metrics-server (hack/node.sh calls this)
#   hack/images.sh stack SOCKET       every image a local Platform and the in-cluster operator use
#   hack/images.sh prebuild           build (not import) the images that need nothing from this repo's build
#   hack/images.sh list               the image names and references
#   hack/images.sh one SOCKET NAME    build (or find cached) one Debian image and import it
#   hack/images.sh oci-tar NAME       build (or find cached) one Debian image; print its OCI tar's path
#   hack/images.sh sizes              compressed and unpacked size of each cached image
#
# Grafana is not packaged by Debian, so the local cluster runs without it (monitoring.grafana.enabled:
# false in config/samples/platform-local.yaml); released clusters use the upstream Grafana image.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
top="$(cd "$here/.." && pwd)"
. "$here/versions.sh"
BUILD_DIR=${BUILD_DIR:-build}
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR="$top/$BUILD_DIR" ;; esac

LOCAL_REPO=localhost/platform-local
# The tag of this repository's images (platform-api, platform-operator, platform-frontend). Another tag
# (PO_LOCAL_TAG=mybranch) keeps one worktree's images apart from the `dev` ones on a node several
# worktrees share; such builds leave the other cached tars alone.
LOCAL_TAG=${PO_LOCAL_TAG:-dev}
[[ "$LOCAL_TAG" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || { echo "PO_LOCAL_TAG: '$LOCAL_TAG' is not an image tag" >&2; exit 2; }
SUITE=bookworm
PAUSE_IMAGE=registry.k8s.io/pause:3.10.1
cache="$PO_CACHE/images"
apt_cache="$cache/apt"            # downloaded .debs and package lists, shared by every image build
mkdir -p "$cache" "$apt_cache/archives/partial" "$apt_cache/lists/partial"

log() { printf '[images %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

# Removes the cached tars of an image other than the one just built (another input digest).
prune_others() {  # prune_others <name> <kept tar>
  [ "$LOCAL_TAG" = dev ] || return 0
  local t
  # Another tag's tar may be another worktree's image: kept (only the default tag prunes).
  [ "$LOCAL_TAG" = dev ] || return 0
  for t in "$cache/$1"-*.tar; do
    [ "$t" != "$2" ] || continue
    [[ "$(basename "$t")" =~ ^$1-[0-9a-f]{16}\.tar$ ]] && rm -f "$t"
  done
}
die() { log "error: $*" >&2; exit 1; }

# ---- what each Debian image holds: packages, then its OCI config
declare -A PACKAGES=(
  [platform-api]="libcpprest2.10 libpqxx-6.4 libpq5 libhiredis0.14 libgumbo1 libspdlog1.10 libfmt9 libssl3 ca-certificates"
  [platform-operator]="libcpprest2.10 libyaml-cpp0.7 libspdlog1.10 libfmt9 libssl3 ca-certificates"
  [platform-frontend]="nodejs"
  [postgres]="postgresql-15"
  [postgres-exporter]="prometheus-postgres-exporter"
  [redis]="redis-server"
  [redis-exporter]="prometheus-redis-exporter"
  [nginx]="nginx-light"
  [nginx-exporter]="prometheus-nginx-exporter"
  [alertmanager]="prometheus-alertmanager"
)
# PO_LOCAL_TAG: the tag of the three images built from this repo, so that two worktrees sharing the real
# node can import theirs side by side (tests/node/frontend_test.sh uses it too).
LOCAL_TAG=${PO_LOCAL_TAG:-dev}
declare -A TAGS=(
  [platform-api]=$LOCAL_TAG [platform-operator]=$LOCAL_TAG [platform-frontend]=$LOCAL_TAG [postgres]=15 [postgres-exporter]=debian12 [redis]=debian12
  [redis-exporter]=debian12 [nginx]=debian12 [nginx-exporter]=debian12 [prometheus]=3.16 [alertmanager]=debian12
  [coredns]=local [metrics-server]=local
)
ref() { echo "$LOCAL_REPO/$1:${TAGS[$1]}"; }

# ---- the shared base: bookworm minbase without docs, man pages and locales
base_layout() {
  local key; key=$(printf '%s\n' "$SUITE" minbase v2 | sha256sum | cut -c1-16)
  local layout="$cache/base-$key"
  if [ -f "$layout/index.json" ]; then echo "$layout"; return; fi
  log "base: mmdebstrap --variant=minbase $SUITE (cold: a few minutes)" >&2
  local tmp="$cache/base.tmp"; rm -rf "$tmp" "$layout.tmp"; mkdir -p "$tmp"
  mmdebstrap --quiet --variant=minbase --mode=root \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --customize-hook='rm -rf "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/* "$1"/var/log/*' \
    "$SUITE" "$tmp/rootfs.tar" >&2
  umoci init --layout "$layout.tmp"
  umoci new --image "$layout.tmp:base"
  umoci raw add-layer --image "$layout.tmp:base" "$tmp/rootfs.tar"
  rm -rf "$tmp"; mv "$layout.tmp" "$layout"
  echo "$layout"
}

# Unmounts whatever is mounted below a directory (a chroot_apt that was interrupted), so that removing
# the directory can never reach through a bind mount into the host's /dev or the package cache.
unmount_under() {
  local m
  for m in $(awk -v p="$1/" 'index($2, p) == 1 {print $2}' /proc/mounts | sort -r); do umount -l "$m" 2>/dev/null || true; done
}

# Runs apt-get inside a bundle's rootfs with the shared package cache mounted, then leaves no trace of
# the mounts or the cache in the image.
chroot_apt() {
  local rootfs=$1; shift
  mkdir -p "$rootfs/var/cache/apt/archives" "$rootfs/var/lib/apt/lists"
  mount --bind "$apt_cache/archives" "$rootfs/var/cache/apt/archives"
  mount --bind "$apt_cache/lists" "$rootfs/var/lib/apt/lists"
  mount -t proc proc "$rootfs/proc"
  mount --bind /dev "$rootfs/dev"
  cp /etc/resolv.conf "$rootfs/etc/resolv.conf.host"
  local had_resolv=0; [ -e "$rootfs/etc/resolv.conf" ] && had_resolv=1 && mv "$rootfs/etc/resolv.conf" "$rootfs/etc/resolv.conf.orig"
  mv "$rootfs/etc/resolv.conf.host" "$rootfs/etc/resolv.conf"
  printf '#!/bin/sh\nexit 101\n' > "$rootfs/usr/sbin/policy-rc.d"; chmod +x "$rootfs/usr/sbin/policy-rc.d"
  local rc=0 update=""
  # Package lists are refreshed once every 6 hours, in the shared cache (not in the image).
  if [ -z "$(find "$apt_cache/lists" -maxdepth 1 -name '*_Packages*' -mmin -360 2>/dev/null | head -n1)" ]; then
    update="apt-get update -qq && "
  fi
  chroot "$rootfs" /usr/bin/env DEBIAN_FRONTEND=noninteractive PATH=/usr/sbin:/usr/bin:/sbin:/bin sh -c "$update$*" || rc=$?
  rm -f "$rootfs/usr/sbin/policy-rc.d" "$rootfs/etc/resolv.conf"
  [ $had_resolv -eq 1 ] && mv "$rootfs/etc/resolv.conf.orig" "$rootfs/etc/resolv.conf"
  umount "$rootfs/dev" "$rootfs/proc" "$rootfs/var/lib/apt/lists" "$rootfs/var/cache/apt/archives"
  # apt's binary caches (80 MB) and dpkg's backups are rebuilt on demand; they do not belong in a layer.
  rm -rf "$rootfs/var/log/apt" "$rootfs/var/log/dpkg.log" "$rootfs/var/cache/debconf/"*-old "$rootfs/var/cache/ldconfig/aux-cache" \
    "$rootfs"/var/cache/apt/*.bin "$rootfs/var/lib/dpkg/status-old"
  return $rc
}

# Files a Debian image gets from this repo; printed so the input digest covers their contents (not their
# paths: a clean clone elsewhere, or another worktree with the same build, finds the same image).
repo_inputs() {
  case "$1" in
    platform-api) echo "$BUILD_DIR/app/platform-api"; find "$top/app/models" -type f | sort ;;
    platform-operator) echo "$BUILD_DIR/operator/platform-operator" ;;
    platform-frontend) echo "$top/frontend/.next/BUILD_ID"; echo "$top/frontend/.next/standalone/server.js" ;;
    postgres) echo "$here/images/postgres-entrypoint.sh" ;;
  esac
}

# The per-image layer: users, packages, this repo's files, and the OCI config (mirrors the Dockerfiles
# for platform-api and platform-operator; tests/chart/image_contract_test.sh compares them).
customize() {
  local name=$1 bundle=$2 rootfs=$2/rootfs
  case "$name" in
    platform-api)
      chroot_apt "$rootfs" "groupadd --gid 65532 app && useradd --uid 65532 --gid 65532 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin app && apt-get install -y -qq --no-install-recommends ${PACKAGES[$name]} >/dev/null"
      install -D -m 0755 "$BUILD_DIR/app/platform-api" "$rootfs/usr/local/bin/platform-api"
      strip "$rootfs/usr/local/bin/platform-api"
      mkdir -p "$rootfs/opt/platform-api"; cp -r "$top/app/models" "$rootfs/opt/platform-api/models"
      ! chroot "$rootfs" ldd /usr/local/bin/platform-api | grep 'not found' || die "platform-api: a shared library is missing"
      set_config "$bundle" "$name" --config.user 65532:65532 --config.entrypoint platform-api \
        --config.env PORT=8000 --config.env MODEL_DIR=/opt/platform-api/models --config.env LOG_FORMAT=json \
        --config.exposedports 8000/tcp --config.stopsignal SIGTERM
      ;;
    platform-operator)
      chroot_apt "$rootfs" "groupadd --gid 65532 nonroot && useradd --uid 65532 --gid 65532 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin nonroot && apt-get install -y -qq --no-install-recommends ${PACKAGES[$name]} >/dev/null"
      install -D -m 0755 "$BUILD_DIR/operator/platform-operator" "$rootfs/usr/local/bin/platform-operator"
      strip "$rootfs/usr/local/bin/platform-operator"
      ! chroot "$rootfs" ldd /usr/local/bin/platform-operator | grep 'not found' || die "platform-operator: a shared library is missing"
      set_config "$bundle" "$name" --config.user 65532:65532 --config.entrypoint /usr/local/bin/platform-operator \
        --config.exposedports 8080/tcp --config.exposedports 8081/tcp
      ;;
    platform-frontend)
      # Debian's Node.js runs Next's standalone server (hack/frontend.sh build made it), as frontend/Dockerfile does.
      chroot_apt "$rootfs" "apt-get install -y -qq --no-install-recommends ${PACKAGES[$name]} >/dev/null"
      mkdir -p "$rootfs/app/.next"
      cp -a "$top/frontend/.next/standalone/." "$rootfs/app/"
      cp -a "$top/frontend/.next/static" "$rootfs/app/.next/static"
      [ ! -d "$top/frontend/public" ] || cp -a "$top/frontend/public" "$rootfs/app/public"
      chown -R 0:0 "$rootfs/app"
      set_config "$bundle" "$name" --config.user 10001:10001 --config.workingdir /app \
        --config.env NODE_ENV=production --config.env NEXT_TELEMETRY_DISABLED=1 --config.env PORT=3000 --config.env BIND_HOST=0.0.0.0 \
        --config.exposedports 3000/tcp --config.cmd /bin/sh --config.cmd -c --config.cmd 'HOSTNAME="$BIND_HOST" exec node server.js' \
        --config.stopsignal SIGTERM
      ;;
    postgres)
      # The contract of the postgres image the operator renders for: POSTGRES_USER/PASSWORD/DB from the
      # environment, data in PGDATA, initialised on an empty volume, running as uid 999.
      chroot_apt "$rootfs" "groupadd --gid 999 postgres && useradd --uid 999 --gid 999 --home-dir /var/lib/postgresql --no-create-home --shell /bin/sh postgres && mkdir -p /etc/postgresql-common && echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.conf && apt-get install -y -qq --no-install-recommends ${PACKAGES[$name]} >/dev/null"
      install -D -m 0755 "$here/images/postgres-entrypoint.sh" "$rootfs/usr/local/bin/docker-entrypoint.sh"
      mkdir -p "$rootfs/var/lib/postgresql/data" "$rootfs/var/run/postgresql"
      chown 999:999 "$rootfs/var/lib/postgresql/data" "$rootfs/var/run/postgresql"
      set_config "$bundle" "$name" --config.user 999:999 --config.entrypoint /usr/local/bin/docker-entrypoint.sh \
        --config.env PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        --config.env PGDATA=/var/lib/postgresql/data --config.exposedports 5432/tcp --config.stopsignal SIGINT
      ;;
    redis)
      chroot_apt "$rootfs" "apt-get install -y -qq --no-install-recommends ${PACKAGES[$name]} >/dev/null"
      mkdir -p "$rootfs/data"; chown 999:999 "$rootfs/data"
      set_config "$bundle" "$name" --config.user 999:999 --config.entrypoint redis-server --config.workingdir /data --config.exposedports 6379/tcp
      ;;
    nginx)
      chroot_apt "$rootfs" "apt-get install -y -qq --no-install-recommends ${PACKAGES[$name]} >/dev/null"
      # Logs to the container's streams, as the upstream nginx images do.
      ln -sf /dev/stdout "$rootfs/var/log/nginx/access.log"; ln -sf /dev/stderr "$rootfs/var/log/nginx/error.log"
      set_config "$bundle" "$name" --config.user 101:101 --config.entrypoint nginx --config.cmd -g --config.cmd 'daemon off;' \
        --config.exposedports 8080/tcp --config.stopsignal SIGQUIT
      ;;
    postgres-exporter|redis-exporter|nginx-exporter|alertmanager)
      chroot_apt "$rootfs" "apt-get install -y -qq --no-install-recommends ${PACKAGES[$name]} >/dev/null"
      local bin
      case "$name" in
        postgres-exporter) bin=/usr/bin/prometheus-postgres-exporter ;;
        redis-exporter) bin=/usr/bin/prometheus-redis-exporter ;;
        nginx-exporter) bin=/usr/bin/prometheus-nginx-exporter ;;
        alertmanager) bin=/usr/bin/prometheus-alertmanager ;;
      esac
      [ -x "$rootfs$bin" ] || die "$name: $bin is not in the package"
      set_config "$bundle" "$name" --config.user 65534:65534 --config.entrypoint "$bin"
      ;;
    *) die "no recipe for image $name" ;;
  esac
}

set_config() {  # set_config <bundle> <name> <umoci config flags...>: applied after repack
  local bundle=$1 name=$2; shift 2
  printf '%s\n' "$@" > "$bundle/.config-flags"
}

# Builds (or finds cached) the OCI tar of one Debian image; prints its path.
debian_image() {
  local name=$1
  local base; base=$(base_layout)
  local key
  key=$( { echo "$name ${PACKAGES[$name]} ${TAGS[$name]} recipe-4"; basename "$base"; sed -n "/^    $name)/,/;;/p" "$0";
           repo_inputs "$name" | while read -r f; do [ -n "$f" ] && sha256sum < "$f"; done; } | sha256sum | cut -c1-16)
  local out="$cache/$name-$key.tar"
  if [ -f "$out" ]; then echo "$out"; return; fi
  local f; for f in $(repo_inputs "$name"); do [ -e "$f" ] || die "$name needs $f (run hack/build.sh first)"; done
  log "$name: building (${PACKAGES[$name]})" >&2
  local work="$cache/work-$name-$key";  # per input digest: two worktrees build theirs side by side
  unmount_under "$work"; rm -rf "$work"; mkdir -p "$work"
  cp -a "$base" "$work/layout"
  umoci unpack --image "$work/layout:base" "$work/bundle" >/dev/null
  customize "$name" "$work/bundle" >&2
  umoci repack --image "$work/layout:base" "$work/bundle" >/dev/null
  local flags=(); mapfile -t flags < "$work/bundle/.config-flags"
  umoci config --image "$work/layout:base" --tag "${TAGS[$name]}" \
    --config.label "org.opencontainers.image.title=$name" --config.label "org.opencontainers.image.version=${TAGS[$name]}" "${flags[@]}"
  umoci rm --image "$work/layout:base"
  umoci gc --layout "$work/layout"
  tar -C "$work/layout" -cf "$out.tmp" .
  mv "$out.tmp" "$out"; unmount_under "$work"; rm -rf "$work"
  prune_others "$name" "$out"
  echo "$out"
}

# An image holding one static binary (nothing else but a /tmp and a passwd entry for the nobody-style user).
static_image() {  # static_image <name> <tag> <binary> <path-in-image> <uid> [entrypoint args...]
  local name=$1 tag=$2 bin=$3 path=$4 uid=$5; shift 5
  [ -x "$bin" ] || die "$name: $bin is missing (hack/tools.sh)"
  local key; key=$( { echo "$name $tag $path $uid $* v1"; sha256sum "$bin"; } | sha256sum | cut -c1-16)
  local out="$cache/$name-$key.tar"
  if [ -f "$out" ]; then echo "$out"; return; fi
  log "$name: packing $(basename "$bin")" >&2
  local work="$cache/work-$name-$key"; rm -rf "$work"; mkdir -p "$work"
  umoci init --layout "$work/layout"
  umoci new --image "$work/layout:$tag"
  umoci unpack --image "$work/layout:$tag" "$work/bundle" >/dev/null
  install -D -m 0755 "$bin" "$work/bundle/rootfs$path"
  mkdir -p "$work/bundle/rootfs/etc" "$work/bundle/rootfs/tmp"; chmod 1777 "$work/bundle/rootfs/tmp"
  printf 'root:x:0:0:root:/:/sbin/nologin\nnonroot:x:%s:%s:nonroot:/:/sbin/nologin\n' "$uid" "$uid" > "$work/bundle/rootfs/etc/passwd"
  umoci repack --image "$work/layout:$tag" "$work/bundle" >/dev/null
  local cfg=(--config.user "$uid:$uid" --config.entrypoint "$path")
  local a; for a in "$@"; do cfg+=(--config.cmd "$a"); done
  umoci config --image "$work/layout:$tag" --config.label "org.opencontainers.image.title=$name" "${cfg[@]}"
  umoci gc --layout "$work/layout"
  tar -C "$work/layout" -cf "$out.tmp" .
  mv "$out.tmp" "$out"; rm -rf "$work"
  prune_others "$name" "$out"
  echo "$out"
}

pause_binary() {  # the sandbox's pause, compiled from the Kubernetes module's own source
  local out="$cache/pause-$KUBE_VERSION"
  if [ ! -x "$out" ]; then
    local src; src="$(go env GOMODCACHE)/k8s.io/kubernetes@$KUBE_VERSION/build/pause/linux/pause.c"
    [ -f "$src" ] || (cd "$(mktemp -d)" && go mod download "k8s.io/kubernetes@$KUBE_VERSION" >/dev/null 2>&1) || true
    [ -f "$src" ] || die "pause.c not found in the Go module cache ($src)"
    gcc -Os -static -DVERSION="\"$KUBE_VERSION\"" -o "$out.tmp" "$src" && strip "$out.tmp" && mv "$out.tmp" "$out"
  fi
  echo "$out"
}

# Imports an OCI tar into the node's containerd under <reference>, unless that exact tar already is.
import() {  # import <socket> <reference> <tar>
  local sock=$1 reference=$2 tar=$3
  local ctr_bin; ctr_bin="$(tool_dir containerd "$CONTAINERD_VERSION")/ctr"
  # containerd warns on every call that cgroup v1 is deprecated (this machine has v1): known, said once in
  # the README, not repeated here.
  ctr() { "$ctr_bin" --address "$sock" -n k8s.io "$@" 2> >(grep -v 'DEPRECATION: The support for cgroup v1' >&2); }
  local stamp_dir; stamp_dir="$(dirname "$sock")/imported"; mkdir -p "$stamp_dir"
  local stamp; stamp="$stamp_dir/$(echo "$reference" | tr '/:' '__')"
  # The list is read whole before grep looks at it: `ctr ... | grep -q` under pipefail fails whenever grep
  # stops reading early (ctr then dies of SIGPIPE), which re-imported images on warm starts.
  local have
  if [ "$(cat "$stamp" 2>/dev/null)" = "$(basename "$tar")" ] \
     && have=$(ctr images ls -q) && grep -qxF "$reference" <<<"$have"; then
    return
  fi
  # Name the image by its own reference: the tar's index carries the tag, the base name the repository.
  ctr images import --base-name "${reference%:*}" "$tar" >/dev/null
  basename "$tar" > "$stamp"
  log "imported $reference"
}

cmd_node_base() {
  local sock=$1 tar
  tar=$(static_image pause 3.10.1 "$(pause_binary)" /pause 65535); import "$sock" "$PAUSE_IMAGE" "$tar"
  tar=$(static_image coredns local "$(tool_dir "$COREDNS_TOOL" "$COREDNS_VERSION")/coredns" /coredns 65532); import "$sock" "$(ref coredns)" "$tar"
  tar=$(static_image metrics-server local "$(tool_dir metrics-server "$METRICS_SERVER_VERSION")/metrics-server" /metrics-server 65532)
  import "$sock" "$(ref metrics-server)" "$tar"
}

cmd_stack() {
  local sock=$1 name tar
  # Debian's Prometheus is built without Kubernetes service discovery, which the operator's scrape config
  # uses: the server is the one hack/tools.sh builds from its Go module, alone in its image.
  tar=$(static_image prometheus "${TAGS[prometheus]}" "$(tool_dir "$PROMETHEUS_TOOL" "$PROMETHEUS_VERSION")/prometheus" /bin/prometheus 65534)
  import "$sock" "$(ref prometheus)" "$tar"
  for name in postgres redis nginx postgres-exporter redis-exporter nginx-exporter alertmanager platform-api platform-operator; do
    tar=$(debian_image "$name"); import "$sock" "$(ref "$name")" "$tar"
  done
  # PO_IMAGES_FRONTEND=0 skips the frontend (its Next.js build is the slow part) for Platforms without one.
  if [ -f "$top/frontend/package.json" ] && [ "${PO_IMAGES_FRONTEND:-1}" != 0 ]; then
    bash "$here/frontend.sh" build >&2
    tar=$(debian_image platform-frontend); import "$sock" "$(ref platform-frontend)" "$tar"
  fi
}

cmd_sizes() {  # compressed = the blobs in the OCI tar; unpacked = the layers' uncompressed size
  local t
  printf '%-20s %12s %12s\n' image compressed unpacked
  for t in "$cache"/*.tar; do
    [ -f "$t" ] || continue
    local name; name=$(basename "$t" .tar); name=${name%-*}
    local dir; dir=$(mktemp -d); tar -C "$dir" -xf "$t"
    local comp unpacked=0 blob
    comp=$(du -sb "$dir/blobs" | cut -f1)
    for blob in "$dir"/blobs/sha256/*; do
      if gzip -t "$blob" 2>/dev/null; then unpacked=$((unpacked + $(gzip -dc "$blob" | wc -c))); fi
    done
    rm -rf "$dir"
    awk -v n="$name" -v c="$comp" -v u="$unpacked" 'BEGIN {printf "%-20s %9.1f MB %9.1f MB\n", n, c/1e6, u/1e6}'
  done
}

case "${1:-}" in
  node-base) cmd_node_base "${2:?containerd socket}" ;;
  stack) cmd_stack "${2:?containerd socket}" ;;
  list) for n in "${!TAGS[@]}"; do echo "$n $(ref "$n")"; done | sort; echo "pause $PAUSE_IMAGE" ;;
  sizes) cmd_sizes ;;
  oci-tar) debian_image "${2:?image name}" ;;
  one) t=$(debian_image "${3:?image name}"); import "${2:?containerd socket}" "$(ref "$3")" "$t" ;;
  prebuild) for n in postgres redis nginx postgres-exporter redis-exporter nginx-exporter alertmanager; do t=$(debian_image "$n"); : "$t"; done ;;
  *) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
