#!/bin/sh
# SPDX-License-Identifier: MIT
# Cross-builds cogen for AArch64 with Debian's cross gcc and runs the whole
# CTest suite under qemu-user (cmake/toolchain-aarch64.cmake makes ctest
# prefix every test with `qemu-aarch64 -L <sysroot>`).
#
# Usage: tools/ci/aarch64.sh [extra cmake -D options...]
# Environment: BUILD_DIR (default: <repo>/build-aarch64), JOBS (default:
# nproc), CTEST_TIMEOUT (seconds per test, default 600), CTEST_ARGS (extra
# ctest arguments, e.g. "-R regs").
#
# Under qemu-user: MADV_GUARD_INSTALL is accepted but ignored (src/core/stack.c
# detects that and guards with mprotect), process_vm_readv is ENOSYS, the
# page size is 4 KiB (QEMU_PAGESIZE=16384 emulates 16 KiB pages). Tests
# whose command is a script (cmake -P, python, sh) start the AArch64
# program themselves: for them the kernel must hand AArch64 executables to
# qemu (binfmt_misc, set up below when we are root); where it cannot, they
# are left out and the script says so. The expat sources (COGEN_XML) are
# left out: the cross sysroot has no AArch64 expat.
set -eu

repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$repo/build-aarch64}
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}

have_tools() {
    command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 &&
        command -v qemu-aarch64 >/dev/null 2>&1 &&
        [ -e /usr/aarch64-linux-gnu/lib/libc.so.6 ]
}

have_tools || "$repo/tools/ci/deps.sh" aarch64
have_tools || { echo "aarch64.sh: toolchain still missing after install" >&2; exit 2; }

# Lets the kernel run AArch64 executables through qemu (binfmt_misc).
binfmt=/proc/sys/fs/binfmt_misc
setup_binfmt() {
    [ -e $binfmt/qemu-aarch64 ] && return 0
    [ "$(id -u)" -eq 0 ] || return 1
    conf=/usr/lib/binfmt.d/qemu-aarch64.conf
    [ -e $conf ] || "$repo/tools/ci/deps.sh" --optional qemu-user-binfmt >/dev/null || return 1
    [ -e $conf ] || return 1
    [ -e $binfmt/register ] || mount -t binfmt_misc binfmt_misc $binfmt 2>/dev/null || return 1
    cat $conf >$binfmt/register 2>/dev/null
}
exclude=""
if setup_binfmt; then
    export QEMU_LD_PREFIX=/usr/aarch64-linux-gnu
else
    exclude='^(part1|part2|logstats|diff)[.]'
    echo "aarch64.sh: no binfmt_misc for AArch64 here: leaving out the script-driven tests ($exclude)" >&2
fi

cmake -S "$repo" -B "$build" -G Ninja \
    -DCMAKE_TOOLCHAIN_FILE="$repo/cmake/toolchain-aarch64.cmake" \
    -DCOGEN_WERROR=ON -DCOGEN_XML=OFF "$@"
cmake --build "$build" -j "$jobs"
# shellcheck disable=SC2086
ctest --test-dir "$build" --output-on-failure -j "$jobs" --timeout "${CTEST_TIMEOUT:-600}" \
    ${exclude:+-E "$exclude"} ${CTEST_ARGS:-}
