# shellcheck shell=bash
# The local Apache Kafka test cluster, sourced by scripts/services.sh.
#
# Apache Kafka (version in scripts/kafka/pom.xml) in KRaft mode on loopback,
# assembled from the official org.apache.kafka artifacts on Maven Central with
# `mvn dependency:copy-dependencies` and run with Java 17. Three nodes:
#
#   node  roles                PLAINTEXT  SASL_PLAINTEXT  SSL    SSL+client cert  CONTROLLER
#   1     broker, controller   9092       9094            9095   9096             9093
#   2     broker               9192       9194            9195   9196
#   3     broker               9292       9294            9295   9296
#
# SASL mechanisms PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512; users admin/admin-secret
# (super user) and alice/alice-secret (ACLs apply), SCRAM users created at
# format time. TLS material (CA, broker key + chain with SAN IP:127.0.0.1, a
# client certificate for mutual TLS, and a second CA nobody trusts) is
# generated at first start under .services/kafka/tls. StandardAuthorizer is on;
# see scripts/kafka/node.properties.in for the super users.
#
# Everything lives in $KAFKA_TEST_HOME (default .services/kafka): lib/ (jars),
# tls/, nodeN.properties, data/nodeN (persistent log dirs), nodeN.log, and the
# pid files of the nodes this script started.

KAFKA_DIR="$ROOT/scripts/kafka"
KHOME=${KAFKA_TEST_HOME:-$STATE/kafka}
KLIB="$KHOME/lib"
KAFKA_NODES="1 2 3"
KAFKA_CONTROLLER_PORT=9093
# Per-node heap; override with KAFKA_HEAP (e.g. KAFKA_HEAP=-Xmx512m).
KAFKA_HEAP=${KAFKA_HEAP:--Xms96m -Xmx256m}
KAFKA_JVM_OPTS="-XX:+UseSerialGC -XX:MaxDirectMemorySize=64m -Djava.awt.headless=true"

kport() { # kport NODE OFFSET: 9092+OFFSET for node 1, 9192+OFFSET for node 2...
  echo $((9092 + ($1 - 1) * 100 + $2))
}

kafka_java_ok() {
  command -v java >/dev/null && java -version 2>&1 | grep -Eq 'version "(1[7-9]|[2-9][0-9])'
}

kafka_install() {
  if ! kafka_java_ok; then
    log "installing Java 17 (Debian package)"
    apt_install openjdk-17-jre-headless
  fi
  command -v mvn >/dev/null || { log "installing Maven (Debian package)"; apt_install maven; }
  local stamp; stamp=$(sha256sum "$KAFKA_DIR/pom.xml" | cut -c1-16)
  if [ "$(cat "$KLIB/.installed" 2>/dev/null)" = "$stamp" ]; then return; fi
  log "installing Apache Kafka jars from Maven Central into $KLIB (mvn dependency:copy-dependencies)"
  rm -rf "$KLIB"; mkdir -p "$KLIB"
  local repo=()
  [ -n "${MAVEN_REPO_LOCAL:-}" ] && repo=("-Dmaven.repo.local=$MAVEN_REPO_LOCAL")
  mvn -B -q "${repo[@]}" -f "$KAFKA_DIR/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$KLIB" >"$KHOME/install.log" 2>&1 \
    || { tail -n 40 "$KHOME/install.log" >&2; die "mvn dependency:copy-dependencies failed"; }
  echo "$stamp" > "$KLIB/.installed"
}

kafka_tool() { # kafka_tool CLASS ARGS...: a Kafka command-line tool from the same jars
  java -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
    -Dlog4j2.configurationFile="$KAFKA_DIR/tools-log4j2.properties" -cp "$KLIB/*" "$@"
}

