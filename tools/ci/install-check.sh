#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs cogen into a scratch prefix and builds a consumer against it twice:
# with pkg-config and with CMake's find_package(cogen).
set -euo pipefail
cd "$(dirname "$0")/../.."
tools/ci/deps.sh install
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake -S . -B build-install -G Ninja -DCMAKE_INSTALL_PREFIX="$prefix" -DCOGEN_BUILD_TESTS=OFF >/dev/null
cmake --build build-install -j 2 >/dev/null
cmake --install build-install >/dev/null
mkdir -p "$prefix/consumer"
cat > "$prefix/consumer/main.c" <<'C'
#include <cogen.h>
#include <stdio.h>
static void *body(cogen *self, void *arg) { cogen_yield(self, arg, NULL); return NULL; }
int main(void) {
    void *out = NULL;
    cogen *g = cogen_new(body, "hello from an installed cogen", NULL);
    if (!g || cogen_next(g, &out) != COGEN_YIELDED) return 1;
    puts(out);
    cogen_free(g);
    return 0;
}
C
cat > "$prefix/consumer/CMakeLists.txt" <<'C'
cmake_minimum_required(VERSION 3.25)
project(consumer C)
find_package(cogen REQUIRED)
add_executable(consumer main.c)
target_link_libraries(consumer PRIVATE cogen::cogen)
C
PKG_CONFIG_PATH="$prefix/lib/pkgconfig:$prefix/lib/x86_64-linux-gnu/pkgconfig" \
  sh -c 'cc "$1/consumer/main.c" $(pkg-config --cflags --libs cogen) -Wl,-rpath,$(pkg-config --variable=libdir cogen) -o "$1/consumer/pc"' _ "$prefix"
"$prefix/consumer/pc"
cmake -S "$prefix/consumer" -B "$prefix/consumer/build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$prefix/consumer/build" >/dev/null
"$prefix/consumer/build/consumer"
echo "install check: pkg-config and find_package consumers ran"
