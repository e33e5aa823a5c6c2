#!/bin/sh
# Entrypoint of the local postgres image (Debian's PostgreSQL 15): the same contract as the postgres
# images the operator renders for. On an empty PGDATA it initialises a cluster owned by POSTGRES_USER
# with POSTGRES_PASSWORD, creates POSTGRES_DB, and accepts password (SCRAM) logins over TCP; then it runs
# postgres in the foreground. Arguments are passed to postgres. The initialisation happens in a scratch
# directory renamed into place at the end, so a failure half-way leaves PGDATA empty for the next try.
set -eu
: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  [ -n "${POSTGRES_PASSWORD:-}" ] || { echo "postgres: POSTGRES_PASSWORD is required to initialise an empty data directory" >&2; exit 1; }
  scratch="$PGDATA.init"
  rm -rf "$scratch"
  mkdir -p "$scratch"
  chmod 700 "$scratch"
  pwfile=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
  initdb --pgdata="$scratch" --username="$POSTGRES_USER" --pwfile="$pwfile" --encoding=UTF8 \
    --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm -f "$pwfile"
  echo "host all all all scram-sha-256" >> "$scratch/pg_hba.conf"
  # A private server on the Unix socket only, to create the database before anyone can connect.
  pg_ctl --pgdata="$scratch" --options="-c listen_addresses=''" --wait start >/dev/null
  if [ "$POSTGRES_DB" != postgres ]; then
    # psql interpolates :"db" (a quoted identifier) only in what it reads, not in -c.
    echo 'CREATE DATABASE :"db";' | psql --username="$POSTGRES_USER" --dbname=postgres --no-psqlrc --quiet \
      --set=ON_ERROR_STOP=1 --set=db="$POSTGRES_DB" >/dev/null
  fi
  pg_ctl --pgdata="$scratch" --mode=fast --wait stop >/dev/null
  rm -rf "$PGDATA"
  mv "$scratch" "$PGDATA"
  echo "postgres: initialised $PGDATA for user $POSTGRES_USER, database $POSTGRES_DB"
fi
exec postgres -D "$PGDATA" -c listen_addresses='*' "$@"
