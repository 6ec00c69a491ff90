#!/bin/sh
# Benchmark: a worktree of the cached linux-6.1 tree (80 000 files) made three ways
# in the same run: the harness's hardlink farm, `cp -a`, and `git worktree add`
# (on a git import of the tree, made once and cached in $WORK/import.git).
# Then checks that writing into the harness worktree leaves the base unchanged.
#
# usage: scripts/bench-worktree.sh [TREE]      (default linux-6.1)
# env:   HARNESS=path/to/harness (default: cargo build --release and use it)
#        WORK=/var/tmp/harness-bench-worktree (same file system as the cache:
#        hard links cannot cross file systems)
set -eu
TREE=${1:-linux-6.1}
WORK=${WORK:-/var/tmp/harness-bench-worktree}
if [ -z "${HARNESS:-}" ]; then
  cargo build --release -q -p harness
  HARNESS=${CARGO_TARGET_DIR:-target}/release/harness
fi
BASE=$("$HARNESS" tree path "$TREE")
mkdir -p "$WORK"
rm -rf "$WORK/hardlink" "$WORK/cp" "$WORK/gitwt" "$WORK"/farm-*
[ -d "$WORK/import.git" ] && git --git-dir="$WORK/import.git" worktree prune
now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc; }
# The root file system here is mounted with `discard`: removing 80 000 links
# keeps the disk busy for a few seconds, so settle before each timing.
settle() { sync; sleep "${SETTLE:-5}"; }

# Three fresh farms at new paths; the median is the figure.
times=""
for i in 1 2 3; do
  settle; t0=$(now)
  "$HARNESS" tree worktree "$TREE" "$WORK/farm-$i" >/dev/null
  t1=$(now); times="$times $(secs "$t0" "$t1")"
done
median=$(printf '%s\n' $times | sort -n | sed -n 2p)
echo "hardlink farm (harness tree worktree): median ${median} s of:$times"
mv "$WORK/farm-1" "$WORK/hardlink"
rm -rf "$WORK"/farm-*

settle; t0=$(now)

cp -a "$BASE" "$WORK/cp"
t1=$(now); echo "cp -a:                                $(secs "$t0" "$t1") s"

G="$WORK/import.git"
if [ ! -d "$G" ]; then
  echo "(importing $TREE into git once: $G)"
  git init -q --bare "$G"
  git --git-dir="$G" --work-tree="$BASE" add -f -A
  git --git-dir="$G" --work-tree="$BASE" -c user.name=bench -c user.email=bench@localhost \
      commit -q -m "base $TREE"
fi
settle; t0=$(now)
git --git-dir="$G" worktree add -q --detach "$WORK/gitwt" HEAD
t1=$(now); echo "git worktree add:                     $(secs "$t0" "$t1") s"

# Writing into the worktree (replace by rename, the worktree contract) never
# changes the base.
before=$(sha256sum "$BASE/Makefile" | cut -d' ' -f1)
printf '# patched\n' > "$WORK/hardlink/Makefile.tmp" && mv -f "$WORK/hardlink/Makefile.tmp" "$WORK/hardlink/Makefile"
after=$(sha256sum "$BASE/Makefile" | cut -d' ' -f1)
[ "$before" = "$after" ] && echo "base unchanged after writing into the worktree: yes" \
  || { echo "BASE CHANGED"; exit 1; }

settle; t0=$(now)
"$HARNESS" tree worktree "$TREE" "$WORK/hardlink" --resync >/dev/null
t1=$(now); echo "re-sync hardlink worktree at the same path: $(secs "$t0" "$t1") s"

git --git-dir="$G" worktree remove --force "$WORK/gitwt"
t0=$(now); rm -rf "$WORK/hardlink"; t1=$(now)
echo "remove hardlink worktree (rm -rf): $(secs "$t0" "$t1") s"
rm -rf "$WORK/cp"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
