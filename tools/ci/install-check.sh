#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs cogen into a scratch prefix, moves the installed tree elsewhere
# (the package files must be relocatable) and builds a consumer against it:
#   pkg-config cogen           linked with the shared library, with no PLT
#                              slot for cogen's functions (noplt, cogen.h);
#   pkg-config cogen-static    linked statically: must not need libcogen.so;
#   find_package(cogen)        cogen::cogen and cogen::cogen_static, likewise.
set -euo pipefail
cd "$(dirname "$0")/../.."
tools/ci/deps.sh install binutils
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cmake -S . -B build-install -G Ninja -DCMAKE_INSTALL_PREFIX="$scratch/staged" -DCOGEN_BUILD_TESTS=OFF \
  -DCOGEN_BUILD_EXAMPLES=OFF >/dev/null
cmake --build build-install -j 2 >/dev/null
cmake --install build-install >/dev/null
# Relocated: nothing may still point at the prefix it was installed to.
mv "$scratch/staged" "$scratch/moved"
prefix="$scratch/moved"
if grep -rl "$scratch/staged" "$prefix" --include='*.pc' --include='*.cmake'; then
  echo "install check: package files above name the install prefix; not relocatable" >&2
  exit 1
fi
libdir=$(dirname "$(find "$prefix" -name libcogen.a)")
mkdir -p "$scratch/consumer"
cat > "$scratch/consumer/main.c" <<'C'
#include <cogen.h>
#include <stdio.h>
static void *body(cogen *self, void *arg) { cogen_yield(self, arg, NULL); return NULL; }
int main(void) {
    void *out = NULL;
    cogen *g = cogen_new(body, "hello from an installed cogen", NULL);
    if (!g || cogen_next(g, &out) != COGEN_YIELDED || cogen_version() != COGEN_VERSION) return 1;
    puts(out);
    cogen_free(g);
    return 0;
}
C
cat > "$scratch/consumer/CMakeLists.txt" <<'C'
cmake_minimum_required(VERSION 3.25)
project(consumer C)
find_package(cogen 0.1 REQUIRED)
add_executable(consumer main.c)
target_link_libraries(consumer PRIVATE cogen::cogen)
add_executable(consumer_static main.c)
target_link_libraries(consumer_static PRIVATE cogen::cogen_static)
C
needs_libcogen() { readelf -d "$1" | grep -q 'NEEDED.*libcogen'; }
export PKG_CONFIG_PATH="$libdir/pkgconfig"
[ "$(pkg-config --variable=libdir cogen)" -ef "$libdir" ] ||
  { echo "install check: cogen.pc's libdir is not the moved one" >&2; exit 1; }
c="$scratch/consumer"
# shellcheck disable=SC2046 # pkg-config output is a list of words
cc "$c/main.c" $(pkg-config --cflags --libs cogen) -Wl,-rpath,"$libdir" -o "$c/pc"
needs_libcogen "$c/pc" || { echo "install check: pkg-config cogen did not link libcogen.so" >&2; exit 1; }
"$c/pc"
# Built with GCC, whose `noplt` COGEN_API carries, the consumer calls
# libcogen.so through the GOT: no PLT slot for any cogen function.
if cc --version | grep -q 'Free Software Foundation' && readelf -rW "$c/pc" | grep -q 'JUMP_SLOT.*cogen_'; then
  echo "install check: calls into libcogen.so go through the PLT (COGEN_API without noplt?)" >&2
  exit 1
fi
# shellcheck disable=SC2046
cc "$c/main.c" $(pkg-config --static --cflags --libs cogen-static) -o "$c/pc-static"
if needs_libcogen "$c/pc-static"; then
  echo "install check: pkg-config --static cogen-static linked libcogen.so" >&2
  exit 1
fi
"$c/pc-static"
cmake -S "$c" -B "$c/build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$c/build" >/dev/null
needs_libcogen "$c/build/consumer" || { echo "install check: cogen::cogen is not the shared library" >&2; exit 1; }
if needs_libcogen "$c/build/consumer_static"; then
  echo "install check: cogen::cogen_static linked libcogen.so" >&2
  exit 1
fi
"$c/build/consumer"
"$c/build/consumer_static"
# Loaded with dlopen, as from Python's ctypes: libcogen.so uses
# initial-exec TLS, so its whole TLS block must fit in the static TLS
# that glibc keeps for libraries loaded late.
cat > "$c/late.c" <<'C'
#include <cogen.h>
#include <dlfcn.h>
#include <stdio.h>
#define DECLARE(name) static __typeof__(name) *p_##name;
#define LOAD(name) p_##name = (__typeof__(name) *)dlsym(lib, #name);
#define CALLS(X) X(cogen_new) X(cogen_send) X(cogen_next) X(cogen_yield) X(cogen_close) \
    X(cogen_free) X(cogen_last_error)
CALLS(DECLARE)
static void *body(cogen *self, void *arg) { p_cogen_yield(self, arg, NULL); return NULL; }
int main(int argc, char **argv) {
    void *out = NULL, *lib = dlopen(argc > 1 ? argv[1] : "", RTLD_NOW);
    if (!lib) { fprintf(stderr, "dlopen: %s\n", dlerror()); return 1; }
    CALLS(LOAD)
    cogen *g = p_cogen_new(body, "hello from a dlopen'ed cogen", NULL);
    if (!g || p_cogen_next(g, &out) != COGEN_YIELDED || p_cogen_close(g) != 0) return 1;
    puts(out);
    p_cogen_free(g);
    /* A refusal, recorded in the calling thread's TLS. */
    g = p_cogen_new(body, NULL, NULL);
    if (!g || p_cogen_send(g, "early", NULL) != COGEN_ERROR || p_cogen_last_error(g)->code != COGEN_EFRESH)
        return 1;
    p_cogen_free(g);
    return 0;
}
C
cc "$c/late.c" -I"$prefix/include" -ldl -o "$c/late"
"$c/late" "$libdir/libcogen.so.0"
echo "install check: relocated prefix; pkg-config cogen / cogen-static and cogen::cogen / cogen::cogen_static consumers ran; libcogen.so loaded with dlopen"
