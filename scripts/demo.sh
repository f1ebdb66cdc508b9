#!/usr/bin/env bash
# The README demo: for each tool, against the local services, `plan` shows a
# real diff, `apply` carries it out, and `plan` again shows "No changes".
# Re-runnable: each example's reset.sh (when present) first removes what the
# previous run created.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.cargo/bin:$PATH"

# The athena example talks to the local moto server through the standard AWS
# configuration; dummy credentials are all moto needs.
export AWS_ENDPOINT_URL=http://127.0.0.1:5000 AWS_REGION=us-east-1 \
  AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing

# The kafka-config example defines a local and a production-like cluster.
export KAFKA_CONFIG_ENV=local

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

scripts/services.sh up --core
step "building grant, kafka-config and athena (the first build compiles the dependencies: a few minutes)"
cargo build --workspace --bins

for tool in grant kafka-config athena; do
  example="examples/$tool"
  bin="target/debug/$tool"
  [ -d "$example" ] || { echo "demo: $example is missing" >&2; exit 1; }
  [ -x "$bin" ] || { echo "demo: $bin was not built" >&2; exit 1; }
  if [ -x "$example/reset.sh" ]; then "$example/reset.sh" >/dev/null; fi
  step "$tool plan $example"
  set +e; "$bin" plan "$example" --detailed-exitcode; rc=$?; set -e
  [ "$rc" = 2 ] || { echo "demo: expected changes from the first plan (exit 2), got exit $rc" >&2; exit 1; }
  step "$tool apply $example --auto-approve"
  "$bin" apply "$example" --auto-approve
  step "$tool plan $example (again)"
  "$bin" plan "$example" --detailed-exitcode \
    || { echo "demo: plan after apply is not empty for $tool" >&2; exit 1; }
done
step "demo complete"
