#!/usr/bin/env bash
# Benchmark (not a test): apply the 72-patch PREEMPT_RT series to linux-6.1
# with `harness apply` (release build) and with a GNU patch loop
# (`patch -p1 -N -F2`, series order) on a scratch copy of the files the series
# touches, in the same run, several repetitions each (hyperfine), then check
# that the verdicts are identical hunk by hunk (the differential test,
# release build). Prints both times and the ratio. Target: harness >= 3x.
#
# Usage: scripts/bench-apply.sh [RUNS]      (default 10)
# Env:   HARNESS (a harness binary to time instead of building the release
#        one; the verdict check still builds the test), CARGO_TARGET_DIR
#        (default: target), SERIES_DIR (default:
#        patches/preempt-rt; e.g. corpus/debian-linux-6.1.176/patches for
#        Debian's series), TREE (default: `harness tree path linux-6.1`).
# Needs: hyperfine, patch (scripts/host-packages.txt).
set -euo pipefail

runs=${1:-10}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
for tool in hyperfine patch cargo; do
    command -v "$tool" >/dev/null || { echo "bench-apply: $tool is missing (see scripts/host-packages.txt)" >&2; exit 2; }
done

target=${CARGO_TARGET_DIR:-$root/target}
export CARGO_TARGET_DIR=$target
series_dir=${SERIES_DIR:-$root/patches/preempt-rt}

if [ -n "${HARNESS:-}" ]; then
    harness=$HARNESS
else
    echo "== building harness (release)" >&2
    cargo build --release -p harness >&2
    harness=$target/release/harness
fi

if [ -z "${TREE:-}" ]; then
    TREE=$("$harness" tree path linux-6.1) || { echo "bench-apply: harness tree path linux-6.1 failed" >&2; exit 2; }
fi
[ -f "$TREE/Makefile" ] || { echo "bench-apply: no kernel tree at $TREE" >&2; exit 2; }

work=$(mktemp -d /tmp/bench-apply.XXXXXX)
trap 'rm -rf "$work"' EXIT

# The patches in series order (quilt: name [-pN], # comments).
sed -e 's/#.*//' "$series_dir/series" | awk 'NF {print $1}' > "$work/series"
npatches=$(wc -l < "$work/series")

# Files the series names (---/+++ lines, a/ b/ stripped), those that exist.
(cd "$series_dir" && xargs -a "$work/series" cat) \
    | sed -n -E 's@^(---|\+\+\+) [ab]/([^\t]*).*@\2@p' | sort -u \
    | while IFS= read -r f; do [ -f "$TREE/$f" ] && printf '%s\n' "$f"; done > "$work/files"
nfiles=$(wc -l < "$work/files")

cat > "$work/gnu-loop.sh" <<EOF
#!/bin/sh
cd "$work/scratch" || exit 2
while IFS= read -r p; do
    LC_ALL=C patch -p1 -N -F2 --batch --no-backup-if-mismatch -i "$series_dir/\$p" > /dev/null
done < "$work/series"
exit 0
EOF
cat > "$work/prepare.sh" <<EOF
#!/bin/sh
rm -rf "$work/scratch" && mkdir -p "$work/scratch" && cd "$TREE" && xargs -a "$work/files" cp --parents -t "$work/scratch"
EOF
chmod +x "$work/gnu-loop.sh" "$work/prepare.sh"

echo "== $npatches patches from $series_dir on $TREE ($nfiles files touched), $runs runs each" >&2
# Warm the page cache for both sides first.
"$harness" apply "$series_dir" --tree "$TREE" --json "$work/warm.json" > /dev/null 2>&1 || true
"$work/prepare.sh"

hyperfine --style basic --runs "$runs" --warmup 1 \
    --export-json "$work/hyperfine.json" \
    -n "harness apply" "'$harness' apply '$series_dir' --tree '$TREE' --json '$work/h.json' > /dev/null 2>&1 || [ \$? -eq 1 ]" \
    -n "GNU patch loop" --prepare "$work/prepare.sh" "$work/gnu-loop.sh"

# Means from hyperfine's JSON (no jq needed): first "mean" is harness.
means=$(grep -o '"mean": *[0-9.e+-]*' "$work/hyperfine.json" | sed 's/.*: *//')
h_mean=$(echo "$means" | sed -n 1p)
g_mean=$(echo "$means" | sed -n 2p)
ratio=$(awk -v g="$g_mean" -v h="$h_mean" 'BEGIN { printf "%.2f", g / h }')
echo
echo "harness apply : $(awk -v t="$h_mean" 'BEGIN { printf "%.3f s", t }') (mean of $runs)"
echo "GNU patch loop: $(awk -v t="$g_mean" 'BEGIN { printf "%.3f s", t }') (mean of $runs; scratch copy made outside the timing)"
echo "ratio GNU/harness: ${ratio}x (target >= 3x)"

echo "== verdicts: differential test (release build)" >&2
if cargo test --release -p harness --test gnu_differential preempt_rt_on_linux_6_1 -- --exact --nocapture > "$work/diff.log" 2>&1; then
    verdicts="identical (gnu_differential::preempt_rt_on_linux_6_1 passed)"
else
    verdicts="DIFFERENT (see below)"
fi
grep -A12 '^== patches-rt' "$work/diff.log" || true
echo "verdicts: $verdicts"
[ "$verdicts" != "DIFFERENT (see below)" ] || { tail -40 "$work/diff.log"; exit 1; }
