#!/bin/sh
# Cross-builds cogen for AArch64 with Debian's cross gcc and runs the whole
# CTest suite under qemu-user (cmake/toolchain-aarch64.cmake makes ctest
# prefix every test with `qemu-aarch64 -L <sysroot>`).
#
# Usage: tools/ci/aarch64.sh [extra cmake -D options...]
# Environment: BUILD_DIR (default: <repo>/build-aarch64), JOBS (default:
# nproc), CTEST_TIMEOUT (seconds per test, default 600), CTEST_ARGS (extra
# ctest arguments, e.g. "-R regs").
#
# Under qemu-user: MADV_GUARD_INSTALL is accepted but ignored (src/stack.c
# detects that and guards with mprotect), process_vm_readv is ENOSYS, the
# page size is 4 KiB (QEMU_PAGESIZE=16384 emulates 16 KiB pages), and a
# test whose command is a script (cmake -P, python, sh) must run the
# program it tests through ${CMAKE_CROSSCOMPILING_EMULATOR} itself.
set -eu

repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$repo/build-aarch64}
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
pkgs="gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user"

have_tools() {
    command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 &&
        command -v qemu-aarch64 >/dev/null 2>&1 &&
        [ -e /usr/aarch64-linux-gnu/lib/libc.so.6 ]
}

if ! have_tools; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "aarch64.sh: installing $pkgs" >&2
        export DEBIAN_FRONTEND=noninteractive
        # shellcheck disable=SC2086 # $pkgs is a list
        apt-get install -y --no-install-recommends $pkgs >/dev/null ||
            { apt-get update >/dev/null && apt-get install -y --no-install-recommends $pkgs >/dev/null; }
    else
        echo "aarch64.sh: missing the AArch64 cross toolchain or qemu-user." >&2
        echo "  Install them as root: apt-get install $pkgs" >&2
        exit 2
    fi
fi
have_tools || { echo "aarch64.sh: toolchain still missing after install" >&2; exit 2; }

cmake -S "$repo" -B "$build" -G Ninja \
    -DCMAKE_TOOLCHAIN_FILE="$repo/cmake/toolchain-aarch64.cmake" \
    -DCOGEN_WERROR=ON "$@"
cmake --build "$build" -j "$jobs"
# shellcheck disable=SC2086
ctest --test-dir "$build" --output-on-failure -j "$jobs" --timeout "${CTEST_TIMEOUT:-600}" \
    ${CTEST_ARGS:-}
