#!/usr/bin/env bash
# Runs the whole benchmark suite, measures memory and regenerates BENCHMARKS.md and the
# summary in README.md. `benches/run.sh quick` uses short warm-up and measurement times
# for a first look; without it, criterion's defaults apply.
set -euo pipefail
cd "$(dirname "$0")/.."

args=()
if [ "${1:-}" = "quick" ]; then
    args=(-- --warm-up-time 1 --measurement-time 3)
fi

cargo bench -p ward-benches --bench '*' "${args[@]}"
mkdir -p target
cargo run --release -p ward-benches --bin memory > target/memory.txt
cargo run --release -p ward-benches --bin report
