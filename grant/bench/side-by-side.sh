#!/usr/bin/env bash
# Side by side, in one run, on the same database: this tool, pgroles
# (`cargo install pgroles-cli`) and grant-rs (crate `grant` 0.0.1-beta.3).
# 10,000 tables in 50 schemas, 500 login roles, each granted USAGE on one
# schema and SELECT on its 200 tables (100,000 table grants); 90,000 are made
# beforehand with SQL. Steps: plan with 10,000 grants missing, apply them
# (the missing grants are revoked again before each tool's apply), plan
# converged. Wall time, CPU (user + system) and peak memory from
# /usr/bin/time. Figures go to docs/grant-benchmarks.md.
#
# Usage: grant/bench/side-by-side.sh   (PostgreSQL at $BENCH_ADMIN_URL,
# default postgres://postgres@127.0.0.1:5432/postgres; uses the database
# bench_sbs and roles bench_s_*, dropped before and after). pgroles and
# grant-rs are installed once under ~/.cache/infra-as-yaml (minutes on a
# fresh machine).
# pgroles runs with `--mode additive` so that it never touches roles outside
# the benchmark on a shared server.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$(pwd)
ADMIN_URL="${BENCH_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
DB_URL="${ADMIN_URL%/*}/bench_sbs"
SCHEMAS=50 TABLES=200 ROLES=500 PREGRANTED=450
export PATH="$HOME/.cargo/bin:$PATH"

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] ERROR: %s\n' "$*" >&2; exit 1; }

cargo build --release -p grant
OURS=target/release/grant
GRANT_RS=$(grant/tests/scripts/install-grant-rs.sh) || die "grant-rs could not be installed"
# pgroles 0.15.0 from crates.io, installed once outside the checkout (like
# grant-rs), so that worktrees and fresh clones on this machine share it;
# PGROLES_ROOT overrides. Its build takes ~10 minutes.
PGROLES_VERSION=0.15.0
PGROLES_ROOT="${PGROLES_ROOT:-${XDG_CACHE_HOME:-$HOME/.cache}/infra-as-yaml/pgroles}"
PGROLES="$PGROLES_ROOT/bin/pgroles"
if [ ! -x "$PGROLES" ]; then
  log "installing pgroles-cli $PGROLES_VERSION into $PGROLES_ROOT (once; ~10 minutes)"
  mkdir -p "$PGROLES_ROOT"
  TARGET=$(mktemp -d)
  CARGO_TARGET_DIR="$TARGET" nice -n 19 cargo install pgroles-cli --version "$PGROLES_VERSION" --locked \
    --root "$PGROLES_ROOT" >"$PGROLES_ROOT/install.log" 2>&1 \
    || { rm -rf "$TARGET"; tail -n 30 "$PGROLES_ROOT/install.log" >&2; die "cargo install pgroles-cli failed"; }
  rm -rf "$TARGET"
fi
WORK=$(mktemp -d)
cleanup() {
  rm -rf "$WORK"
  psql -X -q "$ADMIN_URL" <<'SQL' || true
SET client_min_messages = warning;
DROP DATABASE IF EXISTS bench_sbs WITH (FORCE);
DO $$ DECLARE r text; BEGIN
  FOR r IN SELECT rolname FROM pg_roles WHERE rolname LIKE 'bench\_s\_%' LOOP EXECUTE format('DROP ROLE %I', r); END LOOP;
END $$;
SQL
}
trap cleanup EXIT
cleanup
WORK=$(mktemp -d)

log "setup: $SCHEMAS schemas x $TABLES tables, $ROLES roles, $((PREGRANTED * TABLES)) grants made with SQL"
psql -X -q -v ON_ERROR_STOP=1 "$ADMIN_URL" -c "CREATE DATABASE bench_sbs"
{
  echo "SET client_min_messages = warning;"
  for s in $(seq 0 $((SCHEMAS - 1))); do
    echo "CREATE SCHEMA s$s;"
    echo "DO \$\$ BEGIN FOR t IN 0..$((TABLES - 1)) LOOP EXECUTE format('CREATE TABLE s$s.t%s (id int, v text)', t); END LOOP; END \$\$;"
  done
  for r in $(seq 0 $((ROLES - 1))); do
    s=$((r % SCHEMAS))
    echo "CREATE ROLE bench_s_r$r LOGIN; GRANT USAGE ON SCHEMA s$s TO bench_s_r$r;"
    if [ "$r" -lt "$PREGRANTED" ]; then echo "GRANT SELECT ON ALL TABLES IN SCHEMA s$s TO bench_s_r$r;"; fi
  done
} | psql -X -q -v ON_ERROR_STOP=1 "$DB_URL"

# The 10,000 grants the tools make: revoked again before each apply.
unapply() {
  for r in $(seq "$PREGRANTED" $((ROLES - 1))); do
    echo "REVOKE SELECT ON ALL TABLES IN SCHEMA s$((r % SCHEMAS)) FROM bench_s_r$r;"
  done | psql -X -q -v ON_ERROR_STOP=1 "$DB_URL"
}

