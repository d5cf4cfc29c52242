/* SPDX-License-Identifier: MIT */
/* A body that runs into its stack's guard: it yields once, then recurses
 * with 256-byte frames until the stack overflows (the limit is volatile,
 * never reached: the compiler cannot turn the recursion into a loop). */
#ifndef COGEN_TEST_OVERFLOW_BODY_H
#define COGEN_TEST_OVERFLOW_BODY_H

#include "harness.h"

#include <cogen.h>
#include <stdint.h>

static volatile int runaway_limit = 1 << 30;

static int runaway(int depth)
{
    volatile char frame[256];
    frame[0] = (char)depth;
    if (depth == runaway_limit)
        return 0;
    return runaway(depth + 1) + frame[0];
}

static void *overflows(cogen *self, void *arg)
{
    (void)arg;
    cogen_yield(self, NULL, NULL);
    return V(runaway(0));
}

#endif
