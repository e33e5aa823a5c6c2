#!/usr/bin/env bash
# A real etcd + kube-apiserver on loopback for integration tests (like controller-runtime's envtest).
#   envtest.sh start <dir>             PKI + etcd + kube-apiserver; writes <dir>/kubeconfig and <dir>/env
#   envtest.sh stop <dir>              stops what start started (by the pids it recorded) and removes <dir>
#   envtest.sh restart-apiserver <dir> kills kube-apiserver and starts it again on the same port
#   envtest.sh env <dir>               prints KUBECONFIG=... for eval
# Exit status 77 (ctest SKIP) when the binaries have not been built (hack/tools.sh etcd kube).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop|restart-apiserver|env <dir>" >&2; exit 2; }

etcd_bin="$("$root/hack/tools.sh" path etcd)/etcd"
apiserver_bin="$("$root/hack/tools.sh" path kube-apiserver)/kube-apiserver"

log() { printf '[envtest %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

kill_pidfile() {
  local f=$1
  [ -f "$f" ] || return 0
  local pid; pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

gen_pki() {
  local p=$dir/pki
  mkdir -p "$p"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=envtest-ca" \
    -keyout "$p/ca.key" -out "$p/ca.crt" 2>/dev/null
  # Serving certificate for 127.0.0.1 (cpprestsdk checks the IP SAN).
  openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" -keyout "$p/apiserver.key" -out "$p/apiserver.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n' > "$p/apiserver.ext"
  openssl x509 -req -in "$p/apiserver.csr" -CA "$p/ca.crt" -CAkey "$p/ca.key" -CAcreateserial -days 2 \
    -extfile "$p/apiserver.ext" -out "$p/apiserver.crt" 2>/dev/null
  # Admin client certificate (system:masters).
  openssl req -newkey rsa:2048 -nodes -subj "/O=system:masters/CN=envtest-admin" -keyout "$p/admin.key" -out "$p/admin.csr" 2>/dev/null
  printf 'extendedKeyUsage=clientAuth\n' > "$p/admin.ext"
  openssl x509 -req -in "$p/admin.csr" -CA "$p/ca.crt" -CAkey "$p/ca.key" -CAcreateserial -days 2 \
    -extfile "$p/admin.ext" -out "$p/admin.crt" 2>/dev/null
  # Service-account signing key pair.
  openssl genrsa -out "$p/sa.key" 2048 2>/dev/null
  openssl rsa -in "$p/sa.key" -pubout -out "$p/sa.pub" 2>/dev/null
}

start_apiserver() {
  local port; port=$(cat "$dir/apiserver.port")
  setsid "$apiserver_bin" \
    --etcd-servers="http://127.0.0.1:$(cat "$dir/etcd.port")" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$port" \
    --cert-dir="$dir/apiserver-certs" \
    --tls-cert-file="$dir/pki/apiserver.crt" --tls-private-key-file="$dir/pki/apiserver.key" \
    --client-ca-file="$dir/pki/ca.crt" \
    --authorization-mode=RBAC \
    --service-account-issuer=https://kubernetes.default.svc \
    --service-account-key-file="$dir/pki/sa.pub" --service-account-signing-key-file="$dir/pki/sa.key" \
    --service-cluster-ip-range=10.0.0.0/24 \
    --disable-admission-plugins=ServiceAccount \
    --enable-priority-and-fairness=false \
    --profiling=false \
    >"$dir/apiserver.log" 2>&1 < /dev/null &
  echo $! > "$dir/apiserver.pid"
  local deadline=$((SECONDS + 120))
  until curl -sf --cacert "$dir/pki/ca.crt" --cert "$dir/pki/admin.crt" --key "$dir/pki/admin.key" \
      "https://127.0.0.1:$port/readyz" >/dev/null 2>&1; do
    if ! kill -0 "$(cat "$dir/apiserver.pid")" 2>/dev/null; then
      log "kube-apiserver exited; last log lines:"; tail -20 "$dir/apiserver.log" >&2; return 1
    fi
    [ $SECONDS -lt $deadline ] || { log "kube-apiserver not ready after 120 s"; tail -20 "$dir/apiserver.log" >&2; return 1; }
    sleep 0.3
  done
}

case "$cmd" in
  start)
    if [ ! -x "$etcd_bin" ] || [ ! -x "$apiserver_bin" ]; then
      log "etcd or kube-apiserver not built (run hack/tools.sh etcd kube); skipping"; exit 77
    fi
    [ -d "$dir" ] && "$0" stop "$dir" || true
    mkdir -p "$dir"
    trap 'rc=$?; if [ $rc -ne 0 ]; then "$0" stop "$dir" || true; fi' EXIT
    gen_pki
    free_port > "$dir/etcd.port"; free_port > "$dir/etcd-peer.port"; free_port > "$dir/apiserver.port"
    ep=$(cat "$dir/etcd.port"); pp=$(cat "$dir/etcd-peer.port")
    setsid "$etcd_bin" --name envtest --data-dir "$dir/etcd-data" \
      --listen-client-urls "http://127.0.0.1:$ep" --advertise-client-urls "http://127.0.0.1:$ep" \
      --listen-peer-urls "http://127.0.0.1:$pp" --initial-advertise-peer-urls "http://127.0.0.1:$pp" \
      --initial-cluster "envtest=http://127.0.0.1:$pp" --unsafe-no-fsync \
      >"$dir/etcd.log" 2>&1 < /dev/null &
    echo $! > "$dir/etcd.pid"
    deadline=$((SECONDS + 60))
    until curl -sf "http://127.0.0.1:$ep/health" >/dev/null 2>&1; do
      [ $SECONDS -lt $deadline ] || { log "etcd not healthy after 60 s"; tail -20 "$dir/etcd.log" >&2; exit 1; }
      sleep 0.2
    done
    start_apiserver
    cat > "$dir/kubeconfig" <<KC
apiVersion: v1
kind: Config
current-context: envtest
clusters:
- name: envtest
  cluster:
    server: https://127.0.0.1:$(cat "$dir/apiserver.port")
    certificate-authority: pki/ca.crt
contexts:
- name: envtest
  context: {cluster: envtest, user: admin, namespace: default}
users:
- name: admin
  user:
    client-certificate: pki/admin.crt
    client-key: pki/admin.key
KC
    echo "KUBECONFIG=$dir/kubeconfig" > "$dir/env"
    log "ready: KUBECONFIG=$dir/kubeconfig (apiserver :$(cat "$dir/apiserver.port"), etcd :$ep)"
    ;;
  restart-apiserver)
    kill_pidfile "$dir/apiserver.pid"
    start_apiserver
    log "kube-apiserver restarted"
    ;;
  stop)
    kill_pidfile "$dir/apiserver.pid"
    kill_pidfile "$dir/etcd.pid"
    rm -rf "$dir"
    ;;
  env)
    cat "$dir/env"
    ;;
  *) echo "unknown command: $cmd" >&2; exit 2 ;;
esac
