#!/bin/sh
# Boot + guest tests wall time per kernel (target: under 5 s with TCG for a
# tinyconfig+netns kernel).
#
# Usage: scripts/bench-boot.sh [KERNEL[:CONFIG_FILE]...]
#   default kernels: every <cache>/kernels/*/bzImage (config: the .config
#   beside it if any).
# Env: HARNESS      harness binary (default: `harness` on PATH, else cargo run --release)
#      HARNESS_CACHE cache root (default ~/.cache/harness)
#      ACCEL        auto|kvm|tcg (default tcg: what CI machines can rely on)
#      RUNS         boots per kernel (default 3; min and median reported)
set -eu
cache=${HARNESS_CACHE:-$HOME/.cache/harness}
accel=${ACCEL:-tcg}
runs=${RUNS:-3}
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
# boot_once KERNEL CONFIG N: one `harness boot`, report and console as number N.
boot_once() {
    if [ -n "$2" ]; then
        "$h" boot "$1" --accel "$accel" --json "$tmp/r.$3.json" \
            --console-log "$tmp/console.$3.log" --config-symbols "$2"
    else
        "$h" boot "$1" --accel "$accel" --json "$tmp/r.$3.json" \
            --console-log "$tmp/console.$3.log"
    fi
}

# Runs are interleaved (kernel 1, kernel 2, ..., then again): this machine's
# speed drifts within minutes, and blocks of runs per kernel would turn that
# drift into a difference between kernels.
for i in $(seq 1 "$runs"); do
    n=0
    for spec in "$@"; do
        n=$((n + 1))
        k=${spec%%:*}
        cfg=""
        [ "$spec" != "$k" ] && cfg=${spec#*:}
        s=$(date +%s.%N)
        boot_once "$k" "$cfg" "$n" >/dev/null 2>"$tmp/err.$n" || true
        e=$(date +%s.%N)
        echo "$e - $s" | bc >> "$tmp/walls.$n"
    done
done

printf '%-50s %-6s %-13s %8s %8s %8s  %s\n' kernel accel status wall_min wall_med qemu_s "tests (pass/skip/xfail/fail)"
n=0
for spec in "$@"; do
    n=$((n + 1))
    k=${spec%%:*}
    if [ ! -s "$tmp/r.$n.json" ]; then
        echo "$k: harness boot failed: $(cat "$tmp/err.$n")" >&2
        continue
    fi
    line=$(python3 - "$tmp/r.$n.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
c = {}
for t in r.get("tests", []):
    c[t["status"]] = c.get(t["status"], 0) + 1
print(r["status"], r["accel"], r["seconds"],
      "%d/%d/%d/%d" % (c.get("pass", 0), c.get("skip", 0), c.get("xfail", 0), c.get("fail", 0)))
PY
)
    # shellcheck disable=SC2086 # split the fields python printed
    set -- $line
    wmin=$(sort -n "$tmp/walls.$n" | head -n 1)
    wmed=$(sort -n "$tmp/walls.$n" | sed -n "$(( (runs + 1) / 2 ))p")
    printf '%-50s %-6s %-13s %8.2f %8.2f %8.2f  %s\n' "$k" "$2" "$1" "$wmin" "$wmed" "$3" "$4"
done
