#!/usr/bin/env bash
# README's first command: set up the machine, then run the default matrix
# (fetch pinned trees, apply every series, build, boot, test, report).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec target/release/harness matrix "$@"
