#!/usr/bin/env bash
# Set up this machine for harness: install the Debian packages listed in
# scripts/host-packages.txt (only the missing ones, saying which), check the
# Rust tools, and build the release binary. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=$(grep -v '^\s*#' scripts/host-packages.txt | grep -v '^\s*$' | xargs)
missing=()
for p in $packages; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing host packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "setup: host packages present (scripts/host-packages.txt)"
fi

# The pinned Debian trees (trees.yaml) are fetched with `apt-get download
# PACKAGE=VERSION`: on a machine whose package lists predate the pin, apt does
# not offer it yet. Refresh the lists once when a pinned version is missing.
pins=$(awk '/^ *package:/ {p=$2} /^ *version:/ && p {print p "=" $2; p=""}' trees.yaml)
for pin in $pins; do
  if ! apt-cache madison "${pin%%=*}" 2>/dev/null | awk '{print $3}' | grep -qxF "${pin#*=}"; then
    echo "setup: apt does not offer $pin yet: refreshing the package lists"
    SUDO=""
    if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
    $SUDO apt-get update -q
    break
  fi
done

command -v cargo >/dev/null || { echo "setup: cargo not found: install a Rust toolchain (rustup)" >&2; exit 2; }
if ! command -v cargo-nextest >/dev/null; then
  echo "setup: installing cargo-nextest from crates.io"
  cargo install --locked cargo-nextest
fi

# b4 (PyPI), for the test that runs b4's own per-patch check runner against
# `harness check` (harness/cli/tests/b4_check.rs). Pinned; kept in a venv in
# the target directory.
b4_version=0.16.0
b4_venv="${CARGO_TARGET_DIR:-target}/b4-venv"
if ! "$b4_venv/bin/python" -c "import b4, sys; sys.exit(b4.__VERSION__ != '$b4_version')" 2>/dev/null; then
  echo "setup: installing b4 $b4_version from PyPI into $b4_venv"
  python3 -m venv "$b4_venv"
  "$b4_venv/bin/pip" install -q "b4==$b4_version"
fi

echo "setup: building harness (release)"
cargo build --release --locked -p harness
