#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer (with
# detect_stack_use_after_return, i.e. fake stacks, which the fiber-switch
# annotations in src/core/sanitize.h must keep straight), then again under
# ThreadSanitizer: the thread tests for races, every other test for the TSan
# fiber switches (a switch that left TSan's shadow call stack a frame off
# shows up after a few resumes, threads or not).
set -euo pipefail
cd "$(dirname "$0")/../.."
tools/ci/deps.sh
jobs=$(nproc 2>/dev/null || echo 2)

cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCOGEN_WERROR=ON \
  -DCOGEN_SANITIZE=address,undefined >/dev/null
cmake --build build-asan -j "$jobs"
ASAN_OPTIONS=detect_stack_use_after_return=1:detect_leaks=1:abort_on_error=0 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan -j "$jobs" --output-on-failure

cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCOGEN_WERROR=ON \
  -DCOGEN_SANITIZE=thread >/dev/null
cmake --build build-tsan -j "$jobs"
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
  ctest --test-dir build-tsan -j "$jobs" --output-on-failure
