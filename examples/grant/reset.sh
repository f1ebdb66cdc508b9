#!/usr/bin/env bash
# Makes the demo re-runnable: drops what a previous run created (the
# demo_grant database and the demo_* roles) and recreates the database with
# the application schema of setup.sql.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
ADMIN_URL="${GRANT_DEMO_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
DB_URL="${ADMIN_URL%/*}/demo_grant"
psql -X -q -v ON_ERROR_STOP=1 "$ADMIN_URL" <<'SQL'
SET client_min_messages = warning;
DROP DATABASE IF EXISTS demo_grant WITH (FORCE);
DO $$
DECLARE r text;
BEGIN
  FOR r IN SELECT rolname FROM pg_roles WHERE rolname LIKE 'demo\_%' LOOP
    EXECUTE format('DROP ROLE %I', r);
  END LOOP;
END $$;
CREATE DATABASE demo_grant;
SQL
psql -X -q -v ON_ERROR_STOP=1 "$DB_URL" -f setup.sql
echo "demo_grant database and demo_* roles reset."
