/* SPDX-License-Identifier: MIT */
/* The split property shared by the parser tests: an input fed whole, as
 * every split into two and three chunks, and byte by byte must give the
 * same outcome. Each chunk is copied into its own exactly-sized heap block,
 * so that a parser reading past a chunk is caught by ASan and valgrind. */
#ifndef COGEN_TEST_SPLIT_H
#define COGEN_TEST_SPLIT_H

#include "harness.h"

#include <stdlib.h>
#include <string.h>

/* Runs one feeding of `in` cut at cuts[0..ncuts) (increasing offsets) and
 * writes its outcome as text into out[cap]. */
typedef void (*split_run_fn)(const char *in, size_t len, const size_t *cuts, size_t ncuts,
                             char *out, size_t cap);

/* A heap copy of in[0..n) with nothing around it. */
static inline char *chunk_copy(const char *in, size_t n)
{
    char *c = malloc(n ? n : 1);
    CHECK(c);
    if (n)
        memcpy(c, in, n);
    return c;
}

/* Checks every split of in against the whole feeding; returns how many
 * feedings were compared. max3: split into three only for inputs up to
 * this length (the number of splits grows as the square). */
static inline long split_check(split_run_fn run, const char *in, size_t len, size_t max3)
{
    char whole[2048], got[2048];
    run(in, len, NULL, 0, whole, sizeof whole);
    long n = 1;
    for (size_t i = 1; i < len; i++) {
        size_t cuts[2] = {i, 0};
        run(in, len, cuts, 1, got, sizeof got);
        if (strcmp(whole, got) != 0) {
            fprintf(stderr, "split at %zu:\n  whole: %s\n  split: %s\n", i, whole, got);
            CHECK(0);
        }
        n++;
        for (size_t j = i + 1; len <= max3 && j < len; j++) {
            cuts[1] = j;
            run(in, len, cuts, 2, got, sizeof got);
            if (strcmp(whole, got) != 0) {
                fprintf(stderr, "split at %zu,%zu:\n  whole: %s\n  split: %s\n", i, j, whole, got);
                CHECK(0);
            }
            n++;
        }
    }
    size_t *bytes = malloc((len ? len : 1) * sizeof *bytes);
    CHECK(bytes);
    for (size_t i = 1; i < len; i++)
        bytes[i - 1] = i;
    run(in, len, bytes, len ? len - 1 : 0, got, sizeof got);
    free(bytes);
    if (strcmp(whole, got) != 0) {
        fprintf(stderr, "byte by byte:\n  whole: %s\n  split: %s\n", whole, got);
        CHECK(0);
    }
    return n + 1;
}

#endif
