#!/usr/bin/env bash
# Benchmark (not a test): the cost of diagnosing failed hunks. For each N
# (default 100 and 800) it generates, deterministically, a C-like file of N
# functions and a patch with one hunk per function that does not apply
# (issues 23 item 6, 18 item 3):
#   - 2 in 3 hunks change a line the tree has rewritten (target changed);
#   - 1 in 3 hunks keep their changed line intact but a context line right
#     next to it differs (context drifted; fuzz 2 cannot skip it).
# The file grows with N, so a diagnosis that rescans the whole file per hunk
# grows as N x file; GNU patch (`--dry-run`) also searches the whole file for
# every failing hunk. Runs `harness apply` (release) and GNU patch alternately,
# RUNS times each, and prints the median times and their ratio (harness/GNU;
# target: at most 2). Exit 1 when a side does not give the expected result
# (harness exit 1 with N failed hunks; GNU exit 1).
#
# Usage: scripts/bench-diagnose.sh [RUNS] [N...]   (default 5 100 800)
# Env:   CARGO_TARGET_DIR (default: target); HARNESS (a binary to use
#        instead of building the release one).
# Needs: patch, cargo, awk.
set -euo pipefail

runs=${1:-5}
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100 800)
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
for tool in patch awk; do
    command -v "$tool" >/dev/null || { echo "bench-diagnose: $tool is missing" >&2; exit 2; }
done

if [ -z "${HARNESS:-}" ]; then
    export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
    echo "== building harness (release)" >&2
    cargo build --release -p harness >&2
    HARNESS=$CARGO_TARGET_DIR/release/harness
fi

work=$(mktemp -d /tmp/bench-diagnose.XXXXXX)
trap 'rm -rf "$work"' EXIT

# generate N DIR: DIR/tree/drivers/bench.c and DIR/bench.patch.
# Function k (0-based) is 12 lines, starting at line 12k+1; its hunk
# changes line 8 of it (the `compute_k` call), with 3 lines of context.
generate() {
    local n=$1 dir=$2
    mkdir -p "$dir/tree/drivers"
    awk -v n="$n" -v tree="$dir/tree/drivers/bench.c" -v patch="$dir/bench.patch" '
    function body(k, variant,   ret, comp) {
        ret = "\t\treturn ret;"
        comp = "\td->field_" k " = compute_" k "(d->base);"
        if (variant == "target") comp = "\td->field_" k " = compute_" k "_v2(d->base, 0);"
        if (variant == "context") ret = "\t\treturn ret < 0 ? ret : -EIO;"
        L[1] = "static int func_" k "(struct dev_" k " *d)"
        L[2] = "{"
        L[3] = "\tint ret;"
        L[4] = ""
        L[5] = "\tret = setup_" k "(d, " k ");"
        L[6] = "\tif (ret)"
        L[7] = ret
        L[8] = comp
        L[9] = "\twritel(d->field_" k ", d->regs + OFF_" k ");"
        L[10] = "\treturn 0;"
        L[11] = "}"
        L[12] = ""
    }
    BEGIN {
        printf "diff --git a/drivers/bench.c b/drivers/bench.c\n--- a/drivers/bench.c\n+++ b/drivers/bench.c\n" > patch
        for (k = 0; k < n; k++) {
            variant = (k % 3 == 2) ? "context" : "target"
            body(k, variant)
            for (i = 1; i <= 12; i++) print L[i] > tree
            body(k, "original")
            start = 12 * k + 5
            printf "@@ -%d,7 +%d,7 @@ static int func_%d(struct dev_%d *d)\n", start, start, k, k > patch
            printf " %s\n %s\n %s\n-%s\n+%s\n %s\n %s\n %s\n", L[5], L[6], L[7], L[8], \
                "\td->field_" k " = compute_" k "(d->base, FLAG_NEW);", L[9], L[10], L[11] > patch
        }
    }'
}

now_ns() { date +%s%N; }

# median of the numbers on stdin
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

status=0
printf '%-6s %-8s %12s %12s %8s\n' "hunks" "lines" "harness" "GNU patch" "ratio"
for n in "${sizes[@]}"; do
    dir=$work/n$n
    generate "$n" "$dir"
    lines=$(wc -l < "$dir/tree/drivers/bench.c")
    : > "$dir/h.times"
    : > "$dir/g.times"
    for _ in $(seq "$runs"); do
        t0=$(now_ns)
        rc=0
        "$HARNESS" apply "$dir/bench.patch" --tree "$dir/tree" --json "$dir/h.json" > /dev/null 2>&1 || rc=$?
        t1=$(now_ns)
        [ "$rc" -eq 1 ] || { echo "bench-diagnose: harness exited $rc for N=$n (want 1)" >&2; status=1; }
        echo $((t1 - t0)) >> "$dir/h.times"
        t0=$(now_ns)
        rc=0
        LC_ALL=C patch -p1 --dry-run -N -F2 --batch -d "$dir/tree" -i "$dir/bench.patch" > "$dir/g.out" 2>&1 || rc=$?
        t1=$(now_ns)
        [ "$rc" -eq 1 ] || { echo "bench-diagnose: GNU patch exited $rc for N=$n (want 1)" >&2; status=1; }
        echo $((t1 - t0)) >> "$dir/g.times"
    done
    failed=$(grep -c '"status": *"failed"' "$dir/h.json" || true)
    gnu_failed=$(grep -c 'FAILED at' "$dir/g.out" || true)
    [ "$gnu_failed" -eq "$n" ] || { echo "bench-diagnose: GNU failed $gnu_failed of $n hunks" >&2; status=1; }
    [ "$failed" -ge "$n" ] || { echo "bench-diagnose: harness report has $failed failed entries for $n hunks" >&2; status=1; }
    h=$(median < "$dir/h.times")
    g=$(median < "$dir/g.times")
    awk -v n="$n" -v l="$lines" -v h="$h" -v g="$g" \
        'BEGIN { printf "%-6d %-8d %10.3f s %10.3f s %7.2fx\n", n, l, h / 1e9, g / 1e9, h / g }'
done
echo "(median of $runs alternating runs each; ratio = harness / GNU patch --dry-run; target <= 2x)"
exit "$status"
