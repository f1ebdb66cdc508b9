#!/usr/bin/env bash
# Tests the pre-commit hooks with the real framework: `pre-commit try-repo`
# against a temporary git repository holding a good and a bad configuration
# per tool. The bad one must fail with a file:line:column message.
# Expects the tools built in target/debug (cargo build --workspace --bins).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
command -v pre-commit >/dev/null || python3 -m pip install --quiet pre-commit
export PATH="$ROOT/target/debug:$PATH"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PRE_COMMIT_HOME="$work/cache"
cd "$work"
git init -q repo && cd repo
git config user.email t@example.com && git config user.name test
passed=0 failed=0
check() { # NAME EXPECTED_RC CMD...
  local name=$1 want=$2; shift 2
  set +e; out=$("$@" 2>&1); rc=$?; set -e
  if { [ "$want" = 0 ] && [ $rc = 0 ]; } || { [ "$want" != 0 ] && [ $rc != 0 ] && grep -qE "$want" <<<"$out"; }; then
    echo "ok   $name"; passed=$((passed+1))
  else
    echo "FAIL $name (exit $rc)"; echo "$out" | tail -n 20; failed=$((failed+1))
  fi
}
for tool in grant kafka-config athena; do
  mkdir -p "good/$tool" "bad/$tool"
  cp "$ROOT/examples/$tool/"*.yaml "good/$tool/"
  printf 'definitely_not_a_key: 1\n' > "bad/$tool/broken.yaml"
done
git add -A && git commit -qm fixtures
for tool in grant kafka-config athena; do
  good=$(ls good/$tool/*.yaml | head -n 1)
  check "$tool-validate accepts examples/$tool" 0 \
    pre-commit try-repo "$ROOT" "$tool-validate" --files "$good"
  check "$tool-validate rejects a bad file with its location" "bad/$tool/broken.yaml:1:1" \
    pre-commit try-repo "$ROOT" "$tool-validate" --files "bad/$tool/broken.yaml"
done
echo "pre-commit: $passed passed, $failed failed"
[ "$failed" = 0 ]
