/* SPDX-License-Identifier: MIT */
/* Known register values for each side of a switch, and their check. */
#ifndef COGEN_TEST_REGS_UTIL_H
#define COGEN_TEST_REGS_UTIL_H

#include "harness.h"
#include "regs.h"

#include <inttypes.h>
#include <stdint.h>

typedef struct regs_frame {
    uint64_t vals[REGS_N];
    uint64_t after[REGS_AFTER_N];
} regs_frame;

static inline const char *regs_name(int i)
{
#if defined(__x86_64__)
    static const char *const names[REGS_N] = {"rbx", "rbp", "r12", "r13", "r14", "r15"};
#else
    static const char *const names[REGS_N] = {"x19", "x20", "x21", "x22", "x23", "x24", "x25",
                                              "x26", "x27", "x28", "x29", "d8",  "d9",  "d10",
                                              "d11", "d12", "d13", "d14", "d15"};
#endif
    return names[i];
}

/* A value no other register of any side holds (splitmix64 of seed and index). */
static inline uint64_t regs_value(unsigned seed, int i)
{
    uint64_t z = (uint64_t)seed * 64u + (uint64_t)i + 1u;
    z += 0x9e3779b97f4a7c15u;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static inline void regs_fill(regs_frame *f, unsigned seed)
{
    for (int i = 0; i < REGS_N; i++)
        f->vals[i] = regs_value(seed, i);
    for (int i = 0; i < REGS_AFTER_N; i++)
        f->after[i] = 0;
}

/* Fails the test if a register or the stack pointer did not survive. */
static inline void regs_check(const regs_frame *f, const char *side)
{
    int bad = 0;
    for (int i = 0; i < REGS_N; i++) {
        if (f->after[i] != f->vals[i]) {
            fprintf(stderr, "%s: callee-saved %s is 0x%016" PRIx64 ", expected 0x%016" PRIx64 "\n",
                    side, regs_name(i), f->after[i], f->vals[i]);
            bad = 1;
        }
    }
    if (f->after[REGS_SP_BEFORE] != f->after[REGS_SP_AFTER]) {
        fprintf(stderr, "%s: stack pointer 0x%" PRIx64 " before the call, 0x%" PRIx64 " after\n",
                side, f->after[REGS_SP_BEFORE], f->after[REGS_SP_AFTER]);
        bad = 1;
    }
    CHECK(!bad);
}

/* Runs fn(arg) with every callee-saved register holding a value of `seed`,
 * and checks they all hold it again when fn returns. */
static inline void regs_run(unsigned seed, void (*fn)(void *), void *arg, const char *side)
{
    regs_frame f;
    regs_fill(&f, seed);
    regs_call(f.vals, f.after, fn, arg);
    regs_check(&f, side);
}

#endif
