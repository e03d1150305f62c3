#!/usr/bin/env bash
# Runs every fuzz target for SECONDS_PER_TARGET (default 600), JOBS at a time (default 2), and
# prints each target's last libFuzzer status line. Needs cargo-fuzz; on a stable toolchain it
# runs with RUSTC_BOOTSTRAP=1 (see docs/fuzzing.md).
set -uo pipefail
cd "$(dirname "$0")"
seconds=${SECONDS_PER_TARGET:-600}
jobs=${JOBS:-2}
export RUSTC_BOOTSTRAP=1
./seed.sh >/dev/null
cargo fuzz build -O >/dev/null 2>&1 || { echo "cargo fuzz build failed"; exit 1; }
mkdir -p logs
targets=$(cargo fuzz list)
run() {
  local target=$1
  cargo fuzz run -O "$target" "corpus/$target" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len=262144 \
    >"logs/$target.log" 2>&1
  local status=$?
  echo "$target: exit $status; $(grep -E '^(Done|#[0-9]+ +DONE)' "logs/$target.log" | tail -n 1)"
}
export -f run
export seconds
printf '%s\n' $targets | xargs -P "$jobs" -I{} bash -c 'run {}'
