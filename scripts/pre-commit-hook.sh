#!/usr/bin/env bash
# Entry of the pre-commit hooks in .pre-commit-hooks.yaml:
#   pre-commit-hook.sh TOOL PATH...   runs `TOOL validate PATH` for each PATH.
# Uses TOOL from PATH when there, else builds it once from this repository.
set -euo pipefail
tool=${1:?usage: pre-commit-hook.sh TOOL PATH...}
shift
if [ $# -eq 0 ]; then
  echo "$tool-validate: give the configuration path in the hook's args, e.g. args: [infra/$tool]" >&2
  exit 1
fi
bin=$(command -v "$tool" || true)
if [ -z "$bin" ]; then
  repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  bin="$repo/target/release/$tool"
  if [ ! -x "$bin" ]; then
    echo "$tool-validate: building $tool once (cargo build --release)" >&2
    cargo build --quiet --release --manifest-path "$repo/Cargo.toml" -p "$tool" >&2
  fi
fi
rc=0
for path in "$@"; do
  "$bin" validate "$path" || rc=1
done
exit $rc
