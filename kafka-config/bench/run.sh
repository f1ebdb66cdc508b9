#!/usr/bin/env bash
# Benchmark (not a timed test): plan time with 10,000 topics x 3 overrides,
# and apply time of 1,000 topic creations, against the local broker.
#
# usage: kafka-config/bench/run.sh [N_TOPICS=10000] [N_CREATE=1000]
# env:   KAFKA_BOOTSTRAP (default 127.0.0.1:9092), BIN (default: release build)
# Record the figures in docs/kafka-config-benchmarks.md.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
N=${1:-10000}
M=${2:-1000}
BOOT=${KAFKA_BOOTSTRAP:-127.0.0.1:9092}
if [ -z "${BIN:-}" ]; then
  (cd "$ROOT" && cargo build --release -p kafka-config >&2)
  BIN="$ROOT/target/release/kafka-config"
fi
RUN="bench$$"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

gen() { # gen DIR COUNT NAME_PREFIX DELETE?
  local dir=$1 count=$2 prefix=$3 unmanaged=${4:-report}
  mkdir -p "$dir"
  cat > "$dir/cluster.yaml" <<YAML
clusters:
  bench:
    bootstrap_servers: ["$BOOT"]
    request_timeout: 120s
settings:
  scope: ['^$prefix']
deletion:
  unmanaged: $unmanaged
YAML
  python3 - "$dir/topics.yaml" "$count" "$prefix" <<'PY'
import sys
path, n, prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(path, "w") as f:
    f.write("defaults:\n  partitions: 1\n  replication_factor: 1\n")
    f.write("topics:\n" if n else "topics: []\n")
    for i in range(n):
        f.write(f"  - name: {prefix}t{i:05d}\n    configs: {{retention.ms: {i % 7 + 1}d, segment.bytes: 256MiB, cleanup.policy: delete}}\n")
PY
}

t() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); python3 -c "print(f'{$e-$s:.2f}')"; }

echo "== $N topics x 3 overrides (prefix ${RUN}a)"
gen "$WORK/big" "$N" "${RUN}a"
echo "apply (create $N topics): $(t "$BIN" apply --auto-approve "$WORK/big") s"
for i in 1 2 3; do echo "plan (no changes) run $i: $(t "$BIN" plan "$WORK/big") s"; done

echo "== $M topic creations (prefix ${RUN}b)"
gen "$WORK/small" "$M" "${RUN}b"
echo "apply (create $M topics): $(t "$BIN" apply --auto-approve "$WORK/small") s"

echo "== cleanup"
for d in big small; do
  gen "$WORK/empty-$d" 0 "${RUN}$([ $d = big ] && echo a || echo b)" delete
  "$BIN" apply --auto-approve --allow-destructive "$WORK/empty-$d" >/dev/null
done
echo done
