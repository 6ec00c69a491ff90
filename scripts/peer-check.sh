#!/usr/bin/env bash
# Optional, not part of README's test command: run the peer conformance suites
# of a development setup (cases from git's, GNU patch's and b4's own test
# suites with the reference tools' recorded outcomes), which live OUTSIDE this
# repository in ../shared/peer/ beside the checkout (PEER_DIR to point
# elsewhere). Prints each suite's summary line; exit 1 if a suite disagrees
# anywhere, 2 if the suites are not there.
#
# Usage: scripts/peer-check.sh [-v]     (-v: every disagreement, not only the summary)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
peer=${PEER_DIR:-$root/../shared/peer}
[ -d "$peer" ] || { echo "peer-check: no peer suites at $peer (set PEER_DIR)" >&2; exit 2; }
cd "$root"
cargo build --release --locked -p harness >&2 || exit 2
bin=$root/target/release/harness
status=0
for suite in apply ingest; do
  run=$peer/$suite/run.sh
  [ -x "$run" ] || { echo "peer-check: $run missing" >&2; status=2; continue; }
  out=$("$run" "$bin" 2>&1)
  if [ "${1:-}" = -v ]; then printf '%s\n' "$out"; fi
  line=$(printf '%s\n' "$out" | grep -a "^peer-$suite:" | tail -1)
  echo "${line:-peer-$suite: no summary line (the suite failed to run)}"
  case "$line" in *" 0 disagree"*|*" 0 mismatch"*) ;; *) [ $status = 0 ] && status=1 ;; esac
done
exit $status
