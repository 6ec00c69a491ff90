#!/usr/bin/env bash
# Benchmark kernel build reuse on linux-6.1 (issue 6):
#   1. one cold build (netns-base + ip-multiple-tables-y), fresh O= dir, no ccache
#   2. the 2-config pair (IP_MULTIPLE_TABLES y then n), strategy "switch":
#      one O= dir, config switched, artifacts cached per config
#   3. the same pair, strategy "separate": one O= dir per config, shared
#      (initially empty) ccache
#   4. a rerun of the pair with nothing changed (must not run make, < 10 s)
# and prints pair/cold ratios and recompiled-object counts, with the floor next
# to them: the objects kbuild itself recorded (fixdep, in each .o.cmd) as
# depending on CONFIG_IP_MULTIPLE_TABLES after the =y build, which any correct
# =n build must recompile. Objects recompiled outside that set would be waste.
# Usage: scripts/bench-build.sh [TREE] [JOBS] [WORKDIR]   (TREE: dir or name, default linux-6.1)
# Set SKIP_SEPARATE=1 to skip strategy 3 (each build takes minutes).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tree=${1:-linux-6.1}
jobs=${2:-$(nproc)}
work=${3:-$(mktemp -d /tmp/bench-build.XXXXXX)}
harness=${HARNESS_BIN:-$root/target/release/harness}
if [ ! -x "$harness" ]; then
  echo "building harness (release) ..." >&2
  (cd "$root" && cargo build --release -p harness >&2)
  harness=${CARGO_TARGET_DIR:-$root/target}/release/harness
fi
cfg=$root/kernel-configs
mkdir -p "$work"
echo "workdir $work, tree $tree, -j$jobs" >&2

# run LABEL OUTDIR VARIANT [extra args]: prints "seconds objects reused status"
run() {
  local label=$1 out=$2 variant=$3; shift 3
  local json=$work/$label.json
  local t0=$(date +%s.%N)
  "$harness" build --tree "$tree" --fragment "$cfg/netns-base.config" \
      --fragment "$cfg/ip-multiple-tables-$variant.config" --out "$out" -j "$jobs" \
      --artifacts "$work/artifacts/$label" --json "$json" "$@" >"$work/$label.txt" 2>&1 || true
  local t1=$(date +%s.%N)
  python3 - "$json" "$t0" "$t1" "$label" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))["build"]
wall = float(sys.argv[3]) - float(sys.argv[2])
print(f"{sys.argv[4]:<28} wall {wall:8.1f}s  make {j['make_seconds']:8.1f}s  objects {j['recompiled_objects']:5d}  reused {str(j['reused']).lower():5}  {j['status']}")
PY
}
wall() { awk '{print $3}' <<<"$1" | tr -d s; }

echo "== 1. cold single build (no ccache)"
r1=$(run cold "$work/cold" y --no-ccache); echo "$r1"
echo "== 2. pair, one O= dir with config switching (no ccache)"
r2a=$(run switch-y "$work/switch" y --no-ccache); echo "$r2a"
# The floor, read before the switch rewrites the .cmd files.
(cd "$work/switch" && grep -rl --include='*.o.cmd' 'include/config/IP_MULTIPLE_TABLES)' . \
  | sed 's|^\./||; s|/\.\([^/]*\)\.cmd$|/\1|' | sort) > "$work/floor.txt"
r2b=$(run switch-n "$work/switch" n --no-ccache); echo "$r2b"
awk '$1 == "CC" {print $2}' "$work/artifacts/switch-n/build.log" | sort > "$work/recompiled.txt"
python3 - "$work/floor.txt" "$work/recompiled.txt" "$work/switch" <<'PY'
import os, sys
floor = set(open(sys.argv[1]).read().split())
done = set(open(sys.argv[2]).read().split())
out = sys.argv[3]
# Floor objects the =n build does not compile: no longer part of the kernel
# (no .cmd rewritten, e.g. fib_rules.o without IP_MULTIPLE_TABLES).
dropped = sorted(o for o in floor - done)
# Objects outside the floor: kbuild rebuilds the version/boot objects on every
# relink; anything else would be a recompile the strategy caused.
extra = sorted(done - floor)
print(f"floor: {len(floor)} objects depend on CONFIG_IP_MULTIPLE_TABLES (kbuild's .o.cmd records)")
print(f"recompiled for =n: {len(done)}; floor objects not built with =n: {len(dropped)} {dropped}")
print(f"recompiled outside the floor: {len(extra)} {extra}")
PY
if [ "${SKIP_SEPARATE:-0}" != 1 ]; then
  echo "== 3. pair, separate O= dirs, shared empty ccache"
  export HARNESS_CACHE=$work/cache
  r3a=$(run sep-y "$work/sep-y" y); echo "$r3a"
  r3b=$(run sep-n "$work/sep-n" n); echo "$r3b"
  unset HARNESS_CACHE
fi
echo "== 4. rerun of the pair, nothing changed (switch strategy)"
r4a=$(run rerun-y "$work/switch" y --no-ccache); echo "$r4a"
r4b=$(run rerun-n "$work/switch" n --no-ccache); echo "$r4b"

python3 - "$(wall "$r1")" "$(wall "$r2a")" "$(wall "$r2b")" "$(wall "$r4a")" "$(wall "$r4b")" ${r3a:+"$(wall "$r3a")" "$(wall "$r3b")"} <<'PY'
import sys
v = [float(x) for x in sys.argv[1:]]
cold, sa, sb, ra, rb = v[:5]
print(f"ratio pair/cold, switch strategy:   {(sa + sb) / cold:.2f}  ({sa:.0f}s + {sb:.0f}s vs {cold:.0f}s)")
if len(v) == 7:
    print(f"ratio pair/cold, separate + ccache: {(v[5] + v[6]) / cold:.2f}  ({v[5]:.0f}s + {v[6]:.0f}s vs {cold:.0f}s)")
print(f"rerun with nothing changed: {ra:.1f}s + {rb:.1f}s (target < 10 s each)")
PY
