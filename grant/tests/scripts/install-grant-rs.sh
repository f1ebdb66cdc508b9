#!/usr/bin/env bash
# Installs grant-rs (crates.io crate `grant`, 0.0.1-beta.3) into
# ~/.cache/infra-as-yaml/grant-rs, once: the side-by-side tests
# (grant/tests/vs_grant_rs.rs) apply the same configuration with it and with
# this tool. Idempotent: an installed binary of that version is kept. Fails
# loudly (exit 1, with cargo's log) when it cannot install.
#
# usage: grant/tests/scripts/install-grant-rs.sh   (prints the binary's path)
set -euo pipefail

VERSION=0.0.1-beta.3
# Outside the checkout, so that a fresh clone on the same machine (CI) does
# not build it again; GRANT_RS_ROOT overrides.
DEST="${GRANT_RS_ROOT:-${XDG_CACHE_HOME:-$HOME/.cache}/infra-as-yaml/grant-rs}"
BIN="$DEST/bin/grant"
export PATH="$HOME/.cargo/bin:$PATH"

if [ -x "$BIN" ] && [ -f "$DEST/.version" ] && [ "$(cat "$DEST/.version")" = "$VERSION" ]; then
  echo "$BIN"
  exit 0
fi
mkdir -p "$DEST"
# One install at a time (tests may call this concurrently).
exec 9>"$DEST/.lock"
flock 9
if [ -x "$BIN" ] && [ -f "$DEST/.version" ] && [ "$(cat "$DEST/.version")" = "$VERSION" ]; then
  echo "$BIN"
  exit 0
fi
printf '[grant-rs] cargo install grant --version %s (once; a few minutes)\n' "$VERSION" >&2
start=$(date +%s)
# Its own target dir, so that the workspace's build is not disturbed.
if ! CARGO_TARGET_DIR="$DEST/target" cargo install grant --version "$VERSION" --locked \
    --root "$DEST" --force >"$DEST/install.log" 2>&1; then
  tail -n 40 "$DEST/install.log" >&2
  printf '[grant-rs] ERROR: cargo install grant %s failed (log: %s)\n' "$VERSION" "$DEST/install.log" >&2
  exit 1
fi
rm -rf "$DEST/target"
echo "$VERSION" >"$DEST/.version"
printf '[grant-rs] installed in %ss\n' "$(( $(date +%s) - start ))" >&2
echo "$BIN"
