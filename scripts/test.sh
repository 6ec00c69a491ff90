#!/usr/bin/env bash
# README's second command: set up, then run every test (unit, integration,
# differential against GNU patch, real kernel kconfig/build/boot, the CI matrix).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec cargo nextest run --workspace --release --locked --profile ci "$@"
