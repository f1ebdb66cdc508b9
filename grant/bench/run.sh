#!/usr/bin/env bash
# Benchmark (not a timed test): 10,000 tables in 50 schemas, 500 roles,
# 100,000 table grants. 90,000 grants are made beforehand with SQL; `grant`
# then plans and applies the remaining 10,000, and plans again with all
# 100,000 in place. Figures go to docs/grant-benchmarks.md.
#
# Usage: grant/bench/run.sh   (PostgreSQL at $BENCH_ADMIN_URL, default
# postgres://postgres@127.0.0.1:5432/postgres; uses the database bench_grant
# and roles bench_g_*, dropped first).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ADMIN_URL="${BENCH_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
DB_URL="${ADMIN_URL%/*}/bench_grant"
SCHEMAS=50 TABLES=200 ROLES=500 PREGRANTED=450
# BENCH_PROFILE=debug uses the dev build (slower; no release build needed).
PROFILE="${BENCH_PROFILE:-release}"
if [ "$PROFILE" = release ]; then cargo build --release -p grant --quiet; else cargo build -p grant --quiet; fi
BIN=target/$PROFILE/grant
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

echo "== setup: $SCHEMAS schemas x $TABLES tables, $ROLES roles"
psql -X -q -v ON_ERROR_STOP=1 "$ADMIN_URL" <<SQL
SET client_min_messages = warning;
DROP DATABASE IF EXISTS bench_grant WITH (FORCE);
DO \$\$ DECLARE r text; BEGIN
  FOR r IN SELECT rolname FROM pg_roles WHERE rolname LIKE 'bench\_g\_%' LOOP EXECUTE format('DROP ROLE %I', r); END LOOP;
END \$\$;
CREATE DATABASE bench_grant;
SQL
# One statement per schema / role: a single transaction creating 10,000
# tables would exceed max_locks_per_transaction.
{
  echo "SET client_min_messages = warning;"
  for s in $(seq 0 $((SCHEMAS - 1))); do
    echo "CREATE SCHEMA s$s;"
    echo "DO \$\$ BEGIN FOR t IN 0..$((TABLES - 1)) LOOP EXECUTE format('CREATE TABLE s$s.t%s (id int, v text)', t); END LOOP; END \$\$;"
  done
  for r in $(seq 0 $((ROLES - 1))); do
    s=$((r % SCHEMAS))
    echo "CREATE ROLE bench_g_r$r; GRANT USAGE ON SCHEMA s$s TO bench_g_r$r;"
    if [ "$r" -lt "$PREGRANTED" ]; then echo "GRANT SELECT ON ALL TABLES IN SCHEMA s$s TO bench_g_r$r;"; fi
  done
} | psql -X -q -v ON_ERROR_STOP=1 "$DB_URL"

{
  echo "connection: {url: \"$DB_URL\"}"
  echo "managed_roles: {pattern: \"bench_g_*\"}"
  echo "roles:"
  for r in $(seq 0 $((ROLES - 1))); do echo "  - name: bench_g_r$r"; done
  echo "databases:"
  echo "  - name: bench_grant"
  echo "    grants:"
  for r in $(seq 0 $((ROLES - 1))); do
    s=$((r % SCHEMAS))
    echo "      - {to: [bench_g_r$r], on: schema, objects: [s$s], privileges: [USAGE]}"
    echo "      - {to: [bench_g_r$r], on: table, schema: s$s, objects: [\"*\"], privileges: [SELECT]}"
  done
} > "$WORK/bench.yaml"

t() { local start end; start=$(date +%s.%N); "$@" > "$WORK/out.txt"; end=$(date +%s.%N); echo "$end - $start" | bc; }
echo "== plan with 10,000 grants to make (90,000 in place)"
p1=$(t "$BIN" plan "$WORK/bench.yaml")
tail -1 "$WORK/out.txt"
echo "   ${p1}s"
echo "== apply 10,000 grant changes"
a1=$(t "$BIN" apply --auto-approve "$WORK/bench.yaml")
tail -1 "$WORK/out.txt"
echo "   ${a1}s"
echo "== plan with 100,000 grants in place"
p2=$(t "$BIN" plan "$WORK/bench.yaml")
tail -1 "$WORK/out.txt"
echo "   ${p2}s"
# Leave nothing behind: a 10,000-table database slows checkpoints for others.
psql -X -q "$ADMIN_URL" <<'SQL'
SET client_min_messages = warning;
DROP DATABASE IF EXISTS bench_grant WITH (FORCE);
DO $$ DECLARE r text; BEGIN
  FOR r IN SELECT rolname FROM pg_roles WHERE rolname LIKE 'bench\_g\_%' LOOP EXECUTE format('DROP ROLE %I', r); END LOOP;
END $$;
SQL
echo
echo "| step | seconds |"
echo "|---|---|"
echo "| plan (10,000 changes; 90,000 grants live) | $p1 |"
echo "| apply (10,000 grant changes, incl. re-read under lock) | $a1 |"
echo "| plan (no changes; 100,000 grants live) | $p2 |"
