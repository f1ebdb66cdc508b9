#!/usr/bin/env bash
# Editor support: every example validates against its tool's published JSON
# Schema (schemas/<tool>.schema.json) with check-jsonschema, a deliberately
# wrong file does not, and the published schemas equal what `<tool> schema`
# prints now. Expects the tools built in target/debug.
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
  printf 'this_key_does_not_exist: true\n' > "$tmp/wrong-$tool.yaml"
  if check-jsonschema --schemafile "$schema" "$tmp/wrong-$tool.yaml" >/dev/null 2>&1; then
    ko "a wrong $tool file passed the schema"
  else
    ok "a wrong $tool file is rejected by the schema"
  fi
done
echo "schemas: $passed passed, $failed failed"
[ "$failed" = 0 ]
