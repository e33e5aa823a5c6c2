#!/usr/bin/env bash
# The real node of the local cluster: containerd + runc, the CNI bridge, kubelet and kube-proxy on this
# machine, joined to the control plane that hack/cluster.sh runs, plus CoreDNS and metrics-server as pods.
# Called by hack/cluster.sh; run alone only for debugging:
#
#   hack/node.sh preflight     check that this machine can run containers (exit 0) or say which check fails
#   hack/node.sh prepare       what needs no apiserver: preflight, certificates, the bridge, containerd and
#                              its base images (hack/cluster.sh runs it while the control plane starts)
#   hack/node.sh up            prepare, then kubelet and kube-proxy; wait until the node is Ready and
#                              cluster DNS answers through the kube-dns Service (idempotent)
#   hack/node.sh wait-metrics  wait until metrics-server serves node metrics (HPA tests, the demo);
#                              `up` does not wait for it: its first scrape takes a resolution period
#   hack/node.sh down          stop the pods, the node's processes, mounts, links and iptables rules
#   hack/node.sh restart-kubelet [--kill-pods-of NS]   stop and start the kubelet (NS's containers killed
#                              meanwhile, as a power loss would); the node-restart check of the node tier
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
ctr() { "$ctr_bin/ctr" --address "$sock" --namespace k8s.io "$@" 2> >(grep -v 'DEPRECATION: The support for cgroup v1' >&2); }

log() { printf '[node %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
die() { log "error: $*" >&2; exit 1; }

. "$here/lib/proc.sh"

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
  cert kubelet-serving "/CN=$NODE_NAME" "$ext"
  cert kubelet-client "/O=system:nodes/CN=system:node:$NODE_NAME" "$pki/client.ext"
  cert kube-proxy "/CN=system:kube-proxy" "$pki/client.ext"
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
# kubectl apply, quiet unless it fails (then its error, and the script stops). The Endpoints below are
# deprecated in favour of EndpointSlices, and kubectl says so each time: that warning is expected.
apply_quiet() {
  local err
  if ! err=$(kubectl apply "$@" 2>&1 >/dev/null); then die "kubectl apply $*: $err"; fi
  printf '%s\n' "$err" | grep -v -e '^Warning: v1 Endpoints is deprecated' -e '^$' >&2 || true
}
api_relay_endpoints() {
  apply_quiet -f - <<EP
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
# Cluster DNS answers when a real query through the kube-dns Service IP (kube-proxy's rules on this
# host, then CoreDNS in its pod) resolves the kubernetes Service. A Deployment's status could be the
# stale one from before the node stopped; an answer cannot.
dns_answers() {
  python3 - "$DNS_IP" <<'PY'
import socket, struct, sys
name = b"".join(bytes([len(p)]) + p.encode() for p in "kubernetes.default.svc.cluster.local".split(".")) + b"\0"
query = struct.pack(">HHHHHH", 0x504f, 0x0100, 1, 0, 0, 0) + name + struct.pack(">HH", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1.0)
s.sendto(query, (sys.argv[1], 53))
reply = s.recv(512)
ident, flags, _, answers = struct.unpack(">HHHH", reply[:8])
sys.exit(0 if ident == 0x504f and flags & 0x000f == 0 and answers > 0 else 1)
PY
}
metrics_served() {
  [ "$(kubectl -n kube-system get deploy metrics-server -o jsonpath='{.status.availableReplicas}' 2>/dev/null)" = 1 ] \
    && kubectl get --raw "/apis/metrics.k8s.io/v1beta1/nodes/$NODE_NAME" >/dev/null 2>&1
}

cmd_prepare() {
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
}

start_kubelet() {
  running kubelet || log "starting kubelet $KUBE_VERSION as node $NODE_NAME ($NODE_IP)"
  start kubelet "$kube_bin/kubelet" --config "$node/kubelet-config.yaml" --kubeconfig "$node/kubelet.kubeconfig" \
    --root-dir "$node/kubelet" --cert-dir "$node/kubelet/pki" --node-ip "$NODE_IP" --hostname-override "$NODE_NAME" \
    --node-labels "platform.a11y.dev/node=real" --v 1
}

# restart-kubelet [--kill-pods-of NAMESPACE]: the kubelet stops and starts again (its pods' containers
# keep running, as across a kubelet upgrade). With --kill-pods-of, the containers of that namespace's
# pods are SIGKILLed while it is down, as a power loss would (only that namespace: the node is shared);
# the kubelet finds them dead when it starts and restarts them. Waits until the node is Ready again.
cmd_restart_kubelet() {
  [ ! -f "$PO_STATE/node.unavailable" ] || die "no real node: $(cat "$PO_STATE/node.unavailable")"
  running kubelet || die "the kubelet of $PO_STATE is not running"
  local kill_ns=""
  case "${1:-}" in
    --kill-pods-of) kill_ns=${2:?--kill-pods-of NAMESPACE} ;;
    "") ;;
    *) die "restart-kubelet [--kill-pods-of NAMESPACE]" ;;
  esac
  local t0=$SECONDS
  stop kubelet
  if [ -n "$kill_ns" ]; then
    local id n=0
    for id in $(ctr containers ls -q "labels.\"io.kubernetes.pod.namespace\"==$kill_ns"); do
      # Sandboxes (pause) too: a power loss takes the pod's network namespace with it.
      ctr tasks kill -s SIGKILL "$id" >/dev/null 2>&1 && n=$((n + 1)) || true
    done
    log "killed $n containers of namespace $kill_ns while the kubelet was down"
  fi
  start_kubelet
  wait_for "node $NODE_NAME Ready" 120 node_ready
  log "kubelet restarted in $((SECONDS - t0)) s"
}

cmd_up() {
  local t0=$SECONDS
  cmd_prepare
  [ ! -f "$PO_STATE/node.unavailable" ] || return 0
  write_kubelet_config
  start_kubelet
  running kube-proxy || log "starting kube-proxy (iptables)"
  start kube-proxy "$kube_bin/kube-proxy" --kubeconfig "$node/kube-proxy.kubeconfig" --hostname-override "$NODE_NAME" \
    --proxy-mode iptables --cluster-cidr "$POD_CIDR" --bind-address "$NODE_IP" \
    --healthz-bind-address "127.0.0.1:$PROXY_HEALTHZ_PORT" --metrics-bind-address "127.0.0.1:$PROXY_METRICS_PORT" \
    --nodeport-addresses "$NODE_IP/32" --conntrack-max-per-core 0 --v 1
  running api-relay || start api-relay socat "TCP-LISTEN:443,bind=$NODE_IP,fork,reuseaddr" "TCP:127.0.0.1:$API_PORT"
  api_relay_endpoints
  apply_quiet -f "$here/node/addons.yaml"
  wait_for "node $NODE_NAME Ready" 120 node_ready
  wait_for "cluster DNS (CoreDNS through the kube-dns Service)" 180 dns_answers
  log "real node $NODE_NAME up in $((SECONDS - t0)) s (metrics-server comes up in the background: hack/node.sh wait-metrics)"
}

cmd_wait_metrics() {
  [ ! -f "$PO_STATE/node.unavailable" ] || { log "no real node: $(cat "$PO_STATE/node.unavailable")"; return 1; }
  wait_for "metrics-server serving node metrics" 180 metrics_served
  log "metrics API serves $NODE_NAME's figures"
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
  prepare) cmd_prepare ;;
  up) cmd_up ;;
  wait-metrics) cmd_wait_metrics ;;
  down) cmd_down ;;
  restart-kubelet) shift; cmd_restart_kubelet "$@" ;;
  *) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
