#!/usr/bin/env bash
# Benchmarks for `athena` (not timed tests). Figures go to docs/athena-benchmarks.md.
#
# Needs moto_server on PATH and a built binary (cargo build --release -p athena).
# Starts private moto servers on ports 5101/5102 so the shared one is untouched.
#   athena/bench/run.sh [path/to/athena]
set -euo pipefail
BIN=${1:-target/release/athena}
BIN=$(realpath "$BIN")
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

start_moto() { # port
  moto_server -H 127.0.0.1 -p "$1" >/dev/null 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$1/" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "moto did not start on $1" >&2; exit 1
}
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true NO_COLOR=1
# Athena statements (views) need a result location (the plan checks it).
export AWS_OUTPUT_LOCATION=s3://bench-results/
timeit() { # prints seconds, or FAILED with the command's stderr
  local s e; s=$(date +%s.%N)
  if ! "$@" >/dev/null 2>"$WORK/err"; then echo "FAILED: $(head -5 "$WORK/err")"; return 0; fi
  e=$(date +%s.%N); python3 -c "print(f'{$e-$s:.2f}')"
}

echo "== 1. Plan 5,000 tables x 30 columns"
start_moto 5101
export AWS_ENDPOINT_URL=http://127.0.0.1:5101
python3 - "$WORK/big.yaml" <<'PY'
import sys
types = ["bigint", "string", '"decimal(10,2)"']
cols = "\n".join(f"          - {{name: c{j}, type: {types[j % 3]}}}" for j in range(30))
out = ["databases:", "  - name: bench_big", "    tables:"]
for i in range(5000):
    out.append(f"      - name: t{i}\n        location: s3://bench/t{i}/\n        format: parquet\n        columns:\n{cols}")
open(sys.argv[1], "w").write("\n".join(out) + "\n")
PY
echo "plan, nothing exists yet (5,000 creates): $(timeit "$BIN" plan "$WORK/big.yaml") s"
echo "apply 5,000 CreateTable (parallelism 16): $(timeit "$BIN" --parallelism 16 apply --auto-approve "$WORK/big.yaml") s"
echo "plan, all exist (no changes): $(timeit "$BIN" plan "$WORK/big.yaml") s"
"$BIN" plan "$WORK/big.yaml" | tail -1

echo "== 2. 100 independent changes"
start_moto 5102
export AWS_ENDPOINT_URL=http://127.0.0.1:5102
# Each Athena query stays QUEUED for 2 polls and RUNNING for 2 polls.
curl -sf -X POST "$AWS_ENDPOINT_URL/moto-api/state-manager/set-transition" \
  -d '{"model_name": "athena::execution", "transition": {"progression": "manual", "times": 2}}' >/dev/null
views() { # db n
  python3 - "$1" "$2" <<'PY'
import sys
db, n = sys.argv[1], int(sys.argv[2])
print(f"databases:\n  - name: {db}\n    tables:\n      - {{name: base, location: s3://bench/base/, format: parquet, columns: [{{name: id, type: bigint}}]}}\n    views:")
for i in range(n):
    print(f"      - {{name: v{i}, sql: 'SELECT id + {i} AS x FROM base'}}")
PY
}
tables() { # db n extra_column
  python3 - "$1" "$2" "$3" <<'PY'
import sys
db, n, extra = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
print(f"databases:\n  - name: {db}\n    tables:")
for i in range(n):
    c = ", {name: extra, type: string}" if extra else ""
    print(f"      - {{name: t{i}, location: s3://bench/{db}/t{i}/, format: parquet, columns: [{{name: id, type: bigint}}{c}]}}")
PY
}
views bench_views_par 100 > "$WORK/vp.yaml"; views bench_views_seq 100 > "$WORK/vs.yaml"
"$BIN" apply --auto-approve "$WORK/vp.yaml" >/dev/null 2>&1 || true  # database + base table (views stay planned on moto)
"$BIN" apply --auto-approve "$WORK/vs.yaml" >/dev/null 2>&1 || true
echo "Athena path, 100 CREATE OR REPLACE VIEW, parallelism 16: $(timeit "$BIN" --parallelism 16 apply --auto-approve "$WORK/vp.yaml") s"
echo "Athena path, 100 CREATE OR REPLACE VIEW, parallelism 1:  $(timeit "$BIN" --parallelism 1 apply --auto-approve "$WORK/vs.yaml") s"
tables bench_glue_par 100 0 > "$WORK/gp0.yaml"; tables bench_glue_par 100 1 > "$WORK/gp1.yaml"
tables bench_glue_seq 100 0 > "$WORK/gs0.yaml"; tables bench_glue_seq 100 1 > "$WORK/gs1.yaml"
echo "Glue path, 100 CreateTable, parallelism 16: $(timeit "$BIN" --parallelism 16 apply --auto-approve "$WORK/gp0.yaml") s"
echo "Glue path, 100 CreateTable, parallelism 1:  $(timeit "$BIN" --parallelism 1 apply --auto-approve "$WORK/gs0.yaml") s"
echo "Glue path, 100 UpdateTable (add column), parallelism 16: $(timeit "$BIN" --parallelism 16 apply --auto-approve "$WORK/gp1.yaml") s"
echo "Glue path, 100 UpdateTable (add column), parallelism 1:  $(timeit "$BIN" --parallelism 1 apply --auto-approve "$WORK/gs1.yaml") s"
echo "athena-rs approach (sequential, 5 s sleep whenever a query is not finished at the first poll):"
echo "  100 statements x >= 5 s = >= 500 s (lower bound; each query here needs 4 non-final polls = 20 s, i.e. 2,000 s)"
