#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Costs of the stage layer per item (bench/stage/stage_bench.c), on a
# Release build of the library. Not run by CI: timings on a shared machine
# are figures to read, not to assert.
#   bench/stage/run.sh [ITEMS]
set -euo pipefail
cd "$(dirname "$0")/../.."
cmake -S . -B build-bench-stage -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-bench-stage --target cogen_static >/dev/null
cc -O2 -std=c11 -D_GNU_SOURCE -Iinclude bench/stage/stage_bench.c \
  build-bench-stage/libcogen.a -lpthread -lm -o build-bench-stage/stage_bench
build-bench-stage/stage_bench "${1:-1000000}"