# PEM material: a test CA, the broker key+chain, a client key+certificate for
# mutual TLS and an untrusted CA (for the "unknown CA" error tests).
kafka_certs() {
  local d="$KHOME/tls"
  [ -f "$d/.complete" ] && return
  log "generating the test CA and certificates in $d"
  rm -rf "$d"; mkdir -p "$d"
  (
    cd "$d"
    for ca in ca other-ca; do
      openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -keyout "$ca.key" -out "$ca.pem" \
        -subj "/CN=gitops test $ca" -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
    done
    for who in broker client; do
      openssl req -newkey rsa:2048 -nodes -sha256 -keyout "$who.key" -out "$who.csr" -subj "/CN=kafka-test-$who"
      printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n' > "$who.ext"
      openssl x509 -req -in "$who.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 -sha256 \
        -extfile "$who.ext" -out "$who.pem"
      # PKCS#8, unencrypted: what Kafka's PEM keystore reads.
      openssl pkcs8 -topk8 -nocrypt -in "$who.key" -out "$who.key.p8" && mv "$who.key.p8" "$who.key"
    done
    cat broker.key broker.pem ca.pem > broker-keystore.pem
    rm -f ./*.csr ./*.ext ./*.srl
  ) >"$KHOME/tls.log" 2>&1 || { cat "$KHOME/tls.log" >&2; die "openssl failed"; }
  touch "$d/.complete"
}

kafka_render() { # kafka_render NODE: writes nodeN.properties
  local n=$1 roles=broker
  local listeners="PLAINTEXT://127.0.0.1:$(kport "$n" 0),SASL://127.0.0.1:$(kport "$n" 2),SSL://127.0.0.1:$(kport "$n" 3),MTLS://127.0.0.1:$(kport "$n" 4)"
  if [ "$n" = 1 ]; then roles=broker,controller; listeners="$listeners,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT"; fi
  sed -e "s|@NODE_ID@|$n|" -e "s|@ROLES@|$roles|" -e "s|@LISTENERS@|$listeners|" \
      -e "s|@CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|" \
      -e "s|@PLAIN_PORT@|$(kport "$n" 0)|" -e "s|@SASL_PORT@|$(kport "$n" 2)|" \
      -e "s|@SSL_PORT@|$(kport "$n" 3)|" -e "s|@MTLS_PORT@|$(kport "$n" 4)|" \
      -e "s|@TLS_DIR@|$KHOME/tls|" -e "s|@DATA_DIR@|$KHOME/data/node$n|" \
      "$KAFKA_DIR/node.properties.in" > "$KHOME/node$n.properties"
}

# Formats the log dirs that are not formatted yet (first start only: data persists).
kafka_format() {
  [ -f "$KHOME/cluster-id" ] || kafka_tool kafka.tools.StorageTool random-uuid > "$KHOME/cluster-id"
  local id n pids=() scram=()
  id=$(tr -d '[:space:]' < "$KHOME/cluster-id")
  for u in admin alice; do
    for m in SCRAM-SHA-256 SCRAM-SHA-512; do scram+=(--add-scram "$m=[name=$u,password=$u-secret]"); done
  done
  for n in $KAFKA_NODES; do
    [ -f "$KHOME/data/node$n/meta.properties" ] && continue
    local extra=(); [ "$n" = 1 ] && extra=(--standalone)
    log "formatting node $n (cluster $id)"
    kafka_tool kafka.tools.StorageTool format -t "$id" -c "$KHOME/node$n.properties" "${extra[@]}" "${scram[@]}" \
      >"$KHOME/format-node$n.log" 2>&1 &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || { cat "$KHOME"/format-node*.log >&2; die "kafka storage format failed"; }; done
}

kafka_node_started() { grep -q 'Kafka Server started' "$KHOME/node$1.log" 2>/dev/null; }

kafka_start_node() { # kafka_start_node N: starts node N (no wait)
  local n=$1
  [ -f "$KHOME/node$n.log" ] && mv "$KHOME/node$n.log" "$KHOME/node$n.log.1"
  # setsid: the node survives the shell (and the test process) that started it.
  setsid nohup java $KAFKA_HEAP $KAFKA_JVM_OPTS -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.properties" \
    -cp "$KLIB/*" kafka.Kafka "$KHOME/node$n.properties" >"$KHOME/node$n.log" 2>&1 < /dev/null &
  echo $! > "$STATE/kafka-node$n.pid"
}

kafka_wait_node() {
  local n=$1 pid; pid=$(cat "$STATE/kafka-node$n.pid")
  wait_for "kafka node $n" "kafka_node_started $n" "$KHOME/node$n.log" "$pid" 240
}

kafka_up() {
  mkdir -p "$KHOME"
  kafka_install
  kafka_certs
  local n down=() ours=0 theirs=0
  for n in $KAFKA_NODES; do
    if port_open 127.0.0.1 "$(kport "$n" 0)"; then
      if [ -f "$STATE/kafka-node$n.pid" ] && kill -0 "$(cat "$STATE/kafka-node$n.pid")" 2>/dev/null; then ours=$((ours + 1)); else theirs=$((theirs + 1)); fi
    else
      down+=("$n")
    fi
  done
  if [ ${#down[@]} = 0 ]; then
    log "Kafka already answers on 127.0.0.1:9092/9192/9292"
    if [ "$theirs" -gt 0 ]; then
      # Started from another checkout: its TLS material is the one that works.
      local other; other=$(ps -eo args | grep -o '[^ ]*/node1\.properties' | head -n 1 || true)
      [ -n "$other" ] && log "it was started from $(dirname "$other") (the tests find it there; KAFKA_TEST_HOME overrides)"
    fi
    return
  fi
  if [ "$theirs" -gt 0 ]; then
    die "a Kafka broker not started by this checkout answers on some cluster ports, and nodes ${down[*]} are down: stop it, or start the cluster from the checkout that owns it (KAFKA_TEST_HOME)"
  fi
  local t0=$SECONDS
  for n in "${down[@]}"; do kafka_render "$n"; done
  kafka_format
  log "starting Apache Kafka nodes ${down[*]} ($KAFKA_HEAP each)"
  for n in "${down[@]}"; do kafka_start_node "$n"; done
  for n in "${down[@]}"; do kafka_wait_node "$n"; done
  log "Kafka cluster up in $((SECONDS - t0)) s"
}

kafka_stop_node() { # kafka_stop_node N: stops node N if this script started it, waits for its exit
  local n=$1 f="$STATE/kafka-node$1.pid" pid i
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for i in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
    log "stopped kafka node $n (pid $pid)"
  fi
  rm -f "$f"
}

kafka_down() {
  local n
  # Brokers first, the controller last, so the brokers shut down cleanly.
  for n in 3 2; do kafka_stop_node "$n" & done
  wait
  kafka_stop_node 1
}

kafka_status() {
  local n rc=0
  for n in $KAFKA_NODES; do
    if port_open 127.0.0.1 "$(kport "$n" 0)"; then echo "kafka-$n   up    127.0.0.1:$(kport "$n" 0)"; else echo "kafka-$n   down  127.0.0.1:$(kport "$n" 0)"; rc=1; fi
  done
  return $rc
}
