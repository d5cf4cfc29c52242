# SPDX-License-Identifier: MIT
# Cross build for AArch64 Linux with Debian's cross toolchain, tests run
# under qemu-user:
#   apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
#   cmake -S . -B build-aarch64 -G Ninja \
#         -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-aarch64.cmake
#   ninja -C build-aarch64 && ctest --test-dir build-aarch64
# (tools/ci/aarch64.sh does all of this.)
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(COGEN_AARCH64_TRIPLE "aarch64-linux-gnu" CACHE STRING "Cross toolchain prefix")
set(COGEN_AARCH64_SYSROOT "/usr/${COGEN_AARCH64_TRIPLE}" CACHE PATH
    "Target libraries, for the linker search and qemu's -L")

set(CMAKE_C_COMPILER ${COGEN_AARCH64_TRIPLE}-gcc)
set(CMAKE_ASM_COMPILER ${COGEN_AARCH64_TRIPLE}-gcc)

# Look for target headers and libraries only in the cross sysroot, for
# programs only on the host.
set(CMAKE_FIND_ROOT_PATH ${COGEN_AARCH64_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# add_test() commands are prefixed with this, so a plain `ctest` runs every
# test under qemu-user with the target's dynamic loader and libraries.
find_program(COGEN_QEMU_AARCH64 qemu-aarch64 REQUIRED)
set(CMAKE_CROSSCOMPILING_EMULATOR ${COGEN_QEMU_AARCH64} -L ${COGEN_AARCH64_SYSROOT})
