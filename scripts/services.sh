#!/usr/bin/env bash
# Local services for the tests and the demo, all on loopback:
#   PostgreSQL 15  127.0.0.1:5432  (trust auth, user postgres)
#   PostgreSQL 17  127.0.0.1:5417  (scripts/pg17.sh: grant's PG17-only tests)
#   Apache Kafka   127.0.0.1:9092  (3-node KRaft cluster, see scripts/kafka/cluster.sh;
#                                   also 9192/9292, SASL, TLS and mTLS listeners)
#   moto server    127.0.0.1:5000  (AWS Glue + Athena emulation)
#   Trino          127.0.0.1:8085  (Glue metastore on moto; scripts/trino.sh)
#   (and pyiceberg in its own virtualenv, .services/pyiceberg: the athena tests'
#    Iceberg writer, scripts/pyiceberg-venv.sh)
#
# usage: scripts/services.sh up [--core]|down|status
#        (--core: PostgreSQL 15, Kafka and moto only, what the demo needs)
#        scripts/services.sh kafka-stop N | kafka-start   (one Kafka node; tests)
#
# `up` is idempotent: it installs only what is missing, starts only what is not
# already answering, and waits until each service answers (or fails loudly with
# its log). `down` stops only what `up` started, by recorded pid.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE="$ROOT/.services"
mkdir -p "$STATE"

PG_HOST=127.0.0.1 PG_PORT=5432
MOTO_HOST=127.0.0.1 MOTO_PORT=5000
export PATH="$HOME/.cargo/bin:$PATH"

log() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# wait_for NAME CHECK_CMD LOGFILE [PID] [SECONDS]: polls for up to SECONDS
# (default 60); gives up at once when the process PID has exited.
wait_for() {
  local name=$1 check=$2 logfile=${3:-} pid=${4:-} secs=${5:-60} i
  for i in $(seq 1 $((secs * 2))); do
    if eval "$check" >/dev/null 2>&1; then log "$name is up"; return 0; fi
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      printf '[services] %s exited while starting\n' "$name" >&2
      break
    fi
    sleep 0.5
  done
  if [ -n "$logfile" ] && [ -f "$logfile" ]; then
    printf '[services] --- last lines of %s ---\n' "$logfile" >&2
    tail -n 40 "$logfile" >&2 || true
  fi
  die "$name did not answer"
}

