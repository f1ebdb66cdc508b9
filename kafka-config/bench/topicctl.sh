#!/usr/bin/env bash
# Side-by-side benchmark (not a timed test): topicctl and kafka-config on the
# same Apache Kafka cluster (scripts/services.sh up), in one run:
#   1. apply: create N topics (partitions 1, RF 1, 3 configs each)
#   2. plan of the converged state (topicctl: apply --dry-run)
#   3. apply: CH config changes (retention raised on CH topics)
# Each tool has its own topic prefix; everything is deleted at the end.
#
# usage: kafka-config/bench/topicctl.sh [N=1000] [CH=100]
# env:   KAFKA_BOOTSTRAP (default 127.0.0.1:9092), BIN (default: release
#        build), TOPICCTL (default: installed from the Go module proxy into
#        .services/bin), TOPICCTL_VERSION (default v1.20.0).
# Record the figures in docs/kafka-config-benchmarks.md.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
N=${1:-1000}
CH=${2:-100}
BOOT=${KAFKA_BOOTSTRAP:-127.0.0.1:9092}
VERSION=${TOPICCTL_VERSION:-v1.20.0}

if [ -z "${TOPICCTL:-}" ]; then
  TOPICCTL="$ROOT/.services/bin/topicctl"
  if [ ! -x "$TOPICCTL" ]; then
    mkdir -p "$ROOT/.services/bin"
    echo "installing topicctl $VERSION (go install)" >&2
    if ! GOBIN="$ROOT/.services/bin" go install "github.com/segmentio/topicctl/cmd/topicctl@$VERSION" >&2; then
      # `go install pkg@version` also asks the proxy for the module's version
      # list (deprecation check); where that list is refused, build the same
      # version from the same proxy in a throwaway module.
      tmp=$(mktemp -d)
      (cd "$tmp" && go mod init topicctl-bench >/dev/null 2>&1 &&
        go get "github.com/segmentio/topicctl/cmd/topicctl@$VERSION" >&2 &&
        go build -o "$TOPICCTL" github.com/segmentio/topicctl/cmd/topicctl)
      rm -rf "$tmp"
    fi
  fi
fi
if [ -z "${BIN:-}" ]; then
  (cd "$ROOT" && cargo build --release -p kafka-config >&2)
  BIN="$ROOT/target/release/kafka-config"
fi

RUN="bench$$"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
TC="$WORK/topicctl" KC="$WORK/kafka-config"
mkdir -p "$TC/topics" "$KC"

# gen RETENTION_MINUTES_FOR_CHANGED: writes both tools' configurations.
gen() {
  python3 - "$TC" "$KC" "$N" "$CH" "$RUN" "$BOOT" "$1" <<'PY'
import sys
tc, kc, n, ch, run, boot, changed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6], int(sys.argv[7])
meta = "  cluster: bench\n  environment: local\n  region: local\n"
with open(f"{tc}/cluster.yaml", "w") as f:
    f.write(f"meta:\n  name: bench\n  environment: local\n  region: local\nspec:\n  bootstrapAddrs:\n    - {boot}\n")
with open(f"{kc}/cluster.yaml", "w") as f:
    f.write(f"clusters:\n  bench:\n    bootstrap_servers: [\"{boot}\"]\n    request_timeout: 120s\nsettings:\n  scope: ['^{run}kc']\n")
with open(f"{kc}/topics.yaml", "w") as k:
    k.write("defaults:\n  partitions: 1\n  replication_factor: 1\ntopics:\n")
    for i in range(n):
        minutes = changed if i < ch else 1440
        with open(f"{tc}/topics/t{i:05d}.yaml", "w") as f:
            f.write(f"meta:\n  name: {run}tc{i:05d}\n{meta}spec:\n  partitions: 1\n  replicationFactor: 1\n"
                    f"  retentionMinutes: {minutes}\n  placement:\n    strategy: any\n"
                    f"  settings:\n    cleanup.policy: delete\n    segment.bytes: 268435456\n")
        k.write(f"  - name: {run}kc{i:05d}\n    configs: {{retention.ms: {minutes}m, cleanup.policy: delete, segment.bytes: 256MiB}}\n")
PY
}

t() { local s e; s=$(date +%s.%N); "$@" >"$WORK/last.log" 2>&1 || { tail -20 "$WORK/last.log" >&2; echo "FAILED: $*" >&2; exit 1; }; e=$(date +%s.%N); python3 -c "print(f'{$e-$s:.2f}')"; }

tc() { "$TOPICCTL" apply --cluster-config "$TC/cluster.yaml" --skip-confirm --no-spinner "$@" "$TC"/topics/*.yaml; }

echo "topicctl $("$TOPICCTL" --version 2>/dev/null | head -1 || echo "$VERSION"), kafka-config $("$BIN" --version), $N topics, $CH changes"
gen 1440
echo "topicctl     apply (create $N):   $(t tc) s"
echo "kafka-config apply (create $N):   $(t "$BIN" apply --auto-approve "$KC") s"
for i in 1 2 3; do
  echo "topicctl     plan converged #$i:   $(t tc --dry-run) s"
  echo "kafka-config plan converged #$i:   $(t "$BIN" plan "$KC") s"
done
gen 2880
echo "topicctl     apply ($CH changes):  $(t tc) s"
echo "kafka-config apply ($CH changes):  $(t "$BIN" apply --auto-approve "$KC") s"
echo "kafka-config plan after changes:  $(t "$BIN" plan --detailed-exitcode "$KC") s (no changes)"

echo "== cleanup" >&2
cat > "$WORK/cleanup.yaml" <<YAML
clusters:
  bench:
    bootstrap_servers: ["$BOOT"]
    request_timeout: 120s
settings:
  scope: ['^${RUN}']
deletion:
  unmanaged: delete
topics: []
YAML
"$BIN" apply --auto-approve --allow-destructive "$WORK/cleanup.yaml" >/dev/null
