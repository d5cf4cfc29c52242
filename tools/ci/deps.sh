#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The one place that installs Debian packages, for the build, CI and the
# benchmarks.
#
# Usage: tools/ci/deps.sh [--optional] [GROUP|PACKAGE]...
#   build    what building and testing needs (always included; gdb for the
#            tests of the gdb extension)
#   lint     clang-format, clang-tidy, clang
#   valgrind valgrind
#   install  pkg-config (the install check)
#   aarch64  the AArch64 cross compiler and qemu-user
#   bench    the benchmark peers (Boost.Context, PCL, Lua, LuaJIT)
# Anything else is taken as a package name.
#
# As root it installs what is missing with apt-get; otherwise it names what
# is missing and how to install it, and fails. With --optional, a package
# that cannot be installed is not an error: its name is printed on stdout
# (one per line) so that the caller can leave out what depends on it.
set -euo pipefail

optional=0
if [ "${1:-}" = "--optional" ]; then
  optional=1
  shift
fi

group() {
  case "$1" in
    build) echo cmake ninja-build gcc make python3 gdb libexpat1-dev ;;
    lint) echo clang clang-format clang-tidy ;;
    valgrind) echo valgrind ;;
    install) echo pkg-config ;;
    aarch64) echo gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user ;;
    bench) echo libboost-context-dev libboost-dev libpcl1-dev liblua5.4-dev libluajit-5.1-dev libhttp-parser-dev libhiredis-dev ;;
    *) echo "$1" ;;
  esac
}

need=()
for g in build "$@"; do
  # shellcheck disable=SC2207 # one word per package
  need+=($(group "$g"))
done
missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  if [ $optional -eq 1 ]; then
    echo "cogen: not root: leaving out ${missing[*]}" >&2
    printf '%s\n' "${missing[@]}"
    exit 0
  fi
  echo "cogen: missing Debian packages: ${missing[*]}" >&2
  echo "cogen: install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "cogen: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
install() { apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1; }
if ! install "${missing[@]}"; then
  apt-get update -qq >/dev/null 2>&1 || true
  if [ $optional -eq 0 ]; then
    install "${missing[@]}" || { echo "cogen: apt-get could not install ${missing[*]}" >&2; exit 1; }
  else
    for p in "${missing[@]}"; do
      install "$p" || { echo "cogen: could not install $p" >&2; echo "$p"; }
    done
  fi
fi
