#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The single header (make single): regenerated from the sources, then the
# part-1 examples (output checked) and every core test case are built
# against it alone, with gcc and clang, warnings as errors, and run. The
# core tests need the test hooks (failure injection, switch counting): the
# implementation is compiled with COGEN_TEST_HOOKS for them, and their
# "shared.h" is tools/single/shim/shared.h, which takes the declarations
# from the single header (COGEN_INTERNALS).
set -euo pipefail
cd "$(dirname "$0")/../.."
tools/ci/deps.sh clang >/dev/null
python3 tools/single/amalgamate.py --out build/single/cogen.h
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
warn=(-Wall -Wextra -Wpedantic -Wshadow -Wconversion -Werror)
printf '#define COGEN_IMPLEMENTATION\n#include "cogen.h"\n' > "$out/impl.c"
examples=$(sed -n '/set(COGEN_PART1_EXAMPLES/,/)/p' examples/part1/CMakeLists.txt |
  sed -e 's/set(COGEN_PART1_EXAMPLES//' -e 's/)//')
# compiler|options|how to run: native gcc and clang at -O0 and -O2; AArch64
# (cross gcc, run under qemu-user), also with BTI/PAC so that the switch's
# note section is built.
configs=("gcc|-O0|" "gcc|-O2|" "clang|-O0|" "clang|-O2|")
if command -v aarch64-linux-gnu-gcc >/dev/null && command -v qemu-aarch64 >/dev/null; then
  configs+=("aarch64-linux-gnu-gcc|-O2 -mbranch-protection=standard|qemu-aarch64 -L /usr/aarch64-linux-gnu")
else
  echo "single-check: no AArch64 cross gcc/qemu-user: AArch64 left out (tools/ci/deps.sh aarch64)" >&2
fi
for config in "${configs[@]}"; do
  IFS='|' read -r cc opt run <<< "$config"
  read -ra opt <<< "$opt"
  read -ra run <<< "$run"
  {
    "$cc" -std=c11 "${opt[@]}" "${warn[@]}" -Ibuild/single -c "$out/impl.c" -o "$out/impl.o"
    "$cc" -std=c11 "${opt[@]}" "${warn[@]}" -DCOGEN_TEST_HOOKS -Ibuild/single -c "$out/impl.c" -o "$out/impl_hooks.o"
    n=0
    for name in $examples; do
      "$cc" -std=c11 "${opt[@]}" "${warn[@]}" -Ibuild/single "examples/part1/$name.c" "$out/impl.o" -pthread -lm \
        -o "$out/$name"
      "${run[@]}" "$out/$name" > "$out/$name.txt"
      cmp -s "$out/$name.txt" "examples/part1/expected/$name.txt" ||
        { echo "single-check: $cc ${opt[*]}: examples/part1/$name output differs" >&2;
          diff "examples/part1/expected/$name.txt" "$out/$name.txt" >&2; exit 1; }
      n=$((n + 1))
    done
    cases=0
    for t in tests/core/test_*.c; do
      exe="$out/$(basename "$t" .c)"
      "$cc" -std=c11 "${opt[@]}" "${warn[@]}" -D_GNU_SOURCE -DCOGEN_TEST_HOOKS -Itools/single/shim -Ibuild/single -Itests \
        "$t" tests/harness.c "$out/impl_hooks.o" -pthread -lm -o "$exe"
      # One process per case, as CTest runs them: some behaviours happen
      # once per process (an explanation printed once, a handler installed
      # once) and a case must not depend on the ones before it. A name the
      # program does not know exits 2.
      for name in $(sed -n 's/^TEST(\([a-z0-9_]*\)).*/\1/p' "$t"); do
        "${run[@]}" "$exe" "$name" > "$out/log" 2>&1 ||
          { cat "$out/log" >&2; echo "single-check: $cc ${opt[*]}: $t $name failed" >&2; exit 1; }
        cases=$((cases + 1))
      done
    done
    echo "single-check: $cc ${opt[*]}: $n part-1 examples and $cases core test cases passed on the single header"
  }
done
