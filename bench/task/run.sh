#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The scheduler's basic costs (bench/task/ping.c), 5 rounds, pinned to
# CPU 0. Not part of CI.   bench/task/run.sh [N]
set -euo pipefail
cd "$(dirname "$0")/../.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target cogen_static >/dev/null
mkdir -p build-bench-task
cc -O2 -Iinclude -o build-bench-task/ping bench/task/ping.c build/libcogen.a -lpthread -lm
for _ in 1 2 3 4 5; do taskset -c 0 build-bench-task/ping "${1:-1000000}"; done
