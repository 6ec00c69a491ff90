#!/bin/sh
# Boot + guest tests per kernel, with a per-phase breakdown (target: a median
# of at most 2.5 s under TCG for a tinyconfig+netns kernel and the 9 tests).
#
# Usage: scripts/bench-boot.sh [KERNEL[:CONFIG_FILE]...]
#   default kernels: every <cache>/kernels/*/bzImage (config: the .config
#   beside it if any).
# Env: HARNESS      harness binary (default: `harness` on PATH, else cargo run --release)
#      HARNESS_CACHE cache root (default ~/.cache/harness)
#      ACCEL        auto|kvm|tcg (default tcg: what CI machines can rely on)
#      RUNS         boots per variant (default 3; medians reported)
#      MACHINES     QEMU machine types to compare, each MACHINE[+FIRMWARE], e.g.
#                   "pc q35 pc+qboot.rom" (FIRMWARE is passed as `-bios`;
#                   default: the harness's own `-M` and firmware)
#      APPENDS      kernel command-line variants separated by `;`, e.g.
#                   ";i8042.noaux no_timer_check" compares none with those two
#                   words (default: one variant, nothing added)
#      EARLY=1      add `earlyprintk=serial,ttyS0` to every variant: with
#                   CONFIG_EARLY_PRINTK and CONFIG_X86_VERBOSE_BOOTUP (tinyconfig
#                   has neither) the decompressor then prints, which splits the
#                   firmware phase
# Variants are every kernel x machine x append; run i boots each variant once
# before run i+1 starts (interleaved: the machine's speed drifts within
# minutes, and blocks of runs per variant would turn drift into a difference).
#
# Phases, from host-side arrival times of the console lines (a wrapper
# around QEMU stamps each line as it arrives; the guest's clock is not used):
#   firmware   QEMU start to the first console byte: firmware, loading the
#              kernel, and without EARLY=1 also decompression and the kernel's
#              early init up to the serial console (printk's buffer is then
#              printed in one burst)
#   decomp     with EARLY=1: `Decompressing Linux` to `Linux version`
#   kernel     `Linux version` (or the first byte) to `Run /init` (or the
#              first `harness-init:` line)
#   init       to `KTAP version 1` (mounts, modules, run-tests start)
#   suite      KTAP start to `# harness netns suite done`; per test, the
#              guest's own `# harness-time: S.SS` lines
#   shutdown   suite done to QEMU's exit (kmemleak scans, sync, reboot -f)
#   total      QEMU start to exit;  wall: the whole `harness boot` command
set -eu
cache=${HARNESS_CACHE:-$HOME/.cache/harness}
accel=${ACCEL:-tcg}
runs=${RUNS:-3}
machines=${MACHINES:-default}
appends=${APPENDS:-}
early=""
[ "${EARLY:-0}" = 1 ] && early="earlyprintk=serial,ttyS0"
qemu=$(command -v qemu-system-x86_64) || { echo "bench-boot: qemu-system-x86_64 not found" >&2; exit 2; }
if [ -n "${HARNESS:-}" ]; then
    h=$HARNESS
elif command -v harness >/dev/null 2>&1; then
    h=harness
else
    cd "$(dirname "$0")/.."
    cargo build -q --release -p harness
    h="${CARGO_TARGET_DIR:-target}/release/harness"
fi
if [ "$#" -eq 0 ]; then
    for k in "$cache"/kernels/*/bzImage; do
        [ -f "$k" ] || continue
        d=$(dirname "$k")
        if [ -f "$d/.config" ]; then set -- "$@" "$k:$d/.config"; else set -- "$@" "$k"; fi
    done
fi
[ "$#" -gt 0 ] || { echo "bench-boot: no kernels given and none under $cache/kernels/*/bzImage" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The QEMU wrapper: replaces the machine after `-M` when BENCH_MACHINE is set
# (MACHINE[+FIRMWARE]),
# and stamps every console line with its arrival time (seconds since QEMU was
# started) into BENCH_STAMPS, passing the bytes through unchanged.
cat > "$tmp/stamp.py" <<'PY'
import os, sys, time
t0 = float(sys.argv[1])
out = open(sys.argv[2], "w")
pending = b""
while True:
    chunk = os.read(0, 65536)
    now = time.time() - t0
    if not chunk:
        break
    os.write(1, chunk)
    pending += chunk
    *lines, pending = pending.split(b"\n")
    for line in lines:
        out.write("%.3f %s\n" % (now, line.decode("utf-8", "replace").rstrip("\r")))
if pending:
    out.write("%.3f %s\n" % (now, pending.decode("utf-8", "replace")))
