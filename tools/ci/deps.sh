#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs what building and testing cogen needs, from Debian's packages.
# Usage: tools/ci/deps.sh [extra-package...]
# As root it installs what is missing with apt-get; otherwise it names what
# is missing and how to install it, and fails.
set -euo pipefail
need=(cmake ninja-build gcc make python3 "$@")
missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "cogen: missing Debian packages: ${missing[*]}" >&2
  echo "cogen: install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "cogen: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null || true
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
