#!/usr/bin/env bash
# The real node of the local cluster: containerd + runc, the CNI bridge, kubelet and kube-proxy on this
# machine, joined to the control plane that hack/cluster.sh runs, plus CoreDNS and metrics-server as pods.
# Called by hack/cluster.sh; run alone only for debugging:
#
#   hack/node.sh preflight   check that this machine can run containers (exit 0) or say which check fails
#   hack/node.sh up          start the node (idempotent) and wait until it is Ready with DNS and metrics
#   hack/node.sh down        stop the pods, the node's processes, mounts, links and iptables rules
#
# Only one real node runs on a machine at a time (kube-proxy's iptables rules and the bridge are
# machine-wide): the first cluster to start one holds $NODE_LOCK; another cluster then runs kwok nodes only.
# The node is tainted platform.a11y.dev/real-node=true:NoSchedule and labelled platform.a11y.dev/node=real,
# so only pods that ask for it run real containers; everything else keeps going to the kwok nodes.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/versions.sh"

API_PORT=${PO_API_PORT:-16443}
KUBELET_PORT=${PO_KUBELET_PORT:-$((API_PORT - 193))}          # 16250 / 26250
KUBELET_HEALTHZ_PORT=${PO_KUBELET_HEALTHZ_PORT:-$((API_PORT - 195))}
PROXY_HEALTHZ_PORT=${PO_PROXY_HEALTHZ_PORT:-$((API_PORT - 187))}
PROXY_METRICS_PORT=${PO_PROXY_METRICS_PORT:-$((API_PORT - 186))}
BRIDGE=${PO_NODE_BRIDGE:-po0}
POD_CIDR=${PO_POD_CIDR:-10.88.0.0/16}
NODE_IP=${PO_NODE_IP:-10.88.0.1}           # the bridge's own address: the host end of the pod network
DNS_IP=10.96.0.10
NODE_NAME=${PO_NODE_NAME:-po-node}
NODE_LOCK=${PO_NODE_LOCK:-/run/platform-operator-node.owner}
PAUSE_IMAGE=registry.k8s.io/pause:3.10.1   # the sandbox image containerd $CONTAINERD_VERSION's CRI asks for

pki="$PO_STATE/pki"; logs="$PO_STATE/logs"; run="$PO_STATE/run"
node="$PO_STATE/node"
sock="$node/containerd/containerd.sock"
kubeconfig="$PO_STATE/admin.kubeconfig"
kube_bin="$(tool_dir kubernetes "$KUBE_VERSION")"
ctr_bin="$(tool_dir containerd "$CONTAINERD_VERSION")"
cni_bin="$(tool_dir cni-plugins "$CNI_PLUGINS_VERSION")"
kubectl() { "$kube_bin/kubectl" --kubeconfig "$kubeconfig" "$@"; }
ctr() { "$ctr_bin/ctr" --address "$sock" --namespace k8s.io "$@"; }

