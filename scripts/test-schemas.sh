#!/usr/bin/env bash
# Editor support: every example and each tool's documented configuration
# reference validate against the tool's published JSON Schema
# (schemas/<tool>.schema.json) with check-jsonschema, a deliberately wrong file
# does not, and the published schemas equal what `<tool> schema` prints now.
# Also checks the generated command-line extras (--version with the git
# revision, shell completions, man page). Expects the tools in target/debug.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
command -v check-jsonschema >/dev/null || python3 -m pip install --quiet check-jsonschema
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
ok() { echo "ok   $1"; passed=$((passed+1)); }
ko() { echo "FAIL $1"; failed=$((failed+1)); }
for tool in grant kafka-config athena; do
  schema="schemas/$tool.schema.json"
  "target/debug/$tool" schema > "$tmp/$tool.json"
  if python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1])) != json.load(open(sys.argv[2])))' "$tmp/$tool.json" "$schema"; then
    ok "$schema matches \`$tool schema\`"
  else
    ko "$schema is stale: run \`$tool schema > $schema\`"
  fi
  for f in examples/"$tool"/*.yaml; do
    if head -n 1 "$f" | grep -q "yaml-language-server: \$schema=../../$schema"; then ok "$f has the schema modeline"; else ko "$f lacks the modeline for $schema"; fi
    if out=$(check-jsonschema --schemafile "$schema" "$f" 2>&1); then ok "$f validates"; else ko "$f does not validate"; echo "$out"; fi
  done
  # The configuration reference in docs/<tool>.md stays in step with the code.
  python3 - "docs/$tool.md" "$tmp/doc-$tool.yaml" <<'PY'
import re, sys
doc = open(sys.argv[1]).read()
section = doc.split("## Configuration reference", 1)[-1]
blocks = re.findall(r"```yaml\n(.*?)```", section, re.S)
open(sys.argv[2], "w").write(blocks[0] if blocks else "")
PY
  if [ -s "$tmp/doc-$tool.yaml" ] && check-jsonschema --schemafile "$schema" "$tmp/doc-$tool.yaml" >/dev/null 2>&1; then
    ok "docs/$tool.md configuration reference validates against $schema"
  else
    ko "docs/$tool.md configuration reference is missing or does not match $schema"
  fi
  printf 'this_key_does_not_exist: true\n' > "$tmp/wrong-$tool.yaml"
  if check-jsonschema --schemafile "$schema" "$tmp/wrong-$tool.yaml" >/dev/null 2>&1; then
    ko "a wrong $tool file passed the schema"
  else
    ok "a wrong $tool file is rejected by the schema"
  fi
done
for tool in grant kafka-config athena; do
  bin="target/debug/$tool"
  out=$("$bin" --version)
  if grep -Eq "^$tool [0-9.]+ \(git ([0-9a-f]+|unknown)\)" <<<"$out"; then ok "$tool --version names the git revision"; else ko "$tool --version"; fi
  for sh in bash zsh fish; do
    out=$("$bin" completions "$sh")
    if grep -q -- "$tool" <<<"$out"; then ok "$tool completions $sh"; else ko "$tool completions $sh"; fi
  done
  out=$("$bin" man)
  if grep -q '^\.TH' <<<"$out"; then ok "$tool man renders a man page"; else ko "$tool man"; fi
done
echo "schemas and cli: $passed passed, $failed failed"
[ "$failed" = 0 ]
