#!/usr/bin/env bash
# The code-shape rules of docs/architecture.md, checked on every test run:
# no source file under */src/ over 700 lines, and no two modules of a crate
# that import each other (`use crate::a` in b and `use crate::b` in a,
# counting a module's files and its submodules as the module).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
python3 - <<'PY'
import pathlib, re, sys

MAX = 700
bad = []
for f in sorted(pathlib.Path(".").glob("*/src/**/*.rs")):
    if "target" in f.parts:
        continue
    n = sum(1 for _ in f.open(encoding="utf-8"))
    if n > MAX:
        bad.append(f"{f}: {n} lines (at most {MAX})")

def top_module(crate_src, f):
    rel = f.relative_to(crate_src).with_suffix("")
    first = rel.parts[0]
    return None if first in ("lib", "main") else first

use = re.compile(r"\bcrate::([a-z_][a-z0-9_]*)")
for src in sorted(pathlib.Path(".").glob("*/src")):
    edges = {}
    for f in src.rglob("*.rs"):
        m = top_module(src, f)
        if m is None or f.name == "tests.rs" or "tests" in f.relative_to(src).parts[:-1]:
            continue
        text = f.read_text(encoding="utf-8")
        # Unit tests may reach anywhere.
        text = text.split("#[cfg(test)]")[0]
        # Doc comments and comments may name anything.
        text = "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("//"))
        for t in use.findall(text):
            if t != m:
                edges.setdefault(m, set()).add(t)
    for a, targets in sorted(edges.items()):
        for b in sorted(targets):
            if a < b and a in edges.get(b, set()):
                bad.append(f"{src.parent}: modules `{a}` and `{b}` import each other")
if bad:
    print("check-structure:\n  " + "\n  ".join(bad), file=sys.stderr)
    sys.exit(1)
print("check-structure: files within 700 lines, no modules importing each other")
PY
