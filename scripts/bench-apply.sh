#!/usr/bin/env bash
# Benchmark (not a test): `harness apply` (release build) against a GNU patch
# loop (`patch -p1 -N -F2`, series order, on a scratch copy of the files the
# series touches, made outside the timing), interleaved round by round (the
# order alternates each round; this machine drifts by a quarter within an
# hour, so both sides are measured under the same conditions). Two cases:
#   right tree: the 72-patch PREEMPT_RT series on linux-6.1, the tree it was
#               written for (target: harness >= 10x the GNU loop);
#   wrong tree: the same series on linux-6.12, where about 140 hunks fail and
#               every one is diagnosed (target: harness within 2x GNU, i.e.
#               ratio >= 0.5).
# The tree is named as users name it (`--tree linux-6.1`), so resolving the
# pinned tree and checking what was read are in the timing. Prints medians
# and ratios, then checks that the verdicts on linux-6.1 are identical hunk by
# hunk (the differential test, release build). Exit 1 when a target is
# missed or the verdicts differ.
#
# Usage: scripts/bench-apply.sh [ROUNDS]      (default 10)
# Env:   HARNESS (a harness binary to time instead of building the release
#        one; the verdict check still builds the test), CARGO_TARGET_DIR
#        (default: target), SERIES_DIR (default: patches/preempt-rt),
#        RIGHT (default linux-6.1), WRONG (default linux-6.12; empty: skip).
# Needs: patch, awk (scripts/host-packages.txt).
set -euo pipefail

rounds=${1:-10}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
for tool in patch cargo awk; do
    command -v "$tool" >/dev/null || { echo "bench-apply: $tool is missing (see scripts/host-packages.txt)" >&2; exit 2; }
done

target=${CARGO_TARGET_DIR:-$root/target}
export CARGO_TARGET_DIR=$target
series_dir=${SERIES_DIR:-$root/patches/preempt-rt}
right=${RIGHT:-linux-6.1}
wrong=${WRONG-linux-6.12}

if [ -n "${HARNESS:-}" ]; then
    harness=$HARNESS
else
    echo "== building harness (release)" >&2
    cargo build --release -p harness >&2
    harness=$target/release/harness
fi

work=$(mktemp -d /tmp/bench-apply.XXXXXX)
trap 'rm -rf "$work"' EXIT

# The patches in series order (quilt: name [-pN], # comments).
sed -e 's/#.*//' "$series_dir/series" | awk 'NF {print $1}' > "$work/series"
npatches=$(wc -l < "$work/series")

now() { echo "${EPOCHREALTIME/./}"; }   # microseconds

# setup NAME: the tree's path, the files of the series it has, scratch scripts.
setup() {
    local name=$1 tree
    tree=$("$harness" tree path "$name") || { echo "bench-apply: harness tree path $name failed" >&2; exit 2; }
    [ -f "$tree/Makefile" ] || { echo "bench-apply: no kernel tree at $tree" >&2; exit 2; }
    (cd "$series_dir" && xargs -a "$work/series" cat) \
        | sed -n -E 's@^(---|\+\+\+) [ab]/([^\t]*).*@\2@p' | sort -u \
        | while IFS= read -r f; do [ -f "$tree/$f" ] && printf '%s\n' "$f"; done > "$work/$name.files"
    echo "$tree" > "$work/$name.path"
}

prepare() {  # prepare NAME: a fresh scratch copy of the files
    local tree
    tree=$(cat "$work/$1.path")
    rm -rf "$work/scratch" && mkdir -p "$work/scratch"
    (cd "$tree" && xargs -a "$work/$1.files" cp --parents -t "$work/scratch")
}

gnu_loop() {
    (cd "$work/scratch" && while IFS= read -r p; do
        LC_ALL=C patch -p1 -N -F2 --batch --no-backup-if-mismatch -i "$series_dir/$p" > /dev/null 2>&1 || true
    done < "$work/series")
}

harness_apply() {  # exit 1 (hunks failed) is a result, not an error
    "$harness" apply "$series_dir" --tree "$1" --json "$work/h.json" > /dev/null 2>&1 || [ $? -eq 1 ]
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# bench NAME: ROUNDS interleaved rounds; prints "harness_us gnu_us".
bench() {
    local name=$1 r t0 h g
    : > "$work/h.times"; : > "$work/g.times"
    harness_apply "$name"; prepare "$name"; gnu_loop   # warm the page cache
    for ((r = 1; r <= rounds; r++)); do
        prepare "$name"
        if ((r % 2)); then
            t0=$(now); harness_apply "$name"; echo $(($(now) - t0)) >> "$work/h.times"
            t0=$(now); gnu_loop; echo $(($(now) - t0)) >> "$work/g.times"
        else
            t0=$(now); gnu_loop; echo $(($(now) - t0)) >> "$work/g.times"
            t0=$(now); harness_apply "$name"; echo $(($(now) - t0)) >> "$work/h.times"
        fi
    done
    h=$(median < "$work/h.times"); g=$(median < "$work/g.times")
    echo "$h $g"
}

missed=0
# report CASE NAME H G TARGET: print the case; TARGET is the least GNU/harness.
report() {
    local ratio
    ratio=$(awk -v g="$4" -v h="$3" 'BEGIN { printf "%.2f", g / h }')
    printf '%-11s %-11s harness %7.1f ms   GNU loop %7.1f ms   GNU/harness %6sx (target >= %s)\n' \
        "$1" "$2" "$(awk -v t="$3" 'BEGIN { print t / 1000 }')" "$(awk -v t="$4" 'BEGIN { print t / 1000 }')" "$ratio" "$5"
    awk -v r="$ratio" -v t="$5" 'BEGIN { exit !(r >= t) }' || missed=1
}

echo "== $npatches patches from $series_dir, $rounds interleaved rounds per case (medians)" >&2
setup "$right"
read -r h g < <(bench "$right")
echo
report "right tree" "$right" "$h" "$g" 10
if [ -n "$wrong" ]; then
    setup "$wrong"
    read -r h g < <(bench "$wrong")
    failed=$(grep -o '"status": *"failed"' "$work/h.json" | wc -l)
    report "wrong tree" "$wrong" "$h" "$g" 0.5
    echo "            ($wrong: $failed failed hunks or files in harness's report, each diagnosed)"
fi

echo "== verdicts: differential test (release build)" >&2
if cargo test --release -p harness --test gnu_differential preempt_rt_on_linux_6_1 -- --exact --nocapture > "$work/diff.log" 2>&1; then
    verdicts="identical (gnu_differential::preempt_rt_on_linux_6_1 passed)"
else
    verdicts="DIFFERENT (see below)"
fi
grep -A12 '^== patches-rt' "$work/diff.log" || true
echo "verdicts: $verdicts"
[ "$verdicts" != "DIFFERENT (see below)" ] || { tail -40 "$work/diff.log"; exit 1; }
[ "$missed" = 0 ] || { echo "bench-apply: a target was missed" >&2; exit 1; }
