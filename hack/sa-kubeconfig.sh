#!/usr/bin/env bash
# Writes a kubeconfig that authenticates as a ServiceAccount with a token from `kubectl create token`,
# so the operator binary can run out of cluster with exactly that account's RBAC.
#   hack/sa-kubeconfig.sh <namespace> <serviceaccount> <output-file> [duration, default 24h]
# Uses $KUBECONFIG (an admin kubeconfig of the local cluster) to mint the token.
set -euo pipefail
ns=$1 sa=$2 out=$3 duration=${4:-24h}
server=$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}')
ca=$(kubectl config view --minify --raw -o jsonpath='{.clusters[0].cluster.certificate-authority}')
token=$(kubectl -n "$ns" create token "$sa" --duration "$duration")
umask 077
cat > "$out" <<KC
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster: {server: "$server", certificate-authority: "$ca"}
users:
- name: $sa
  user: {token: "$token"}
contexts:
- name: local
  context: {cluster: local, user: $sa, namespace: $ns}
current-context: local
KC
