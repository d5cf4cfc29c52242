#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# clang-format (every C file must be formatted per .clang-format) and
# clang-tidy (the library's sources, checks in .clang-tidy).
set -euo pipefail
cd "$(dirname "$0")/../.."
tools/ci/deps.sh lint
files=$(git ls-files '*.c' '*.h')
# shellcheck disable=SC2086
clang-format --dry-run -Werror $files
cmake -S . -B build-lint -G Ninja -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
cmake --build build-lint -j 2 >/dev/null
# shellcheck disable=SC2046
clang-tidy --quiet -p build-lint $(git ls-files 'src/*.c' 'src/arch/*.c')
python3 tools/ci/layers.py
echo "lint: clang-format and clang-tidy clean"
