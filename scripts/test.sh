#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs and starts the local
# services, checks formatting and lints, runs every unit, snapshot and
# integration test against the real services, then the README demo.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.cargo/bin:$PATH"

scripts/services.sh up
echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "== actionlint"
scripts/lint-workflows.sh
echo "== rust-version, code shape"
scripts/check-msrv.sh
scripts/check-structure.sh
echo "== cargo test"
cargo test --workspace --no-fail-fast
echo "== pre-commit hooks (pre-commit try-repo)"
cargo build --workspace --bins --quiet
scripts/test-precommit.sh
echo "== JSON Schemas, docs reference, completions, man pages"
scripts/test-schemas.sh
echo "== demo"
scripts/demo.sh
