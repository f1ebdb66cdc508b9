#!/usr/bin/env bash
# Template runs side by side: 100 statements over 20 tables (per table one
# CREATE EXTERNAL TABLE and four ALTER TABLE ADD PARTITION), against moto
# behind athena/bench/latency_proxy.py, which keeps every query RUNNING for
# 1 s after its start (Athena DDL takes about a second). Figures go to
# docs/athena-benchmarks.md.
#
#   athena/bench/templates.sh [path/to/athena] [path/to/athena-rs]
#
# The second binary is athena-rs, built by you from its sources outside this
# repository (this script does not build it); without it only this tool runs.
# Needs moto_server, python3 with boto3. Uses ports 5103 (moto), 5104 (proxy).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=$(realpath "${1:-target/release/athena}")
ATHENA_RS=${2:-}
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 \
  AWS_EC2_METADATA_DISABLED=true NO_COLOR=1 AWS_OUTPUT_LOCATION=s3://bench-results/
wait_port() { for _ in $(seq 1 100); do curl -s "http://127.0.0.1:$1/" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "nothing on $1" >&2; exit 1; }

python3 - "$WORK/tpl" <<'PY'
import os, sys
d = os.path.join(sys.argv[1], "bench")
os.makedirs(d)
out = []
for t in range(20):
    out.append(f"/* Database: bench_tpl */\nCREATE EXTERNAL TABLE IF NOT EXISTS `t{t}` (id bigint, v string)\nPARTITIONED BY (dt string)\nSTORED AS PARQUET\nLOCATION 's3://bench/t{t}/';")
for p in range(4):
    for t in range(20):
        out.append(f"/* Database: bench_tpl */\nALTER TABLE t{t} ADD IF NOT EXISTS PARTITION (dt = '2024-01-0{p + 1}') LOCATION 's3://bench/t{t}/dt=2024-01-0{p + 1}/';")
open(os.path.join(d, "index.sql"), "w").write("\n\n".join(out) + "\n")
PY

run() { # label, command...: a fresh moto and proxy per run; prints seconds and what moto recorded
  local label=$1; shift
  moto_server -H 127.0.0.1 -p 5103 >/dev/null 2>&1 & PIDS+=($!); local moto=$!
  wait_port 5103
  python3 "$HERE/latency_proxy.py" 5104 http://127.0.0.1:5103 1.0 & PIDS+=($!); local proxy=$!
  wait_port 5104
  local s e; s=$(date +%s.%N)
  (cd "$WORK/tpl" && AWS_ENDPOINT_URL=http://127.0.0.1:5104 "$@" >"$WORK/$label.out" 2>"$WORK/$label.err") || echo "$label: exit $?"
  e=$(date +%s.%N)
  python3 "$HERE/../tests/support/moto_queries.py" http://127.0.0.1:5103 > "$WORK/$label.json"
  python3 - "$WORK/$label.json" "$label" "$s" "$e" <<'PY'
import json, sys
q = json.load(open(sys.argv[1]))
ok = sum(1 for x in q if x["state"] == "SUCCEEDED")
print(f"{sys.argv[2]}: {float(sys.argv[4]) - float(sys.argv[3]):.1f} s, {len(q)} queries recorded ({ok} SUCCEEDED)")
PY
  kill "$proxy" "$moto"; wait "$proxy" "$moto" 2>/dev/null || true
}
same() { # a b: the same statements and databases were sent (as sets)
  python3 - "$WORK/$1.json" "$WORK/$2.json" <<'PY'
import json, sys
a, b = (sorted((x["query"], x["database"] or "") for x in json.load(open(p))) for p in sys.argv[1:])
print("same statements and databases sent:", a == b)
PY
}
[ -n "$ATHENA_RS" ] && run athena-rs "$(realpath "$ATHENA_RS")" apply bench --no-pretty true
run sequential "$BIN" apply bench --no-pretty true
run parallel20 "$BIN" apply bench --no-pretty true --parallelism 20
same sequential parallel20
[ -n "$ATHENA_RS" ] && same athena-rs parallel20
exit 0
