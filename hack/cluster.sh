#!/usr/bin/env bash
# A local Kubernetes cluster on 127.0.0.1: real etcd, kube-apiserver, kube-controller-manager and
# kube-scheduler (built by hack/tools.sh), kwok simulating 3 nodes (pods scheduled there are marked
# Running/Ready; no container runs), and one real node (hack/node.sh: containerd, runc, kubelet,
# kube-proxy, CoreDNS, metrics-server) that runs the containers of pods that tolerate its taint.
# PO_REAL_NODE=0 leaves the real node out; a machine that cannot run containers falls back to kwok only.
#
#   hack/cluster.sh up          start (idempotent); waits until the API is healthy and nodes are Ready
#   hack/cluster.sh down        stop the processes this script started (pid files); keeps state on disk
#   hack/cluster.sh status      exit 0 when the cluster is up, 1 otherwise
#   hack/cluster.sh kubeconfig  print the admin kubeconfig path
#   hack/cluster.sh reset       down, then remove all state (etcd data, PKI, logs)
#
# State and logs: ${XDG_CACHE_HOME:-$HOME/.cache}/platform-operator/cluster (override with PO_STATE).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/versions.sh"

API_PORT=${PO_API_PORT:-16443}
ETCD_CLIENT_PORT=${PO_ETCD_CLIENT_PORT:-23790}
ETCD_PEER_PORT=${PO_ETCD_PEER_PORT:-23800}
KCM_PORT=${PO_KCM_PORT:-16257}
SCHED_PORT=${PO_SCHED_PORT:-16259}
KWOK_PORT=${PO_KWOK_PORT:-16080}
NODES=${PO_NODES:-3}
NODE_PODS=${PO_NODE_PODS:-110}   # pods each fake node accepts
PV_POOL=${PO_PV_POOL:-12}   # Available PersistentVolumes kept ready for claims

pki="$PO_STATE/pki"; logs="$PO_STATE/logs"; run="$PO_STATE/run"
kubeconfig="$PO_STATE/admin.kubeconfig"
kube_bin="$(tool_dir kubernetes "$KUBE_VERSION")"
etcd_bin="$(tool_dir etcd "$ETCD_VERSION")/etcd"
kwok_bin="$(tool_dir kwok "$KWOK_VERSION")/kwok"
kubectl() { "$kube_bin/kubectl" --kubeconfig "$kubeconfig" "$@"; }