out.write("%.3f <exit>\n" % (time.time() - t0))
PY
cat > "$tmp/qemu" <<EOF
#!/bin/sh
t0=\$(date +%s.%N)
m=\${BENCH_MACHINE:-default}
fw=""
case "\$m" in *+*) fw=\${m#*+}; m=\${m%%+*} ;; esac
for a in "\$@"; do
    shift
    if [ "\${prev:-}" = "-M" ] && [ "\$m" != default ]; then a=\$m; fi
    set -- "\$@" "\$a"
    prev=\$a
done
[ -n "\$fw" ] && set -- "\$@" -bios "\$fw"
"$qemu" "\$@" | python3 -u "$tmp/stamp.py" "\$t0" "\$BENCH_STAMPS"
EOF
chmod +x "$tmp/qemu"

# Variant list: one line per variant, "kernel|config|machine|append".
for spec in "$@"; do
    k=${spec%%:*}
    cfg=""
    [ "$spec" != "$k" ] && cfg=${spec#*:}
    for m in $machines; do
        printf '%s\n' "$appends" | tr ';' '\n' | while IFS= read -r a; do
            printf '%s|%s|%s|%s\n' "$k" "$cfg" "$m" "$a"
        done
    done
done | awk '!seen[$0]++' > "$tmp/variants"

# boot_once N RUN: variant N's boot number RUN.
boot_once() {
    IFS='|' read -r k cfg m a <<EOF
$(sed -n "$1p" "$tmp/variants")
EOF
    set -- "$1" "$2" --accel "$accel" --no-retry --qemu "$tmp/qemu" \
        --json "$tmp/r.$1.$2.json" --console-log "$tmp/console.$1.$2.log"
    [ -n "$cfg" ] && set -- "$@" --config-symbols "$cfg"
    for w in $early $a; do set -- "$@" --append "$w"; done
    n=$1
    r=$2
    shift 2
    s=$(date +%s.%N)
    BENCH_MACHINE=$m BENCH_STAMPS="$tmp/stamps.$n.$r" \
        "$h" boot "$k" "$@" >/dev/null 2>"$tmp/err.$n.$r" || true
    e=$(date +%s.%N)
    echo "$e - $s" | bc > "$tmp/wall.$n.$r"
}

nvar=$(wc -l < "$tmp/variants")
for r in $(seq 1 "$runs"); do
    for n in $(seq 1 "$nvar"); do
        boot_once "$n" "$r"
    done
done

python3 - "$tmp" "$nvar" "$runs" <<'PY'
import json, os, re, statistics, sys
tmp, nvar, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
variants = [l.rstrip("\n").split("|") for l in open(os.path.join(tmp, "variants"))]

def phases(stamps):
    """Seconds per phase from the stamped console lines (None: not reached)."""
    lines = [(float(l.split(" ", 1)[0]), l.rstrip("\n").split(" ", 1)[1] if " " in l.rstrip("\n") else "")
             for l in open(stamps)]
    first = next((t for t, s in lines if s.strip() and s != "<exit>"), None)
    def at(pred):
        return next((t for t, s in lines if pred(s)), None)
    decomp = at(lambda s: s.startswith("Decompressing Linux"))
    linux = at(lambda s: "Linux version" in s)
    init = at(lambda s: "Run /init" in s or s.startswith("harness-init:"))
    ktap = at(lambda s: s.startswith("KTAP version"))
    done = at(lambda s: s.startswith("# harness netns suite done"))
    end = at(lambda s: s == "<exit>")
    def span(a, b):
        return None if a is None or b is None else b - a
    return {"firmware": first, "decomp": span(decomp, linux),
            "kernel": span(linux if decomp is not None else first, init), "init": span(init, ktap),
            "suite": span(ktap, done), "shutdown": span(done, end), "total": end}

def tests_of(report):
    c, per = {}, {}
    for t in report.get("tests", []):
        c[t["status"]] = c.get(t["status"], 0) + 1
        if t.get("seconds") is not None:
            per[t["name"]] = t["seconds"]
    return c, per

cols = ["firmware", "decomp", "kernel", "init", "suite", "shutdown", "total", "wall"]
print("medians over %d interleaved boots (seconds; host-side console arrival times)" % runs)
print("%-3s %-12s %-26s " % ("#", "machine", "append") + " ".join("%8s" % c for c in cols)
      + "  status / tests pass/skip/xfail/fail")
per_test = {}
for i, (k, cfg, m, a) in enumerate(variants, 1):
    vals, statuses, counts = {c: [] for c in cols}, set(), set()
    for r in range(1, runs + 1):
        p = os.path.join(tmp, "r.%d.%d.json" % (i, r))
        if not os.path.exists(p) or os.path.getsize(p) == 0:
            statuses.add("harness-failed: " + open(os.path.join(tmp, "err.%d.%d" % (i, r))).read().strip()[:200])
            continue
        rep = json.load(open(p))
        statuses.add(rep["status"])
        c, per = tests_of(rep)
        counts.add("%d/%d/%d/%d" % (c.get("pass", 0), c.get("skip", 0), c.get("xfail", 0), c.get("fail", 0)))
        for name, s in per.items():
            per_test.setdefault(i, {}).setdefault(name, []).append(s)
        st = os.path.join(tmp, "stamps.%d.%d" % (i, r))
        ph = phases(st) if os.path.exists(st) else {}
        for c2, v in ph.items():
            if v is not None:
                vals[c2].append(v)
        vals["wall"].append(float(open(os.path.join(tmp, "wall.%d.%d" % (i, r))).read()))
    med = ["%8.2f" % statistics.median(vals[c]) if vals[c] else "%8s" % "-" for c in cols]
    print("%-3d %-12s %-26s " % (i, m[:12], (a or "-")[:26]) + " ".join(med)
          + "  " + ",".join(sorted(statuses)) + " " + ",".join(sorted(counts)))
print()
for i, (k, cfg, m, a) in enumerate(variants, 1):
    print("#%d kernel %s%s" % (i, k, " (config %s)" % cfg if cfg else ""))
    tests = per_test.get(i, {})
    for name, ss in tests.items():
        print("    %-36s %6.2f" % (name, statistics.median(ss)))
    if tests:
        print("    %-36s %6.2f" % ("(sum of the test medians)", sum(statistics.median(ss) for ss in tests.values())))
PY
