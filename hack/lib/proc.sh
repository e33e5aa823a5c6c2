# Process and certificate helpers shared by hack/cluster.sh and hack/node.sh (sourced).
# The caller defines: $run (pid files), $logs (one log per process), $pki (the cluster CA and certificates),
# and log/die (its own prefix on each line).

running() {  # running <name>: the process from its pid file is alive
  local f="$run/$1.pid"
  [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null
}

start() {  # start <name> <cmd...>: a background process in its own session, with its log and pid file
  local name=$1; shift
  if running "$name"; then return; fi
  setsid "$@" >>"$logs/$name.log" 2>&1 < /dev/null &
  echo $! > "$run/$name.pid"
}

stop() {  # stop <name>: TERM the process group, then KILL what is left after 10 s
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

wait_for() {  # wait_for <what> <seconds> <cmd...>: poll every 0.5 s, say so every 10 s, die at the deadline
  local what=$1 secs=$2; shift 2
  local deadline=$((SECONDS + secs)) next_note=$((SECONDS + 10))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || die "$what not ready after ${secs}s (logs in $logs)"
    if [ $SECONDS -ge $next_note ]; then log "waiting for $what..."; next_note=$((SECONDS + 10)); fi
    sleep 0.5
  done
}

cert() {  # cert <name> <subject> [ext-file]: a key and a certificate signed by the cluster CA, made once
  local name=$1 subj=$2 ext=${3:-}
  [ -f "$pki/$name.crt" ] && return
  openssl genrsa -out "$pki/$name.key" 2048 2>/dev/null
  openssl req -new -key "$pki/$name.key" -subj "$subj" -out "$pki/$name.csr" 2>/dev/null
  openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -days 3650 ${ext:+-extfile "$ext"} -out "$pki/$name.crt" 2>/dev/null
  rm -f "$pki/$name.csr"
}
