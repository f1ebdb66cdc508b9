#!/usr/bin/env bash
# Makes the demo re-runnable: deletes the demo.* topics a previous run created,
# with kafka-config itself (an empty configuration of the same scope that opts
# in to deleting unmanaged topics).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/reset.yaml" <<YAML
clusters:
  local:
    bootstrap_servers: ["\${KAFKA_BOOTSTRAP:-127.0.0.1:9092}"]
settings:
  scope: ['^demo\.']
deletion:
  unmanaged: delete
topics: []
YAML
target/debug/kafka-config apply --env local "$tmp/reset.yaml" --allow-destructive --auto-approve >/dev/null
echo "demo.* topics deleted."
