#!/usr/bin/env bash
# Checks that a stopped local cluster left nothing of its own behind: no process started for it, no
# container shim, no mount under its state directory or network namespace of its pods, no bridge, and
# no kube-proxy or CNI iptables chains. Exit 0 when clean; otherwise lists what is left and exits 1.
#   PO_STATE=<cluster state dir> hack/check-leftovers.sh
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/versions.sh"
bridge=${PO_NODE_BRIDGE:-po0}
if bash "$here/cluster.sh" status >/dev/null 2>&1; then
  echo "check-leftovers: the cluster in $PO_STATE is up; this check runs after it is taken down (make test does)"
  exit 77
fi
left=()

while read -r pid args; do
  [ "$pid" = "$$" ] && continue
  left+=("process $pid: ${args:0:160}")
done < <(ps -eo pid=,args= | grep -F -- "$PO_STATE" | grep -v -e 'grep -F' -e check-leftovers -e ctest)
while read -r pid args; do left+=("container shim $pid: ${args:0:160}"); done \
  < <(ps -eo pid=,args= | grep 'containerd-shim-runc-v2' | grep -F -- "$PO_STATE" | grep -v grep)
while read -r _ mnt _; do left+=("mount $mnt"); done < <(awk -v p="$PO_STATE" 'index($2, p) == 1' /proc/mounts)
# The real node's network (pod namespaces, bridge, veths, kube-proxy and CNI chains) is machine-wide: it is
# this cluster's only when this cluster ran the node. A kwok-only cluster (node.unavailable) leaves those
# to the cluster that holds the node, which may be running beside it.
if [ ! -f "$PO_STATE/node.unavailable" ]; then
  while read -r _ mnt _; do left+=("pod network namespace $mnt"); done < <(awk '$2 ~ /^\/run\/netns\/cni-/' /proc/mounts)
  ip link show "$bridge" >/dev/null 2>&1 && left+=("link $bridge (the pod bridge)")
  while read -r link; do left+=("link $link"); done < <(ip -o link show type veth 2>/dev/null | awk -F': ' '{print $2}' | grep -F "@" || true)
  if command -v iptables >/dev/null; then
    for table in nat filter mangle; do
      while read -r chain; do left+=("iptables $table chain $chain"); done < <(iptables -t "$table" -S 2>/dev/null | awk '/^-N (KUBE-|CNI-)/ {print $2}')
    done
  fi
fi

if [ ${#left[@]} -eq 0 ]; then
  echo "check-leftovers: nothing of $PO_STATE is left (processes, shims, mounts, netns, links, iptables)"
  exit 0
fi
echo "check-leftovers: the stopped cluster left ${#left[@]} thing(s) behind:" >&2
printf '  %s\n' "${left[@]}" >&2
exit 1
