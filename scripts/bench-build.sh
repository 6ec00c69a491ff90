#!/usr/bin/env bash
# Benchmark kernel build reuse on linux-6.1 (issue 6):
#   1. one cold build (netns-base + ip-multiple-tables-y), fresh O= dir, no ccache
#   2. the 2-config pair (IP_MULTIPLE_TABLES y then n), strategy "switch":
#      one O= dir, config switched, artifacts cached per config
#   3. the same pair, strategy "separate": one O= dir per config, shared
#      (initially empty) ccache
#   4. a rerun of the pair with nothing changed (must not run make, < 10 s)
#   5. the patched tree as `harness matrix` builds it (PREEMPT_RT 1-39 in the
#      unit's stable worktree, shared ccache): a run with =y (cold), then a
#      second run with =n, which re-syncs the worktree and switches the config
#      in the same O= dir; its recompiled objects are printed against the
#      patched tree's own floor (target: at most floor + 5)
# and prints pair/cold ratios and recompiled-object counts, with the floor next
# to them: the objects kbuild itself recorded (fixdep, in each .o.cmd) as
# depending on CONFIG_IP_MULTIPLE_TABLES after the =y build, which any correct
# =n build must recompile. Objects recompiled outside that set would be waste.
# Usage: scripts/bench-build.sh [TREE] [JOBS] [WORKDIR]   (TREE: dir or name, default linux-6.1)
# Set SKIP_SEPARATE=1 to skip strategy 3 (each build takes minutes), SKIP_PATCHED=1
# to skip case 5, ONLY_PATCHED=1 to run case 5 alone.
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

# floor OBJDIR OUT: the objects whose .o.cmd (kbuild's fixdep) records a
# dependency on CONFIG_IP_MULTIPLE_TABLES; read before a switch rewrites them.
floor() {
  (cd "$1" && grep -rl --include='*.o.cmd' 'include/config/IP_MULTIPLE_TABLES)' . \
    | sed 's|^\./||; s|/\.\([^/]*\)\.cmd$|/\1|' | sort) > "$2"
}
# versus LABEL FLOOR LOG: the objects LOG compiled (CC lines) against FLOOR.
versus() {
  awk '$1 == "CC" {print $2}' "$3" | sort > "$work/$1.recompiled.txt"
  python3 - "$1" "$2" "$work/$1.recompiled.txt" <<'PY'
import sys
label = sys.argv[1]
floor = set(open(sys.argv[2]).read().split())
done = set(open(sys.argv[3]).read().split())
# Floor objects the =n build does not compile: no longer part of the kernel
# (no .cmd rewritten, e.g. fib_rules.o without IP_MULTIPLE_TABLES).
dropped = sorted(o for o in floor - done)
# Objects outside the floor: kbuild rebuilds the version/boot objects on every
# relink; anything else would be a recompile the strategy caused.
extra = sorted(done - floor)
shown = extra if len(extra) <= 12 else extra[:12] + [f"... {len(extra) - 12} more"]
print(f"{label}: floor {len(floor)} objects depend on CONFIG_IP_MULTIPLE_TABLES (kbuild's .o.cmd records)")
print(f"{label}: recompiled for =n: {len(done)}; floor objects not built with =n: {len(dropped)} {dropped}")
print(f"{label}: recompiled outside the floor: {len(extra)} {shown}")
print(f"{label}: recompiled {len(done)} vs floor {len(floor)}: {'within' if len(done) <= len(floor) + 5 else 'OVER'} floor + 5")
PY
}

# matrix_run ID CONFIG: one `harness matrix` run of the patched unit alone
# (series preempt-rt-prefix on linux-6.1, one config) on this bench's cache.
matrix_run() {
  local t0=$(date +%s.%N)
  (cd "$root" && HARNESS_CACHE=$work/mcache "$harness" matrix --config "$root/matrix.yaml" --series preempt-rt-prefix --tree linux-6.1 \
    --kconfig "ip-multiple-tables-$2" --results "$work/runs" --run-id "$1" \
    --json "$work/$1.json" >"$work/$1.txt" 2>&1) || true
  local t1=$(date +%s.%N)
  [ -s "$work/$1.json" ] || { echo "$1: harness matrix wrote no report:" >&2; tail -20 "$work/$1.txt" >&2; return 1; }
  python3 - "$work/$1.json" "$t0" "$t1" "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
b = r["cells"][0]["build"]
wall = float(sys.argv[3]) - float(sys.argv[2])
print(f"{sys.argv[4]:<28} wall {wall:8.1f}s  build {b['seconds']:8.1f}s  objects {b.get('recompiled') or 0:5d}  reused {str(b['reused']).lower():5}  {b['status']}")
PY
}
patched_case() {
  if [ "$tree" != linux-6.1 ]; then
    echo "== 5. skipped: the matrix's patched unit (preempt-rt-prefix) is built on linux-6.1 only"
    return 0
  fi
  echo "== 5. patched tree (preempt-rt-prefix) as harness matrix builds it: run 1 =y, run 2 =n (re-sync + switch)"
  # The pinned tree from the user's cache, everything else (worktree, O= dir,
  # ccache) fresh in this bench's cache.
  local real
  real=$(dirname "$("$harness" tree path "$tree")")
  mkdir -p "$work/mcache/trees"
  ln -sfn "$real" "$work/mcache/trees/$tree"
  rp1=$(matrix_run patched-y y); echo "$rp1"
  floor "$work/mcache/work/$tree-preempt-rt-prefix/builds/$tree-preempt-rt-prefix/obj" "$work/patched-floor.txt"
  rp2=$(matrix_run patched-n n); echo "$rp2"
  versus patched "$work/patched-floor.txt" \
    "$work/runs/patched-n/builds/$tree-preempt-rt-prefix-ip-multiple-tables-n.log"
}
if [ "${ONLY_PATCHED:-0}" = 1 ]; then
  patched_case
  exit 0
fi

echo "== 1. cold single build (no ccache)"
r1=$(run cold "$work/cold" y --no-ccache); echo "$r1"
echo "== 2. pair, one O= dir with config switching (no ccache)"
r2a=$(run switch-y "$work/switch" y --no-ccache); echo "$r2a"
floor "$work/switch" "$work/floor.txt"
r2b=$(run switch-n "$work/switch" n --no-ccache); echo "$r2b"
versus base "$work/floor.txt" "$work/artifacts/switch-n/build.log"
if [ "${SKIP_SEPARATE:-0}" != 1 ]; then
  echo "== 3. pair, separate O= dirs, shared empty ccache"
  export HARNESS_CACHE=$work/cache
  r3a=$(run sep-y "$work/sep-y" y); echo "$r3a"
  r3b=$(run sep-n "$work/sep-n" n); echo "$r3b"
  unset HARNESS_CACHE
fi
[ "${SKIP_PATCHED:-0}" = 1 ] || patched_case
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
