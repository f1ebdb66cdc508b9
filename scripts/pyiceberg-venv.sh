#!/usr/bin/env bash
# The athena tests' independent Iceberg writer: pyiceberg (PyPI) in its own
# virtualenv at .services/pyiceberg, from the pinned list in
# athena/tests/support/pyiceberg-requirements.txt (s3fs brings a botocore
# that must not replace the system boto3's). Idempotent: does nothing when
# the venv already holds exactly that list.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REQ="$ROOT/athena/tests/support/pyiceberg-requirements.txt"
VENV="$ROOT/.services/pyiceberg"
STAMP="$VENV/.requirements"
if [ -x "$VENV/bin/python" ] && cmp -s "$REQ" "$STAMP" \
    && "$VENV/bin/python" -c 'import pyiceberg.catalog.glue, s3fs' 2>/dev/null; then
  exit 0
fi
echo "[services] installing pyiceberg into $VENV (pip)" >&2
mkdir -p "$ROOT/.services"
if ! python3 -m venv --clear "$VENV" >"$ROOT/.services/pyiceberg-install.log" 2>&1; then
  # Debian's python3 needs python3-venv for ensurepip.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >>"$ROOT/.services/pyiceberg-install.log" 2>&1 || true
  python3 -m venv --clear "$VENV" >>"$ROOT/.services/pyiceberg-install.log" 2>&1 || {
    tail -n 20 "$ROOT/.services/pyiceberg-install.log" >&2
    echo "[services] ERROR: python3 -m venv failed (install python3-venv)" >&2
    exit 1
  }
fi
if ! "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQ" \
    >>"$ROOT/.services/pyiceberg-install.log" 2>&1; then
  tail -n 40 "$ROOT/.services/pyiceberg-install.log" >&2
  echo "[services] ERROR: pip install of pyiceberg failed" >&2
  exit 1
fi
cp "$REQ" "$STAMP"
