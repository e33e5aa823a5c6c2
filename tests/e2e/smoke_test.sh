#!/usr/bin/env bash
# Smoke test of the local cluster: the server reports the pinned version, a Deployment of 2 replicas
# gets 2 pods Running and Ready on kwok nodes, and a PersistentVolumeClaim binds.
E2E_NAME=smoke
. "$(dirname "$0")/lib.sh"
require_cluster

server_version=$(kubectl version -o json | jq -r .serverVersion.gitVersion)
[ "$server_version" = "$KUBE_VERSION" ] || fail "server reports $server_version, pinned $KUBE_VERSION"
e2e_log "server version $server_version"

client_version=$(kubectl version --client -o json | jq -r .clientVersion.gitVersion)
[ "$client_version" = "$KUBE_VERSION" ] || fail "kubectl reports $client_version, pinned $KUBE_VERSION"

make_test_namespace smoke
kubectl -n "$ns" apply -f - >/dev/null <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: smoke}
spec:
  replicas: 2
  selector: {matchLabels: {app: smoke}}
  template:
    metadata: {labels: {app: smoke}}
    spec:
      containers:
      - name: app
        image: registry.k8s.io/pause:3.10
        readinessProbe: {httpGet: {path: /, port: 8080}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: smoke-data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
YAML

ready_pods() {
  local n
  n=$(kubectl -n "$ns" get pods -l app=smoke -o json | jq '[.items[] | select(.status.phase=="Running")
        | select(any(.status.conditions[]?; .type=="Ready" and .status=="True"))] | length')
  [ "$n" -eq 2 ]
}
poll 120 "2 Running and Ready pods" ready_pods
available=$(kubectl -n "$ns" get deploy smoke -o jsonpath='{.status.availableReplicas}')
[ "$available" = 2 ] || fail "deployment reports $available available replicas, want 2"

for node in $(kubectl -n "$ns" get pods -l app=smoke -o jsonpath='{.items[*].spec.nodeName}'); do
  [ "$(kubectl get node "$node" -o jsonpath='{.metadata.annotations.kwok\.x-k8s\.io/node}')" = fake ] \
    || fail "pod scheduled on $node, which is not a kwok node"
done
e2e_log "2 pods Running and Ready on kwok nodes"

pvc_bound() { [ "$(kubectl -n "$ns" get pvc smoke-data -o jsonpath='{.status.phase}')" = Bound ]; }
poll 60 "the PVC to bind" pvc_bound
e2e_log "PVC bound to $(kubectl -n "$ns" get pvc smoke-data -o jsonpath='{.spec.volumeName}')"
e2e_log "PASS"