log() { printf '[node %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
die() { log "error: $*" >&2; exit 1; }

running() { local f="$run/$1.pid"; [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null; }
start() {
  local name=$1; shift
  if running "$name"; then return; fi
  setsid "$@" >>"$logs/$name.log" 2>&1 < /dev/null &
  echo $! > "$run/$name.pid"
}
stop() {  # stop <name>: TERM the process group, then KILL after 10 s
  local name=$1 pid
  [ -f "$run/$name.pid" ] || return 0
  pid=$(cat "$run/$name.pid")
  if kill -0 "$pid" 2>/dev/null; then
    log "stopping $name ($pid)"
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$run/$name.pid"
}
wait_for() {
  local what=$1 secs=$2; shift 2
  local deadline=$((SECONDS + secs)) next_note=$((SECONDS + 10))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || die "$what not ready after ${secs}s (logs in $logs)"
    if [ $SECONDS -ge $next_note ]; then log "waiting for $what..."; next_note=$((SECONDS + 10)); fi
    sleep 0.5
  done
}

# ---- preflight: each check names what failed, so a machine that cannot run containers says why.
preflight() {
  local f
  for f in "$kube_bin/kubelet" "$kube_bin/kube-proxy" "$ctr_bin/containerd" "$ctr_bin/containerd-shim-runc-v2" "$cni_bin/bridge"; do
    [ -x "$f" ] || { echo "tools: $f is not built (hack/tools.sh kube node)"; return 1; }
  done
  [ "$(id -u)" -eq 0 ] || { echo "root: the kubelet, containerd and the pod network need root"; return 1; }
  command -v runc >/dev/null && runc --version >/dev/null 2>&1 || { echo "runc: not installed or does not run (apt-get install runc)"; return 1; }
  command -v socat >/dev/null || { echo "socat: not installed (apt-get install socat)"; return 1; }
  for f in cpu memory pids; do
    [ -d "/sys/fs/cgroup/$f" ] || grep -qw "$f" /sys/fs/cgroup/cgroup.controllers 2>/dev/null \
      || { echo "cgroups: the $f controller is not mounted (neither cgroup v1 /sys/fs/cgroup/$f nor v2)"; return 1; }
  done
  command -v iptables >/dev/null && iptables -t nat -S >/dev/null 2>&1 \
    || { echo "netfilter: iptables cannot read the nat table (kube-proxy needs it)"; return 1; }
  [ -e /proc/sys/net/bridge/bridge-nf-call-iptables ] \
    || { echo "netfilter: br_netfilter is not loaded (/proc/sys/net/bridge is missing)"; return 1; }
  ip link add po-preflight0 type bridge 2>/dev/null && ip link del po-preflight0 \
    || { echo "network: cannot create a bridge link (ip link add ... type bridge)"; return 1; }
  if [ -f "$NODE_LOCK" ]; then
    local owner; owner=$(cat "$NODE_LOCK")
    if [ "$owner" != "$PO_STATE" ] && [ -f "$owner/run/kubelet.pid" ] && kill -0 "$(cat "$owner/run/kubelet.pid")" 2>/dev/null; then
      echo "busy: the cluster in $owner already runs this machine's real node (one at a time)"; return 1
    fi
  fi
  return 0
}

node_pki() {
  local ext="$pki/kubelet-serving.ext"
  cat > "$ext" <<EXT
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:$NODE_IP,IP:127.0.0.1,DNS:$NODE_NAME
EXT
  cert_signed kubelet-serving "/CN=$NODE_NAME" "$ext"
  cert_signed kubelet-client "/O=system:nodes/CN=system:node:$NODE_NAME" "$pki/client.ext"
  cert_signed kube-proxy "/CN=system:kube-proxy" "$pki/client.ext"
}
cert_signed() {
  local name=$1 subj=$2 ext=$3
  [ -f "$pki/$name.crt" ] && return
  openssl genrsa -out "$pki/$name.key" 2048 2>/dev/null
  openssl req -new -key "$pki/$name.key" -subj "$subj" -out "$pki/$name.csr" 2>/dev/null
  openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -days 3650 -extfile "$ext" -out "$pki/$name.crt" 2>/dev/null
  rm -f "$pki/$name.csr"
}
node_kubeconfig() {  # node_kubeconfig <file> <cert-name>
  cat > "$1" <<KC
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster: {server: "https://127.0.0.1:$API_PORT", certificate-authority: "$pki/ca.crt"}
users:
- name: $2
  user: {client-certificate: "$pki/$2.crt", client-key: "$pki/$2.key"}
contexts:
- name: local
  context: {cluster: local, user: $2}
current-context: local
KC
  chmod 600 "$1"
}

write_containerd_config() {
  mkdir -p "$node/containerd/root" "$node/containerd/state" "$node/cni/net.d"
  cat > "$node/containerd/config.toml" <<TOML
version = 3
root = "$node/containerd/root"
state = "$node/containerd/state"

[grpc]
  address = "$sock"
[ttrpc]
  address = "$sock.ttrpc"
[metrics]
  address = ""
[debug]
  level = "warn"

[plugins."io.containerd.cri.v1.images"]
  snapshotter = "overlayfs"
  [plugins."io.containerd.cri.v1.images".pinned_images]
    sandbox = "$PAUSE_IMAGE"

[plugins."io.containerd.cri.v1.runtime"]
  # Root here lacks CAP_SYS_RESOURCE: nothing may lower oom_score_adj below the runtime's own.
  restrict_oom_score_adj = true
  # Pod network namespaces under the node's own state, so taking the node down finds them all.
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.cri.v1.runtime".cni]
    bin_dirs = ["$cni_bin"]
    conf_dir = "$node/cni/net.d"
  [plugins."io.containerd.cri.v1.runtime".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
        BinaryName = "$(command -v runc)"
        SystemdCgroup = false

[plugins."io.containerd.grpc.v1.cri"]
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
TOML
  # The pod network: one bridge whose own address is the node's; no masquerade, so pods reach this
  # machine and each other and nothing beyond.
  cat > "$node/cni/net.d/10-po-bridge.conflist" <<CNI
{
  "cniVersion": "1.0.0",
  "name": "po-pods",
  "plugins": [
    {"type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "ipMasq": false, "hairpinMode": true,
     "ipam": {"type": "host-local", "ranges": [[{"subnet": "$POD_CIDR", "gateway": "$NODE_IP"}]],
              "dataDir": "$node/cni/ipam", "routes": [{"dst": "0.0.0.0/0"}]}},
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
CNI
}

write_kubelet_config() {
  mkdir -p "$node/kubelet" "$node/pod-logs"
  : > "$node/resolv.conf"   # pods get cluster DNS only; nothing is forwarded off the machine
  cat > "$node/kubelet-config.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# The machine has cgroup v1 hierarchies (plus a v2 mount): v1 must be allowed explicitly.
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupsPerQOS: false
enforceNodeAllocatable: []
failSwapOn: false
localStorageCapacityIsolation: false
containerRuntimeEndpoint: unix://$sock
address: $NODE_IP
port: $KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $KUBELET_HEALTHZ_PORT
tlsCertFile: $pki/kubelet-serving.crt
tlsPrivateKeyFile: $pki/kubelet-serving.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $pki/ca.crt}
authorization: {mode: Webhook}
clusterDNS: [$DNS_IP]
clusterDomain: cluster.local
resolvConf: $node/resolv.conf
podLogsDir: $node/pod-logs
registerNode: true
registerWithTaints:
- {key: platform.a11y.dev/real-node, value: "true", effect: NoSchedule}
serializeImagePulls: false
maxPods: 110
evictionHard: {memory.available: 200Mi, nodefs.available: 2%, imagefs.available: 2%}
imageGCHighThresholdPercent: 99
imageGCLowThresholdPercent: 98
nodeStatusReportFrequency: 10s
YAML
}

# The apiserver listens on 127.0.0.1 only; pods reach it as the `kubernetes` Service through a relay on
# the node address, which the Service's Endpoints name.
api_relay_endpoints() {
  kubectl apply -f - >/dev/null <<EP
apiVersion: v1
kind: Endpoints
metadata:
  name: kubernetes
  namespace: default
subsets:
- addresses: [{ip: $NODE_IP}]
  ports: [{name: https, port: 443, protocol: TCP}]
EP
}

node_ready() {
  [ "$(kubectl get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
}
addons_ready() {
  local ready
  ready=$(kubectl -n kube-system get deploy coredns metrics-server -o jsonpath='{range .items[*]}{.status.availableReplicas}{" "}{end}' 2>/dev/null)
  [ "$ready" = "1 1 " ] && kubectl get --raw /apis/metrics.k8s.io/v1beta1/nodes >/dev/null 2>&1
}

cmd_up() {
  local why
  if ! why=$(preflight); then
    echo "$why" > "$PO_STATE/node.unavailable"
    log "no real node: $why"
    log "the cluster runs kwok nodes only; the 'node' test tier will be skipped with this reason"
    return 0
  fi
  rm -f "$PO_STATE/node.unavailable"
  mkdir -p "$logs" "$run" "$node"
  echo "$PO_STATE" > "$NODE_LOCK"
  local t0=$SECONDS
  sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1
  node_pki
  node_kubeconfig "$node/kubelet.kubeconfig" kubelet-client
  node_kubeconfig "$node/kube-proxy.kubeconfig" kube-proxy
  # The bridge exists before the kubelet starts, so the node address is there to bind to.
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge
    ip addr add "$NODE_IP/${POD_CIDR#*/}" dev "$BRIDGE"
    ip link set "$BRIDGE" up
  fi

  write_containerd_config
  running containerd || log "starting containerd $CONTAINERD_VERSION (runc $(runc --version | sed -n 's/^runc version //p'))"
  start containerd env PATH="$ctr_bin:/usr/sbin:/usr/bin:/sbin:/bin" "$ctr_bin/containerd" --config "$node/containerd/config.toml"
  wait_for "containerd" 60 ctr version
  bash "$here/images.sh" node-base "$sock"

  write_kubelet_config
  running kubelet || log "starting kubelet $KUBE_VERSION as node $NODE_NAME ($NODE_IP)"
  start kubelet "$kube_bin/kubelet" --config "$node/kubelet-config.yaml" --kubeconfig "$node/kubelet.kubeconfig" \
    --root-dir "$node/kubelet" --cert-dir "$node/kubelet/pki" --node-ip "$NODE_IP" --hostname-override "$NODE_NAME" \
    --node-labels "platform.a11y.dev/node=real" --v 1
  running kube-proxy || log "starting kube-proxy (iptables)"
  start kube-proxy "$kube_bin/kube-proxy" --kubeconfig "$node/kube-proxy.kubeconfig" --hostname-override "$NODE_NAME" \
    --proxy-mode iptables --cluster-cidr "$POD_CIDR" --bind-address "$NODE_IP" \
    --healthz-bind-address "127.0.0.1:$PROXY_HEALTHZ_PORT" --metrics-bind-address "127.0.0.1:$PROXY_METRICS_PORT" \
    --nodeport-addresses "$NODE_IP/32" --conntrack-max-per-core 0 --v 1
  running api-relay || start api-relay socat "TCP-LISTEN:443,bind=$NODE_IP,fork,reuseaddr" "TCP:127.0.0.1:$API_PORT"
  api_relay_endpoints
  wait_for "node $NODE_NAME Ready" 120 node_ready

  kubectl apply -f "$here/node/addons.yaml" >/dev/null
  wait_for "CoreDNS and metrics-server" 180 addons_ready
  log "real node $NODE_NAME up in $((SECONDS - t0)) s"
}

cmd_down() {
  [ -d "$node" ] || return 0
  # Pods first, while containerd still answers: every task and sandbox of the k8s.io namespace.
  stop kubelet
  if running containerd; then
    local id
    for id in $(ctr tasks ls -q 2>/dev/null); do ctr tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true; done
    sleep 1
    for id in $(ctr tasks ls -q 2>/dev/null); do ctr tasks delete -f "$id" >/dev/null 2>&1 || true; done
    for id in $(ctr containers ls -q 2>/dev/null); do ctr containers delete "$id" >/dev/null 2>&1 || true; done
  fi
  stop kube-proxy
  stop api-relay
  stop containerd
  # Shims outlive containerd by design; these are ours (their -address names our socket).
  pkill -KILL -f "containerd-shim-runc-v2 .*$sock" 2>/dev/null || true
  # Mounts under the node's state (overlay rootfs, kubelet volumes, netns bind mounts), deepest first.
  local m
  for m in $(awk -v p="$node" 'index($2, p) == 1 {print $2}' /proc/mounts | sort -r); do umount -l "$m" 2>/dev/null || true; done
  for m in $(awk '$2 ~ /^\/run\/netns\/cni-/ {print $2}' /proc/mounts); do umount -l "$m" 2>/dev/null || true; rm -f "$m"; done
  ip link del "$BRIDGE" 2>/dev/null || true
  "$kube_bin/kube-proxy" --cleanup >/dev/null 2>&1 || true
  # What kube-proxy's clean-up leaves: kubelet's own chains (KUBE-FIREWALL, KUBE-KUBELET-CANARY,
  # KUBE-IPTABLES-HINT) and the CNI plugins' (CNI-*). Jumps into them first, then the chains.
  local table chain
  for table in nat filter mangle; do
    iptables -t "$table" -S 2>/dev/null | awk '/^-A .* -j (KUBE-|CNI-)/' | sed 's/^-A /-D /' | while read -r rule; do
      eval "iptables -t $table $rule" 2>/dev/null || true; done
    for chain in $(iptables -t "$table" -S 2>/dev/null | awk '/^-N (KUBE-|CNI-)/ {print $2}'); do
      iptables -t "$table" -F "$chain" 2>/dev/null || true
    done
    for chain in $(iptables -t "$table" -S 2>/dev/null | awk '/^-N (KUBE-|CNI-)/ {print $2}'); do
      iptables -t "$table" -X "$chain" 2>/dev/null || true
    done
  done
  [ "$(cat "$NODE_LOCK" 2>/dev/null)" = "$PO_STATE" ] && rm -f "$NODE_LOCK"
  return 0
}

case "${1:-}" in
  preflight) preflight ;;
  up) cmd_up ;;
  down) cmd_down ;;
  *) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
