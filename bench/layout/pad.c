/* SPDX-License-Identifier: MIT */
/*
 * Linked first into a program of bench/layouts.py: BENCH_LAYOUT_PAD bytes
 * of no-ops at the start of the text, which move the program's own code
 * (the benchmark loop and the generator body, not the library's) by that
 * much. A round trip measured here moved by up to a sixth (cogen) and
 * two fifths (the floor) with where the caller's code fell on 64-byte
 * lines (BENCHMARKS.md).
 */
#define BENCH_STR_(x) #x
#define BENCH_STR(x) BENCH_STR_(x)

__asm__(".text\n\t.skip " BENCH_STR(BENCH_LAYOUT_PAD) ", 0x90\n");
