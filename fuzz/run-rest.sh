#!/usr/bin/env bash
# Runs the given fuzz targets for SECONDS_PER_TARGET each, JOBS at a time.
set -uo pipefail
cd "$(dirname "$0")"
seconds=${SECONDS_PER_TARGET:-600}
jobs=${JOBS:-2}
export RUSTC_BOOTSTRAP=1
mkdir -p logs
run() {
  local target=$1
  cargo fuzz run -O "$target" "corpus/$target" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len=262144 \
    >"logs/$target.log" 2>&1
  echo "$target: exit $?; $(grep -a -E '^Done' "logs/$target.log" | tail -n 1)"
}
export -f run
export seconds
printf '%s\n' "$@" | xargs -P "$jobs" -I{} bash -c 'run {}'
