#!/usr/bin/env bash
# Runs the whole benchmark suite, measures memory and regenerates BENCHMARKS.md and the
# summary in README.md. `benches/run.sh quick` uses short warm-up and measurement times
# for a first look; without it, criterion's defaults apply.
#
# The run is recorded in target/bench-run.txt (when it started, the command it used), so the
# report includes only estimates this run wrote and quotes the command actually used.
set -euo pipefail
cd "$(dirname "$0")/.."

cmd=(cargo bench -p ward-benches --bench '*')
if [ "${1:-}" = "quick" ]; then
    cmd+=(-- --warm-up-time 1 --measurement-time 3)
fi

mkdir -p target
# Build first so that compilation time does not count as part of the run.
cargo bench -p ward-benches --bench '*' --no-run
# The command as a reader types it: the bench pattern quoted for the shell.
shown="${cmd[*]}"
shown="${shown/--bench \*/--bench \'*\'}"
printf 'started %s\ncommand %s\n' "$(date +%s)" "$shown" > target/bench-run.txt
"${cmd[@]}"
cargo run --release -p ward-benches --bin memory > target/memory.txt
cargo run --release -p ward-benches --bin report
