#!/bin/sh
# Entrypoint of the local postgres image (Debian's PostgreSQL 15): the same contract as the postgres
# images the operator renders for. On an empty PGDATA it initialises a cluster owned by POSTGRES_USER
# with POSTGRES_PASSWORD, creates POSTGRES_DB, and accepts password (SCRAM) logins over TCP; then it runs
# postgres in the foreground. Arguments are passed to postgres.
set -eu
: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  [ -n "${POSTGRES_PASSWORD:-}" ] || { echo "postgres: POSTGRES_PASSWORD is required to initialise an empty data directory" >&2; exit 1; }
  mkdir -p "$PGDATA"
  chmod 700 "$PGDATA"
  pwfile=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
  initdb --pgdata="$PGDATA" --username="$POSTGRES_USER" --pwfile="$pwfile" --encoding=UTF8 \
    --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm -f "$pwfile"
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  # A private server on the Unix socket only, to create the database before anyone can connect.
  pg_ctl --pgdata="$PGDATA" --options="-c listen_addresses=''" --wait start >/dev/null
  if [ "$POSTGRES_DB" != postgres ]; then
    psql --username="$POSTGRES_USER" --dbname=postgres --no-psqlrc --quiet \
      --set=db="$POSTGRES_DB" -c 'CREATE DATABASE :"db"' >/dev/null
  fi
  pg_ctl --pgdata="$PGDATA" --mode=fast --wait stop >/dev/null
  echo "postgres: initialised $PGDATA for user $POSTGRES_USER, database $POSTGRES_DB"
fi
exec postgres -D "$PGDATA" -c listen_addresses='*' "$@"
