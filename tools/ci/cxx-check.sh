#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The public headers serve every C and C++ user: a C++ consumer built and
# run with g++ and clang++ (several standards), a C consumer with
# -std=c99 -pedantic (gcc and clang), all with warnings as errors, linked
# against the library of the build directory $1 (default: build).
set -euo pipefail
cd "$(dirname "$0")/../.."
tools/ci/deps.sh g++ clang >/dev/null
build=${1:-build}
[ -f "$build/build.ninja" ] || cmake -S . -B "$build" -G Ninja >/dev/null
cmake --build "$build" -j 2 --target cogen_static >/dev/null
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
lib="$build/libcogen.a"
warn=(-Wall -Wextra -Wpedantic -Wshadow -Wconversion -Werror)
for cxx in g++ clang++; do
  for std in c++11 c++17 c++20; do
    "$cxx" -std=$std "${warn[@]}" -Iinclude tests/consumers/consumer.cpp "$lib" -pthread -lm \
      -o "$out/cxx"
    "$out/cxx" >/dev/null || { echo "cxx-check: $cxx -std=$std consumer failed" >&2; exit 1; }
  done
  echo "cxx-check: $cxx: $("$out/cxx")"
done
for cc in gcc clang; do
  "$cc" -std=c99 -pedantic "${warn[@]}" -Iinclude tests/consumers/consumer_c99.c "$lib" -pthread -lm \
    -o "$out/c99"
  echo "cxx-check: $cc -std=c99 -pedantic: $("$out/c99")"
done
# Every public header on its own, so that a header added by a new layer is
# held to the same rule without anyone remembering to list it.
headers=$(cd include && ls cogen.h cogen/*.h)
for h in $headers; do
  printf '#include <%s>\nint main(void) { return 0; }\n' "$h" >"$out/one.c"
  cp "$out/one.c" "$out/one.cpp"
  for cxx in g++ clang++; do
    "$cxx" -std=c++11 "${warn[@]}" -Iinclude -fsyntax-only "$out/one.cpp" ||
      { echo "cxx-check: <$h> does not compile with $cxx" >&2; exit 1; }
  done
  for cc in gcc clang; do
    "$cc" -std=c99 -pedantic "${warn[@]}" -Iinclude -fsyntax-only "$out/one.c" ||
      { echo "cxx-check: <$h> does not compile with $cc -std=c99" >&2; exit 1; }
  done
done
echo "cxx-check: each of $(echo "$headers" | wc -w) public headers alone: g++, clang++, gcc and clang -std=c99"