# The same desired state in each tool's format.
{
  echo "connection: {url: \"$DB_URL\"}"
  echo "mode: additive"
  echo "roles:"
  for r in $(seq 0 $((ROLES - 1))); do echo "  - {name: bench_s_r$r, login: true}"; done
  echo "databases:"
  echo "  - name: bench_sbs"
  echo "    grants:"
  for r in $(seq 0 $((ROLES - 1))); do
    s=$((r % SCHEMAS))
    echo "      - {to: [bench_s_r$r], on: schema, objects: [s$s], privileges: [USAGE]}"
    echo "      - {to: [bench_s_r$r], on: table, schema: s$s, objects: [\"*\"], privileges: [SELECT]}"
  done
} > "$WORK/ours.yaml"
{
  echo "roles:"
  for r in $(seq 0 $((ROLES - 1))); do echo "  - {name: bench_s_r$r, login: true}"; done
  echo "grants:"
  for r in $(seq 0 $((ROLES - 1))); do
    s=$((r % SCHEMAS))
    echo "  - {role: bench_s_r$r, privileges: [USAGE], object: {type: schema, name: s$s}}"
    echo "  - {role: bench_s_r$r, privileges: [SELECT], object: {type: table, schema: s$s, name: \"*\"}}"
  done
} > "$WORK/pgroles.yaml"
{
  echo "connection: {type: postgres, url: \"$DB_URL\"}"
  echo "roles:"
  for s in $(seq 0 $((SCHEMAS - 1))); do
    echo "  - {name: usage_s$s, type: schema, grants: [USAGE], schemas: [s$s]}"
    echo "  - {name: select_s$s, type: table, grants: [SELECT], schemas: [s$s], tables: [ALL]}"
  done
  echo "users:"
  for r in $(seq 0 $((ROLES - 1))); do
    s=$((r % SCHEMAS))
    echo "  - {name: bench_s_r$r, roles: [usage_s$s, select_s$s]}"
  done
} > "$WORK/grant-rs.yaml"

RESULTS="$WORK/results.txt"
# measure LABEL CMD…: wall s, CPU s (user + system), peak RSS MB.
measure() {
  local label=$1; shift
  if ! /usr/bin/time -f "%e %U %S %M" -o "$WORK/time.txt" "$@" >"$WORK/out.txt" 2>&1; then
    # pgroles diff exits 2 when there are changes: not a failure.
    if ! grep -qE '^[0-9.]+ ' "$WORK/time.txt" || ! grep -q 'non-zero status 2' "$WORK/time.txt"; then
      tail -n 20 "$WORK/out.txt" >&2
      die "$label failed"
    fi
  fi
  local line; line=$(grep -E '^[0-9.]+ [0-9.]+ [0-9.]+ [0-9]+$' "$WORK/time.txt")
  read -r wall user sys rss <<<"$line"
  printf '%s|%s|%.2f|%d\n' "$label" "$wall" "$(echo "$user + $sys" | bc)" "$((rss / 1024))" | tee -a "$RESULTS" >&2
}

# Each apply must leave all 100,000 table grants in place (checked with SQL).
check_grants() {
  local n
  n=$(psql -X -Atq "$DB_URL" -c "SELECT count(*) FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a \
      JOIN pg_roles r ON r.oid = a.grantee WHERE r.rolname LIKE 'bench\_s\_%' AND a.privilege_type = 'SELECT'")
  [ "$n" = $((ROLES * TABLES)) ] || die "$1 left $n table grants, expected $((ROLES * TABLES))"
}

log "plan, 10,000 grants missing"
measure "grant plan (10,000 missing)" "$OURS" plan "$WORK/ours.yaml"
measure "pgroles diff (10,000 missing)" "$PGROLES" diff -f "$WORK/pgroles.yaml" --database-url "$DB_URL" --mode additive
measure "grant-rs apply --dryrun (10,000 missing)" "$GRANT_RS" apply -f "$WORK/grant-rs.yaml" --dryrun

log "apply 10,000 grants"
measure "grant apply (10,000)" "$OURS" apply --auto-approve "$WORK/ours.yaml"
check_grants "grant apply"
unapply
measure "pgroles apply (10,000)" "$PGROLES" apply -f "$WORK/pgroles.yaml" --database-url "$DB_URL" --mode additive
check_grants "pgroles apply"
unapply
measure "grant-rs apply (10,000)" "$GRANT_RS" apply -f "$WORK/grant-rs.yaml"
check_grants "grant-rs apply"

log "plan, converged (100,000 grants live)"
measure "grant plan (converged)" "$OURS" plan "$WORK/ours.yaml"
grep -q "No changes" "$WORK/out.txt" || die "grant plan is not converged"
measure "pgroles diff (converged)" "$PGROLES" diff -f "$WORK/pgroles.yaml" --database-url "$DB_URL" --mode additive

echo
echo "| step | wall s | CPU s | peak MB |"
echo "|---|---|---|---|"
while IFS='|' read -r label wall cpu rss; do
  echo "| $label | $wall | $cpu | $rss |"
done <"$RESULTS"
