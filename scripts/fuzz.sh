#!/usr/bin/env bash
# Runs every fuzz target for a bounded time: scripts/fuzz.sh [seconds-per-target] [target...]
#
# Inputs start from the committed corpus in fuzz/corpus/<target>; what a run discovers goes
# to a scratch directory, so the committed corpus changes only when someone minimises a run
# into it on purpose (see TESTING.md). A crash leaves its input under fuzz/artifacts/ and
# makes this script exit non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-30}
shift || true

if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "installing cargo-fuzz"
    cargo install --locked cargo-fuzz
fi

# cargo-fuzz instruments with unstable compiler flags: use a nightly toolchain when one is
# installed, otherwise let the stable compiler accept them.
if command -v rustup >/dev/null 2>&1 && rustup toolchain list | grep -q '^nightly'; then
    fuzz=(cargo +nightly fuzz)
else
    export RUSTC_BOOTSTRAP=1
    fuzz=(cargo fuzz)
fi

if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <("${fuzz[@]}" list --fuzz-dir fuzz)
fi

"${fuzz[@]}" build --fuzz-dir fuzz -O

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for target in "${targets[@]}"; do
    mkdir -p "fuzz/corpus/$target" "$scratch/$target"
    started=$SECONDS
    "${fuzz[@]}" run --fuzz-dir fuzz -O "$target" "$scratch/$target" "fuzz/corpus/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        >"$scratch/$target.log" 2>&1 || {
        tail -n 60 "$scratch/$target.log"
        echo "fuzz target $target FAILED (input saved under fuzz/artifacts/$target)"
        exit 1
    }
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$scratch/$target.log" | tail -n 1)
    echo "fuzz $target: ${runs:-?} inputs in $((SECONDS - started)) s, no failure"
done
