#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The whole suite under valgrind memcheck (ctest -T memcheck): zero errors,
# zero leaks. Stacks are registered with VALGRIND_STACK_REGISTER
# (src/core/stack.c), so switches are not taken for wild stack-pointer moves.
# Tests labelled "novalgrind" (ones that drive other interpreters or time
# things) are left out; see their CMakeLists for why.
set -euo pipefail
cd "$(dirname "$0")/../.."
tools/ci/deps.sh valgrind
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build-valgrind -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-valgrind -j "$jobs"
ctest --test-dir build-valgrind -j "$jobs" -T memcheck -LE novalgrind --output-on-failure
# ctest -T memcheck wraps each test's command, which for the example and
# report checks is cmake running cmake/check_output.cmake: that script runs
# the program itself under valgrind (and the children it starts) when told.
COGEN_TEST_VALGRIND=1 ctest --test-dir build-valgrind -j "$jobs" -LE novalgrind \
  --output-on-failure -R '^(part[0-9]|logstats[.]json)[.]' 
