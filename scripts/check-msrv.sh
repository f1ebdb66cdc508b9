#!/usr/bin/env bash
# The workspace's `rust-version` must be true: at least the highest
# `rust-version` any locked dependency declares (the toolchains themselves
# cannot be downloaded here, so this is checked from the dependency graph;
# our own code needs 1.82 for `Option::is_none_or`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo metadata --format-version 1 --locked | python3 -c '
import json, sys
m = json.load(sys.stdin)
ver = lambda s: tuple(int(x) for x in s.split("."))
ws = {p["id"]: p for p in m["packages"] if p["id"] in m["workspace_members"]}
declared = {p["name"]: p.get("rust_version") for p in ws.values()}
missing = [n for n, v in declared.items() if not v]
if missing:
    sys.exit(f"check-msrv: no rust-version in {missing} (inherit it: rust-version.workspace = true)")
ours = min(ver(v) for v in declared.values())
deps = [(ver(p["rust_version"]), p["name"], p["version"]) for p in m["packages"]
        if p["id"] not in ws and p.get("rust_version")]
need, name, v = max(deps)
need = max(need, (1, 82))
show = lambda t: ".".join(map(str, t))
if ours < need:
    sys.exit(f"check-msrv: rust-version {show(ours)} is below {show(need)}, required by {name} {v}")
print(f"check-msrv: rust-version {show(ours)} >= {show(need)} (highest: {name} {v})")
'
