/* SPDX-License-Identifier: MIT */
/* Stack alignment in a body: 16 bytes at every function entry (AAPCS64 and
 * the x86-64 SysV ABI), seen at the body's own entry (regs_body_probe
 * records the stack pointer it is called with), through the frame address
 * and an alignas(16) local, and at calls made after a yield, in a deferred
 * cleanup and in a delegated-to sub-generator. */
#include "cogen.h"
#include "regs_util.h"

#include <stdalign.h>
#include <stdint.h>

static int misaligned;

/* Checks the frame of the function that calls it; noinline so that it has
 * a frame of its own, entered with a call. */
__attribute__((noinline)) static void check_frame(const char *where)
{
    alignas(16) volatile unsigned char local[16];
    uintptr_t fa = (uintptr_t)__builtin_frame_address(0);
    uintptr_t sp = regs_entry_sp();
    local[0] = 1;
    if (fa % 16u || (uintptr_t)local % 16u || sp % 16u != REGS_ENTRY_SP_MOD) {
        fprintf(stderr, "%s: frame address %#lx, aligned local %#lx, sp at a call %#lx\n", where,
                (unsigned long)fa, (unsigned long)(uintptr_t)local, (unsigned long)sp);
        misaligned++;
    }
}

static char cleanup_where[] = "deferred cleanup";

static void cleanup_checks(void *where)
{
    check_frame(where);
}

static void *sub_body(cogen *self, void *arg)
{
    (void)arg;
    check_frame("sub-generator, first entry");
    (void)cogen_yield(self, V(1), NULL);
    check_frame("sub-generator, after a yield");
    return NULL;
}

/* Called by regs_body_probe with the stack pointer of the body's entry
 * already recorded. */
static void *probe_body(cogen *self, void *arg)
{
    uintptr_t entry_sp = regs_body_entry_sp;
    if (entry_sp % 16u != REGS_ENTRY_SP_MOD) {
        fprintf(stderr, "body entered with sp %#lx\n", (unsigned long)entry_sp);
        misaligned++;
    }
    check_frame("body, first entry");
    CHECK_EQ_INT(cogen_defer(self, cleanup_checks, cleanup_where), 0);
    for (int i = 0; i < 3; i++) {
        if (cogen_yield(self, V(i), NULL) != COGEN_SENT)
            return NULL;
        check_frame("body, after a yield");
    }
    if (arg) {
        CHECK_EQ_INT(cogen_yield_from(self, arg, NULL), COGEN_RETURNED);
        check_frame("body, after yield_from");
    }
    return V(entry_sp % 16u);
}

static void run_probe(size_t stack_size, unsigned flags, int with_sub)
{
    cogen_opts o = {stack_size, "probe", flags};
    cogen *sub = with_sub ? cogen_new(sub_body, NULL, NULL) : NULL;
    cogen *g;
    void *out;
    int rc;
    regs_body_entry_sp = 1; /* never a stack pointer */
    regs_body_probe_next = probe_body;
    misaligned = 0;
    g = cogen_new(regs_body_probe, sub, &o);
    CHECK(g);
    if (!(flags & COGEN_PRIMED))
        CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    CHECK(regs_body_entry_sp != 1);
    do
        rc = cogen_next(g, &out);
    while (rc == COGEN_YIELDED);
    CHECK_EQ_INT(rc, COGEN_RETURNED);
    CHECK_EQ_INT(misaligned, 0);
    cogen_free(g);
    cogen_free(sub);
}

TEST(body_entry_aligned)
{
    run_probe(0, 0, 0);
}

TEST(primed_body_entry_aligned)
{
    run_probe(0, COGEN_PRIMED, 0);
}

TEST(body_entry_aligned_every_stack_size)
{
    /* Sizes that are not powers of two or page multiples, small to large. */
    static const size_t sizes[] = {1,        COGEN_STACK_MIN + 24, 20000, 65536 + 8, 100000 + 4,
                                   1u << 20, (3u << 20) + 40};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        run_probe(sizes[i], 0, 0);
}

TEST(alignment_in_cleanups_and_subs)
{
    run_probe(0, 0, 1);
    run_probe(0, COGEN_FPENV, 1);
}