apt_install() {
  if [ ! -f "$STATE/.apt-updated" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq && touch "$STATE/.apt-updated"
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

# ---------- PostgreSQL ----------
pg_ok() { psql "host=$PG_HOST port=$PG_PORT user=postgres dbname=postgres connect_timeout=2" -Atqc 'select 1' 2>/dev/null | grep -q 1; }

# Password authentication for the grant tests (logging in with the passwords
# the tool set): connections to the test-only database gt_pwauth must send a
# password. PostgreSQL 15 has no role-name patterns in pg_hba.conf (16 added
# regular expressions), so the rule matches that database, for every role.
# pg_hba.conf is first-match: the lines go above the loopback trust lines.
# `md5` also accepts roles whose stored verifier is SCRAM.
pg_pwauth() {
  local psqlc="host=$PG_HOST port=$PG_PORT user=postgres dbname=postgres"
  # The rules of the server that answers (its own hba_file, wherever it is:
  # a Debian cluster here, a container's data directory in GitHub Actions).
  # First match wins: the rule must come before any trust rule for all databases.
  if ! psql "$psqlc" -Atqc "SELECT 1 FROM pg_catalog.pg_hba_file_rules r WHERE 'gt_pwauth' = ANY(r.database) \
        AND r.auth_method IN ('md5', 'scram-sha-256') AND r.line_number < coalesce((SELECT min(t.line_number) \
        FROM pg_catalog.pg_hba_file_rules t WHERE 'all' = ANY(t.database) AND t.auth_method = 'trust' AND t.type = 'host'), 2147483647) \
        LIMIT 1" | grep -q 1; then
    local hba; hba=$(psql "$psqlc" -Atqc 'SHOW hba_file')
    [ -w "$hba" ] || die "password auth for database gt_pwauth is missing from $hba, which is not writable here: add 'host gt_pwauth all 127.0.0.1/32 md5' above the trust lines and reload"
    log "password auth for database gt_pwauth in $hba"
    sed -i '1i host gt_pwauth all 127.0.0.1/32 md5\nhost gt_pwauth all ::1/128 md5' "$hba"
    psql "$psqlc" -Atqc 'SELECT pg_reload_conf()' >/dev/null
  fi
  if ! psql "$psqlc" -Atqc "SELECT 1 FROM pg_database WHERE datname = 'gt_pwauth'" | grep -q 1; then
    psql "$psqlc" -qc 'CREATE DATABASE gt_pwauth' >/dev/null
  fi
}

pg_up() {
  if command -v psql >/dev/null && pg_ok; then log "PostgreSQL already answers on $PG_HOST:$PG_PORT"; pg_pwauth; return; fi
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    log "installing PostgreSQL (Debian package)"
    apt_install postgresql postgresql-client
  fi
  command -v psql >/dev/null || apt_install postgresql-client
  local ver; ver=$(ls /etc/postgresql | sort -V | tail -n 1)
  local conf="/etc/postgresql/$ver/main"
  # Tests and demo connect as postgres over TCP without a password (trust on loopback only).
  if ! grep -q '^host all all 127.0.0.1/32 trust' "$conf/pg_hba.conf"; then
    log "allowing trust auth on 127.0.0.1 in $conf/pg_hba.conf"
    sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$conf/pg_hba.conf"
  fi
  sed -i "s/^#\?listen_addresses.*/listen_addresses = 'localhost'/" "$conf/postgresql.conf"
  if pg_ctlcluster "$ver" main status >/dev/null 2>&1; then
    pg_ctlcluster --skip-systemctl-redirect "$ver" main reload
  else
    log "starting PostgreSQL $ver"
    pg_ctlcluster --skip-systemctl-redirect "$ver" main start
    echo "$ver" > "$STATE/postgres.started"
  fi
  wait_for PostgreSQL pg_ok "/var/log/postgresql/postgresql-$ver-main.log"
  pg_pwauth
}

pg_down() {
  if [ -f "$STATE/postgres.started" ]; then
    local ver; ver=$(cat "$STATE/postgres.started")
    pg_ctlcluster --skip-systemctl-redirect "$ver" main stop || true
    rm -f "$STATE/postgres.started"
    log "stopped PostgreSQL $ver"
  fi
}

# ---------- Apache Kafka ----------
# shellcheck source=kafka/cluster.sh
source "$ROOT/scripts/kafka/cluster.sh"

# kafka-python: the independent client of the kafka-config tests.
kafka_python() {
  python3 -c 'import kafka' 2>/dev/null && return
  log "installing kafka-python (pip)"
  python3 -m pip install --quiet kafka-python >"$STATE/kafka-python-install.log" 2>&1 \
    || { tail -n 40 "$STATE/kafka-python-install.log" >&2; die "pip install kafka-python failed"; }
}

# ---------- moto (AWS) ----------
moto_ok() { python3 -c "import urllib.request,sys; urllib.request.urlopen('http://$MOTO_HOST:$MOTO_PORT/moto-api/', timeout=2)"; }

moto_up() {
  if moto_ok 2>/dev/null; then log "moto already answers on $MOTO_HOST:$MOTO_PORT"; return; fi
  if ! command -v moto_server >/dev/null; then
    log "installing moto[server] (pip)"
    python3 -m pip install --quiet 'moto[server]' >"$STATE/moto-install.log" 2>&1 \
      || { tail -n 40 "$STATE/moto-install.log" >&2; die "pip install moto[server] failed"; }
    hash -r
  fi
  local moto; moto=$(command -v moto_server || echo "$(python3 -m site --user-base)/bin/moto_server")
  log "starting moto on $MOTO_HOST:$MOTO_PORT"
  nohup "$moto" -H "$MOTO_HOST" -p "$MOTO_PORT" >"$STATE/moto.log" 2>&1 &
  echo $! > "$STATE/moto.pid"
  wait_for moto moto_ok "$STATE/moto.log" "$(cat "$STATE/moto.pid")"
}

stop_pid() {
  local name=$1 f="$STATE/$1.pid"
  if [ -f "$f" ]; then
    local pid; pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null || true; log "stopped $name (pid $pid)"; fi
    rm -f "$f"
  fi
}

status() {
  local rc=0
  if pg_ok; then echo "postgres  up    $PG_HOST:$PG_PORT"; else echo "postgres  down  $PG_HOST:$PG_PORT"; rc=1; fi
  kafka_status || rc=1
  if moto_ok 2>/dev/null; then echo "moto      up    $MOTO_HOST:$MOTO_PORT"; else echo "moto      down  $MOTO_HOST:$MOTO_PORT"; rc=1; fi
  "$ROOT/scripts/trino.sh" status || rc=1
  return $rc
}

case "${1:-}" in
  up)
    pg_up; kafka_up; kafka_python; moto_up
    # --core: what the demo needs; the rest serves only the tests.
    if [ "${2:-}" != "--core" ]; then
      bash "$ROOT/scripts/pg17.sh" up; "$ROOT/scripts/pyiceberg-venv.sh"; "$ROOT/scripts/trino.sh" up
    fi ;;
  down) kafka_down; "$ROOT/scripts/trino.sh" down; stop_pid moto; bash "$ROOT/scripts/pg17.sh" down; pg_down ;;
  status) rc=0; status || rc=1; bash "$ROOT/scripts/pg17.sh" status || rc=1; exit $rc ;;
  # Used by the broker-restart test: stop / start one Kafka node started here.
  kafka-stop) kafka_stop_node "${2:?node number}" ;;
  kafka-start) kafka_up ;;
  *) echo "usage: $0 up|down|status|kafka-stop N|kafka-start" >&2; exit 2 ;;
esac