log() { printf '[cluster %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
die() { log "error: $*" >&2; exit 1; }

. "$here/lib/proc.sh"


make_pki() {
  mkdir -p "$pki"; chmod 700 "$pki"
  if [ ! -f "$pki/ca.crt" ]; then
    log "creating PKI in $pki"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$pki/ca.key" -out "$pki/ca.crt" -days 3650 \
      -subj "/CN=platform-operator-local-ca" 2>/dev/null
  fi
  cat > "$pki/serving.ext" <<EXT
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
EXT
  cat > "$pki/client.ext" <<EXT
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth
EXT
  cert apiserver "/CN=kube-apiserver" "$pki/serving.ext"
  cert admin "/O=system:masters/CN=local-admin" "$pki/client.ext"
  cert controller-manager "/CN=system:kube-controller-manager" "$pki/client.ext"
  cert scheduler "/CN=system:kube-scheduler" "$pki/client.ext"
  cert kwok "/O=system:masters/CN=kwok-controller" "$pki/client.ext"
  cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "$pki/client.ext"
  cert front-proxy-client "/CN=front-proxy-client" "$pki/client.ext"
  if [ ! -f "$pki/sa.key" ]; then
    openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
    openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
  fi
}

write_kubeconfig() {  # write_kubeconfig <file> <cert-name>
  cat > "$1" <<KC
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority: $pki/ca.crt
users:
- name: $2
  user:
    client-certificate: $pki/$2.crt
    client-key: $pki/$2.key
contexts:
- name: local
  context: {cluster: local, user: $2, namespace: default}
current-context: local
KC
  chmod 600 "$1"
}

api_healthy() { kubectl get --raw /readyz >/dev/null 2>&1; }

nodes_ready() {
  local ready
  ready=$(kubectl get nodes -l type=kwok -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' 2>/dev/null | grep -c True || true)
  [ "$ready" -ge "$NODES" ]
}

create_nodes() {
  local i
  for i in $(seq 0 $((NODES - 1))); do
    kubectl apply -f - >/dev/null <<NODE
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-$i
  annotations:
    node.alpha.kubernetes.io/ttl: "0"
    kwok.x-k8s.io/node: fake
  labels:
    type: kwok
    kubernetes.io/arch: amd64
    kubernetes.io/os: linux
    kubernetes.io/hostname: kwok-node-$i
    topology.kubernetes.io/zone: zone-$((i % 3))
spec: {}
status:
  allocatable: {cpu: "8", memory: 32Gi, pods: "$NODE_PODS", ephemeral-storage: 100Gi}
  capacity: {cpu: "8", memory: 32Gi, pods: "$NODE_PODS", ephemeral-storage: 100Gi}
  nodeInfo: {architecture: amd64, operatingSystem: linux, kubeletVersion: fake, kubeProxyVersion: fake}
NODE
  done
}

create_storage() {
  kubectl apply -f - >/dev/null <<SC
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: Immediate
reclaimPolicy: Retain
allowVolumeExpansion: true
SC
}

# A minimal local provisioner: keeps PV_POOL Available hostPath PersistentVolumes of the default class,
# each with a directory of its own under $PO_STATE/volumes (world-writable, as local-path provisioners
# make them, since pods run as non-root users with their own uids), and removes Released ones with
# their data. On the real node the data is real; on kwok nodes nothing is written.
pv_pool_loop() {
  local n=0
  while true; do
    local out available
    out=$(kubectl get pv -o jsonpath='{range .items[*]}{.metadata.name} {.status.phase}{"\n"}{end}' 2>/dev/null) || { sleep 2; continue; }
    available=$(grep -c ' Available$' <<<"$out" || true)
    local released
    for released in $(grep ' Released$' <<<"$out" | awk '{print $1}'); do
      "$kube_bin/kubectl" --kubeconfig "$kubeconfig" delete pv "$released" --wait=false >/dev/null 2>&1 && rm -rf "${volumes:?}/$released"
    done
    while [ "$available" -lt "$PV_POOL" ]; do
      n=$((n + 1))
      local name; name="pool-pv-$(date +%s)-$n"
      mkdir -p "$volumes/$name"; chmod 0777 "$volumes/$name"
      kubectl create -f - >/dev/null 2>&1 <<PV || true
apiVersion: v1
kind: PersistentVolume
metadata:
  name: $name
  labels: {platform-operator.dev/pool: "true"}
spec:
  capacity: {storage: 1Ti}
  accessModes: [ReadWriteOnce, ReadOnlyMany, ReadWriteMany]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: standard
  hostPath: {path: "$volumes/$name", type: Directory}
PV
      available=$((available + 1))
    done
    sleep 2
  done
}

cmd_up() {
  [ -x "$kube_bin/kube-apiserver" ] && [ -x "$etcd_bin" ] && [ -x "$kwok_bin" ] \
    || die "tools are missing; run 'make tools' (hack/tools.sh) first"
  mkdir -p "$logs" "$run" "$PO_STATE/etcd"
  local t0=$SECONDS
  make_pki
  write_kubeconfig "$kubeconfig" admin
  write_kubeconfig "$PO_STATE/controller-manager.kubeconfig" controller-manager
  write_kubeconfig "$PO_STATE/scheduler.kubeconfig" scheduler
  write_kubeconfig "$PO_STATE/kwok.kubeconfig" kwok

  # The real node's containerd, bridge and base images need no apiserver: prepared while the control
  # plane starts. Its kubelet then starts as soon as the apiserver answers, alongside the kwok nodes.
  local node_job=""
  if [ "${PO_REAL_NODE:-1}" != 0 ]; then
    bash "$here/node.sh" prepare & node_job=$!
  else
    echo "PO_REAL_NODE=0: no real node was asked for" > "$PO_STATE/node.unavailable"
  fi

  running etcd || log "starting etcd $ETCD_VERSION on 127.0.0.1:$ETCD_CLIENT_PORT"
  start etcd "$etcd_bin" --name local --data-dir "$PO_STATE/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "local=http://127.0.0.1:$ETCD_PEER_PORT" --listen-metrics-urls "" \
    --quota-backend-bytes 4294967296 --auto-compaction-retention 10m --log-level warn
  wait_for "etcd" 60 curl -fsS "http://127.0.0.1:$ETCD_CLIENT_PORT/health"

  running kube-apiserver || log "starting kube-apiserver $KUBE_VERSION on https://127.0.0.1:$API_PORT"
  start kube-apiserver "$kube_bin/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$ETCD_CLIENT_PORT" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$API_PORT" \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
    --client-ca-file "$pki/ca.crt" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --service-cluster-ip-range 10.96.0.0/16 --authorization-mode Node,RBAC \
    --endpoint-reconciler-type none --allow-privileged=true \
    --kubelet-client-certificate "$pki/apiserver-kubelet-client.crt" --kubelet-client-key "$pki/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority "$pki/ca.crt" --kubelet-preferred-address-types InternalIP \
    --requestheader-client-ca-file "$pki/ca.crt" --requestheader-allowed-names front-proxy-client \
    --requestheader-username-headers X-Remote-User --requestheader-group-headers X-Remote-Group \
    --requestheader-extra-headers-prefix X-Remote-Extra- \
    --proxy-client-cert-file "$pki/front-proxy-client.crt" --proxy-client-key-file "$pki/front-proxy-client.key" \
    --enable-aggregator-routing=true --v 1
  wait_for "kube-apiserver" 120 api_healthy

  running kube-controller-manager || log "starting kube-controller-manager"
  start kube-controller-manager "$kube_bin/kube-controller-manager" \
    --kubeconfig "$PO_STATE/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$PO_STATE/controller-manager.kubeconfig" \
    --authorization-kubeconfig "$PO_STATE/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$KCM_PORT" --leader-elect=false \
    --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
    --cluster-signing-cert-file "$pki/ca.crt" --cluster-signing-key-file "$pki/ca.key" \
    --use-service-account-credentials=true --controllers '*,-nodeipam,-cloud-node-lifecycle,-service-lb-controller,-node-route-controller' \
    --horizontal-pod-autoscaler-sync-period 5s --v 1

  running kube-scheduler || log "starting kube-scheduler"
  start kube-scheduler "$kube_bin/kube-scheduler" \
    --kubeconfig "$PO_STATE/scheduler.kubeconfig" \
    --authentication-kubeconfig "$PO_STATE/scheduler.kubeconfig" \
    --authorization-kubeconfig "$PO_STATE/scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$SCHED_PORT" --leader-elect=false --v 1

  running kwok || log "starting kwok $KWOK_VERSION managing $NODES fake nodes"
  start kwok "$kwok_bin" --kubeconfig "$PO_STATE/kwok.kubeconfig" \
    --manage-all-nodes=false --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --manage-nodes-with-label-selector= --manage-single-node= \
    --cidr=10.244.0.0/16 --node-ip=10.0.0.1 --node-lease-duration-seconds=40 \
    --server-address "127.0.0.1:$KWOK_PORT" --config "${PO_KWOK_CONFIG:-$here/kwok/stages.yaml}"

  if [ -n "$node_job" ]; then
    wait "$node_job" || die "hack/node.sh prepare failed (logs in $logs)"
    bash "$here/node.sh" up & node_job=$!
  fi

  create_storage
  create_nodes
  mkdir -p "$PO_STATE/volumes"
  running pv-pool || start pv-pool bash -c "$(declare -f kubectl pv_pool_loop); kube_bin='$kube_bin' kubeconfig='$kubeconfig' volumes='$PO_STATE/volumes' PV_POOL=$PV_POOL; pv_pool_loop"
  wait_for "$NODES Ready kwok nodes" 120 nodes_ready
  wait_for "the default ServiceAccount" 60 kubectl get serviceaccount default -n default
  if [ -n "$node_job" ]; then
    wait "$node_job" || die "hack/node.sh up failed (logs in $logs)"
  fi
  log "cluster up in $((SECONDS - t0)) s; export KUBECONFIG=$kubeconfig"
}

cmd_down() {
  local name
  bash "$here/node.sh" down
  for name in pv-pool kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do stop "$name"; done
}

cmd_status() {
  local ok=0 name
  for name in etcd kube-apiserver kube-controller-manager kube-scheduler kwok pv-pool; do
    if running "$name"; then echo "$name: running (pid $(cat "$run/$name.pid"))"; else echo "$name: stopped"; ok=1; fi
  done
  if [ $ok -eq 0 ] && api_healthy; then echo "api: healthy at https://127.0.0.1:$API_PORT"; else echo "api: not healthy"; ok=1; fi
  if [ -f "$PO_STATE/node.unavailable" ]; then echo "real node: none ($(cat "$PO_STATE/node.unavailable"))"
  else
    for name in containerd kubelet kube-proxy api-relay; do
      # Reported, not counted: the control plane is up without the node, and the node tier says why.
      if running "$name"; then echo "$name: running (pid $(cat "$run/$name.pid"))"; else echo "$name: stopped"; fi
    done
  fi
  return $ok
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  kubeconfig) echo "$kubeconfig" ;;
  reset) cmd_down; rm -rf "$PO_STATE"; log "removed $PO_STATE" ;;
  *) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
