#!/usr/bin/env bash
# Entry of the pre-commit hooks in .pre-commit-hooks.yaml.
#
#   pre-commit-hook.sh TOOL [--path DIR]... [FILE]...
#
# With --path, validates each DIR as one configuration. Otherwise validates the
# directory of each changed FILE once, so that a configuration spread over
# several files of one directory is validated whole.
# Uses TOOL from PATH when there, else builds it once from this repository.
set -euo pipefail
tool=${1:?usage: pre-commit-hook.sh TOOL [--path DIR]... [FILE]...}
shift
paths=() files=()
while [ $# -gt 0 ]; do
  case "$1" in
    --path) paths+=("${2:?--path needs a directory}"); shift 2 ;;
    *) files+=("$1"); shift ;;
  esac
done
if [ ${#paths[@]} -eq 0 ]; then
  [ ${#files[@]} -gt 0 ] || exit 0
  mapfile -t paths < <(for f in "${files[@]}"; do dirname "$f"; done | sort -u)
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
for path in "${paths[@]}"; do
  "$bin" validate "$path" || rc=1
done
exit $rc
