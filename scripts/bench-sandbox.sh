#!/bin/sh
# Benchmark: the cost of the bubblewrap sandbox on a kernel build step.
# A full kernel build is expensive (3+ min with -j2), so this times
# `make tinyconfig` + `make -j2 scripts prepare` (host tools and generated headers:
# ~1/10 of a tinyconfig build, the same make/gcc process mix) on linux-6.1,
# unsandboxed and sandboxed, alternating, in fresh O= directories, REPS times each.
# It also compares the resulting .config files (must be identical).
#
# usage: scripts/bench-sandbox.sh [REPS]     (default 2)
# env:   HARNESS / SANDBOXED: binaries (default: built with cargo)
set -eu
REPS=${1:-2}
WORK=${WORK:-/var/tmp/harness-bench-sandbox}
T=${CARGO_TARGET_DIR:-target}
if [ -z "${HARNESS:-}" ]; then cargo build -q -p harness; HARNESS=$T/debug/harness; fi
if [ -z "${SANDBOXED:-}" ]; then
  cargo build -q -p harness-sandbox --example sandboxed; SANDBOXED=$T/debug/examples/sandboxed
fi
rm -rf "$WORK"; mkdir -p "$WORK"
"$HARNESS" tree worktree linux-6.1 "$WORK/src" >/dev/null
now() { date +%s.%N; }
step() { # $1 = label, $2 = --no-sandbox or empty, $3 = build dir
  mkdir -p "$3"
  t0=$(now)
  "$SANDBOXED" $2 -w "$WORK/src" -w "$3" -- make -s -C "$WORK/src" O="$3" tinyconfig >/dev/null
  "$SANDBOXED" $2 -w "$WORK/src" -w "$3" -- make -s -j2 -C "$WORK/src" O="$3" scripts prepare >/dev/null 2>&1
  t1=$(now)
  echo "$1: $(echo "$t1 - $t0" | bc) s"
}
i=1
while [ "$i" -le "$REPS" ]; do
  step "unsandboxed #$i" --no-sandbox "$WORK/plain$i"
  step "sandboxed   #$i" "" "$WORK/sbx$i"
  i=$((i + 1))
done
cmp "$WORK/plain1/.config" "$WORK/sbx1/.config" && echo ".config identical sandboxed and not"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs (numbers are only comparable on a quiet machine)"
rm -rf "$WORK"
