#!/usr/bin/env bash
# Measures test strength with cargo-mutants: scripts/mutants.sh [crate-dir...] [-- extra args]
#
# For each library crate (all of them when none is named) this mutates the code under
# src/, runs the crate's tests under nextest for every mutant, and prints one line:
# caught / missed / timeout / unviable and the score (caught out of the viable ones).
# The surviving mutants are listed in target/mutants/<crate>/mutants.out/missed.txt.
# Doctests are not run by nextest, so a mutant only a doctest would catch counts as missed.
set -euo pipefail
cd "$(dirname "$0")/.."

crates=()
extra=()
while [ "$#" -gt 0 ]; do
    if [ "$1" = "--" ]; then
        shift
        extra=("$@")
        break
    fi
    crates+=("$1")
    shift
done
[ "${#crates[@]}" -gt 0 ] || crates=(hlc vclock crdt fencing backoff quorum)

for tool in cargo-mutants cargo-nextest; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "installing $tool"
        cargo install --locked "$tool"
    fi
done

for dir in "${crates[@]}"; do
    pkg=$(sed -n 's/^name = "\(.*\)"/\1/p' "$dir/Cargo.toml" | head -n 1)
    out="target/mutants/$dir"
    mkdir -p "$out"
    cargo mutants --test-tool nextest --package "$pkg" --test-package "$pkg" \
        --all-features --output "$out" --no-shuffle "${extra[@]}" >"$out/log.txt" 2>&1 || true
    res="$out/mutants.out"
    count() {
        if [ -f "$res/$1.txt" ]; then
            grep -c . "$res/$1.txt" || true
        else
            echo 0
        fi
    }
    caught=$(count caught)
    missed=$(count missed)
    timeout=$(count timeout)
    unviable=$(count unviable)
    viable=$((caught + missed + timeout))
    if [ "$viable" -gt 0 ]; then
        score=$(awk "BEGIN { printf \"%.1f\", 100 * $((caught + timeout)) / $viable }")
    else
        score="n/a"
    fi
    echo "$pkg: caught $caught, missed $missed, timeout $timeout, unviable $unviable; score $score %"
done
