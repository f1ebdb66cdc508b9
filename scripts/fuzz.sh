#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for a bounded time and prints, per
# target, the executions, exec/s, corpus size and findings. Not run by CI.
#
#   scripts/fuzz.sh                 # every target, 60 s each
#   FUZZ_SECONDS=600 scripts/fuzz.sh hive_type sql_split
#
# Only a stable toolchain is needed: RUSTC_BOOTSTRAP=1 lets it accept the
# nightly-only flags cargo-fuzz passes (-Zsanitizer is avoided with
# `--sanitizer none`; libFuzzer's coverage instrumentation and
# debug assertions are kept). Findings (crashing inputs) are written to
# fuzz/artifacts/<target>/; the corpus grows in fuzz/corpus/<target>/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export RUSTC_BOOTSTRAP=1

seconds="${FUZZ_SECONDS:-60}"
jobs_flag=()
[[ -n "${FUZZ_BUILD_JOBS:-}" ]] && jobs_flag=(--jobs "$FUZZ_BUILD_JOBS")

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  mapfile -t targets < <(cd fuzz && cargo fuzz list)
fi

echo "== building ${targets[*]}"
for t in "${targets[@]}"; do
  (cd fuzz && cargo fuzz build --sanitizer none "${jobs_flag[@]}" "$t")
done

logdir="fuzz/logs"
mkdir -p "$logdir"
summary=()
failed=0
for t in "${targets[@]}"; do
  echo "== fuzzing $t for ${seconds}s"
  mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
  before=$(find "fuzz/artifacts/$t" -type f | wc -l)
  log="$logdir/$t.log"
  set +e
  (cd fuzz && cargo fuzz run --sanitizer none "${jobs_flag[@]}" "$t" -- \
    -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=2048 \
    -timeout=10) >"$log" 2>&1
  rc=$?
  set -e
  after=$(find "fuzz/artifacts/$t" -type f | wc -l)
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  speed=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  corpus=$(find "fuzz/corpus/$t" -type f | wc -l)
  findings=$((after - before))
  if [[ $rc -ne 0 ]]; then
    failed=1
    echo "   $t exited with $rc; last lines of $log:"
    tail -n 25 "$log" | sed 's/^/   | /'
  fi
  line=$(printf '%-14s %12s execs %8s exec/s  corpus %6s  findings %s' \
    "$t" "${execs:-?}" "${speed:-?}" "$corpus" "$findings")
  echo "   $line"
  summary+=("$line")
done

echo
echo "== summary (${seconds}s per target; logs in $logdir, findings in fuzz/artifacts)"
printf '%s\n' "${summary[@]}"
exit "$failed"
