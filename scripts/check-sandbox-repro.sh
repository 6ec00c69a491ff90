#!/bin/sh
# Check (not a test: two full kernel builds): the same linux-6.1 config built
# sandboxed (bubblewrap, as the harness runs make) and unsandboxed, each in a
# fresh O= directory, gives the same .config, the same list of objects and
# the same bzImage bytes (build user/host/timestamp fixed as the harness
# fixes them). ccache (shared, warm after a matrix run) keeps it to minutes;
# the wall times are printed too.
#
# usage: scripts/check-sandbox-repro.sh      env: HARNESS, SANDBOXED, WORK, JOBS
set -eu
WORK=${WORK:-/var/tmp/harness-sandbox-repro}
JOBS=${JOBS:-2}
T=${CARGO_TARGET_DIR:-target}
root=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${HARNESS:-}" ]; then cargo build -q --release -p harness; HARNESS=$T/release/harness; fi
if [ -z "${SANDBOXED:-}" ]; then
  cargo build -q --release -p harness-sandbox --example sandboxed; SANDBOXED=$T/release/examples/sandboxed
fi
cache=${HARNESS_CACHE:-$HOME/.cache/harness}
mkdir -p "$cache/ccache"
rm -rf "$WORK"; mkdir -p "$WORK"
"$HARNESS" tree worktree linux-6.1 "$WORK/src" >/dev/null
frag="$root/kernel-configs/netns-base.config $root/kernel-configs/ip-multiple-tables-y.config"
now() { date +%s.%N; }
one() { # $1 label, $2 --no-sandbox or empty
  out="$WORK/$1"; mkdir -p "$out"
  mode=$2
  run() {
    # shellcheck disable=SC2086
    "$SANDBOXED" $mode -w "$WORK/src" -w "$out" -w "$cache/ccache" -- \
      env LC_ALL=C KBUILD_BUILD_USER=harness KBUILD_BUILD_HOST=harness \
      KBUILD_BUILD_TIMESTAMP=1970-01-01 CCACHE_DIR="$cache/ccache" CCACHE_BASEDIR="$WORK" \
      CCACHE_NOHASHDIR=1 "$@"
  }
  t0=$(now)
  run make -s -C "$WORK/src" O="$out" tinyconfig >/dev/null
  # shellcheck disable=SC2086
  run sh -c "cd '$out' && '$WORK/src/scripts/kconfig/merge_config.sh' -m -O '$out' .config $frag >/dev/null"
  run make -s -C "$WORK/src" O="$out" olddefconfig >/dev/null
  run make -s -C "$WORK/src" O="$out" -j"$JOBS" CC="ccache gcc" bzImage >/dev/null 2>&1
  t1=$(now)
  echo "$1: $(echo "$t1 - $t0" | bc) s"
  (cd "$out" && find . -name '*.o' | sort) > "$WORK/$1.objects"
}
one plain --no-sandbox
one sandboxed ""
cmp "$WORK/plain/.config" "$WORK/sandboxed/.config" && echo ".config: identical"
cmp "$WORK/plain.objects" "$WORK/sandboxed.objects" && echo "objects: identical ($(wc -l < "$WORK/plain.objects"))"
a=$(sha256sum < "$WORK/plain/arch/x86/boot/bzImage" | cut -c1-16)
b=$(sha256sum < "$WORK/sandboxed/arch/x86/boot/bzImage" | cut -c1-16)
if [ "$a" = "$b" ]; then echo "bzImage: identical ($a)"; else echo "bzImage: differs ($a vs $b)"; fi
rm -rf "$WORK"
