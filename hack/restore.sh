#!/usr/bin/env bash
# Restores a backup dump of a Platform's PostgreSQL (written by its backup CronJob) into a Platform: the
# same one (a point-in-time rollback) or a fresh one, in any namespace.
#   hack/restore.sh list  NS/NAME                       the dumps on NAME's backup volume, newest first
#   hack/restore.sh fetch NS/NAME DUMP|latest FILE      copy one off the cluster (keep copies elsewhere)
#   hack/restore.sh restore --into NS/NAME (--from NS/NAME [--dump DUMP|latest] | --file FILE)
# `restore` streams the dump through this machine into `pg_restore --clean --if-exists --no-owner
# --single-transaction` inside the target's PostgreSQL container: all of it or, on any error, nothing.
# Tables the dump holds are replaced; the api's later migrations (if the target is newer) run on its
# next start. Redis holds copies of audits by id: after restoring over a database that had other data,
# delete the api's cache (`kubectl -n NS delete pod NAME-redis-0` with Redis persistence off, or FLUSHDB).
#
# Why a script and not a `restore` field in the Platform: a restore is a one-off, destructive act that a
# person starts and watches. As desired state in the spec it would need one-shot semantics (an id, a
# status, never again on re-apply or on a restored etcd), and the operator would have to read a backup
# volume in another namespace. The script needs only kubectl rights a platform engineer has, works the
# same with a dump copied off the cluster (--file), and prints what it did.
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$top/hack/versions.sh"
PATH="$(tool_dir kubernetes "$KUBE_VERSION"):$PATH"; export PATH
export KUBECONFIG="${KUBECONFIG:-$PO_STATE/admin.kubeconfig}"
die() { echo "restore: $*" >&2; exit 1; }
say() { echo "restore: $*" >&2; }
reader_ns=""; reader=""
cleanup() { [ -z "$reader" ] || kubectl -n "$reader_ns" delete pod "$reader" --wait=false >/dev/null 2>&1 || true; }
trap cleanup EXIT

split() {  # split NS/NAME -> sets ns and name
  [[ "$1" == */* ]] || die "'$1' is not NAMESPACE/NAME"
  ns=${1%%/*}; name=${1#*/}
}

# start_reader NS NAME: a pod that mounts NAME's backup volume read-only (same image and user as the
# backup Job, no network), so that its files can be read with kubectl exec.
start_reader() {
  local ns=$1 name=$2 image
  image=$(kubectl -n "$ns" get cronjob "$name-postgres-backup" -o jsonpath='{.spec.jobTemplate.spec.template.spec.containers[0].image}') \
    || die "Platform $ns/$name has no backup CronJob (spec.database.managed.backup.enabled)"
  local pod_spec; pod_spec=$(kubectl -n "$ns" get cronjob "$name-postgres-backup" -o json | jq '.spec.jobTemplate.spec.template.spec')
  reader_ns=$ns; reader="$name-restore-reader-$(date +%s)"
  jq -n --arg name "$reader" --arg image "$image" --argjson spec "$pod_spec" '{
    apiVersion: "v1", kind: "Pod",
    metadata: {name: $name, labels: {"app.kubernetes.io/name": "postgresql-restore-reader"}},
    spec: ($spec | del(.containers) | .restartPolicy = "Never" | .containers = [{
      name: "reader", image: $image, imagePullPolicy: "IfNotPresent", command: ["sleep", "900"],
      securityContext: $spec.containers[0].securityContext, resources: $spec.containers[0].resources,
      volumeMounts: [{name: "backup", mountPath: "/backup", readOnly: true}]}])
  }' | kubectl -n "$ns" apply -f - >/dev/null
  kubectl -n "$ns" wait --for=condition=Ready "pod/$reader" --timeout=120s >/dev/null || die "the reader pod did not start"
}

list_dumps() { kubectl -n "$reader_ns" exec "$reader" -- sh -c 'ls -1 /backup/platform-*.dump 2>/dev/null | sort -r | xargs -r -n1 basename'; }

pick_dump() {  # pick_dump DUMP|latest: prints the file name
  local want=$1 all; all=$(list_dumps)
  [ -n "$all" ] || die "no dump on the backup volume of $reader_ns (run the backup Job first)"
  if [ "$want" = latest ]; then head -n1 <<<"$all"; return; fi
  grep -qx -- "$want" <<<"$all" || die "no dump $want; there are: $(tr '\n' ' ' <<<"$all")"
  echo "$want"
}

restore_stream() {  # restore_stream NS NAME: pg_restore of stdin in NAME's PostgreSQL container
  local ns=$1 name=$2
  kubectl -n "$ns" wait --for=condition=Ready "pod/$name-postgres-0" --timeout=300s >/dev/null \
    || die "PostgreSQL of $ns/$name is not Ready"
  kubectl -n "$ns" exec -i "$name-postgres-0" -c postgres -- sh -c \
    'PGPASSWORD="$POSTGRES_PASSWORD" exec pg_restore -h 127.0.0.1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" --clean --if-exists --no-owner --single-transaction --exit-on-error'
}

case "${1:-}" in
  list)
    split "${2:?NAMESPACE/NAME}"; start_reader "$ns" "$name"; list_dumps ;;
  fetch)
    split "${2:?NAMESPACE/NAME}"; start_reader "$ns" "$name"
    dump=$(pick_dump "${3:?DUMP or latest}"); out=${4:?FILE}
    kubectl -n "$ns" exec "$reader" -- cat "/backup/$dump" > "$out"
    say "copied $dump ($(stat -c %s "$out") bytes) to $out" ;;
  restore)
    shift; into="" from="" dump=latest file=""
    while [ $# -gt 0 ]; do
      case "$1" in
        --into) into=$2; shift 2 ;;
        --from) from=$2; shift 2 ;;
        --dump) dump=$2; shift 2 ;;
        --file) file=$2; shift 2 ;;
        *) die "unknown argument $1" ;;
      esac
    done
    [ -n "$into" ] || die "restore needs --into NAMESPACE/NAME"
    if [ -n "$file" ]; then
      [ -z "$from" ] || die "give --from or --file, not both"
      [ -s "$file" ] || die "$file is empty or missing"
      split "$into"; say "restoring $file into $ns/$name"
      restore_stream "$ns" "$name" < "$file"
    else
      [ -n "$from" ] || die "restore needs --from NAMESPACE/NAME or --file FILE"
      split "$from"; start_reader "$ns" "$name"; dump=$(pick_dump "$dump")
      src="$ns/$name"; split "$into"
      say "restoring $dump of $src into $ns/$name"
      kubectl -n "$reader_ns" exec "$reader" -- cat "/backup/$dump" | restore_stream "$ns" "$name"
    fi
    say "done: $(kubectl -n "$ns" exec "$name-postgres-0" -c postgres -- sh -c 'PGPASSWORD="$POSTGRES_PASSWORD" psql -h 127.0.0.1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -tAc "SELECT count(*) FROM audits"' 2>/dev/null | tr -d '[:space:]' || echo '?') audits in $ns/$name" ;;
  *) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
