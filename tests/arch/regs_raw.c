/* SPDX-License-Identifier: MIT */
/* The context-switch primitive itself (src/arch/context.h), called straight
 * from assembly that has put known values in every callee-saved register:
 * no C code runs between loading them and the switch, so no compiler-saved
 * copy can hide a register the switch forgot. */
#include "arch/context.h"
#include "regs_util.h"

#include <stdalign.h>

#ifdef REGS_VALGRIND
#include <valgrind/valgrind.h>
#define REGISTER_STACK(s) ((void)VALGRIND_STACK_REGISTER((s), (s) + sizeof(s)))
#else
#define REGISTER_STACK(s) ((void)0)
#endif

enum { ROUNDS = 200, STACK_BYTES = 64 * 1024 };

static cogen_ctx main_ctx, a_ctx, b_ctx;
static alignas(16) char a_stack[STACK_BYTES];
static alignas(16) char b_stack[STACK_BYTES];
static int a_rounds, b_rounds;

/* So that valgrind takes a switch between them for one, not for a huge
 * stack frame (a_stack and b_stack are close together). */
__attribute__((constructor)) static void register_stacks(void)
{
    REGISTER_STACK(a_stack);
    REGISTER_STACK(b_stack);
}

/* Ping-pong: main <-> a. */
static void pingpong_entry(void *arg)
{
    (void)arg;
    for (a_rounds = 0; a_rounds < ROUNDS; a_rounds++) {
        regs_frame f;
        regs_fill(&f, 1000u + (unsigned)a_rounds);
        regs_switch(f.vals, f.after, &a_ctx, &main_ctx);
        regs_check(&f, "context a");
    }
    (void)cogen__ctx_jump(&a_ctx, &main_ctx, 0, NULL, 0);
    abort(); /* nobody resumes a after that */
}

TEST(raw_switch_ping_pong)
{
    cogen__ctx_init(&a_ctx, a_stack, a_stack + sizeof a_stack, pingpong_entry, NULL);
    for (int i = 0; i <= ROUNDS; i++) {
        regs_frame f;
        regs_fill(&f, (unsigned)i);
        regs_switch(f.vals, f.after, &main_ctx, &a_ctx);
        regs_check(&f, "main context");
    }
    CHECK_EQ_INT(a_rounds, ROUNDS);
}

/* A ring: main -> a -> b -> main, each switch made with the switching
 * side's own values in the registers. */
static void ring_a(void *arg)
{
    (void)arg;
    for (a_rounds = 0; a_rounds < ROUNDS; a_rounds++) {
        regs_frame f;
        regs_fill(&f, 2000u + (unsigned)a_rounds);
        regs_switch(f.vals, f.after, &a_ctx, &b_ctx);
        regs_check(&f, "context a");
    }
    (void)cogen__ctx_jump(&a_ctx, &b_ctx, 0, NULL, 0);
    abort();
}

static void ring_b(void *arg)
{
    (void)arg;
    for (b_rounds = 0; b_rounds < ROUNDS; b_rounds++) {
        regs_frame f;
        regs_fill(&f, 3000u + (unsigned)b_rounds);
        regs_switch(f.vals, f.after, &b_ctx, &main_ctx);
        regs_check(&f, "context b");
    }
    (void)cogen__ctx_jump(&b_ctx, &main_ctx, 0, NULL, 0);
    abort();
}

TEST(raw_switch_ring_of_three)
{
    cogen__ctx_init(&a_ctx, a_stack, a_stack + sizeof a_stack, ring_a, NULL);
    cogen__ctx_init(&b_ctx, b_stack, b_stack + sizeof b_stack, ring_b, NULL);
    for (int i = 0; i <= ROUNDS; i++) {
        regs_frame f;
        regs_fill(&f, (unsigned)i);
        regs_switch(f.vals, f.after, &main_ctx, &a_ctx);
        regs_check(&f, "main context");
    }
    CHECK_EQ_INT(a_rounds, ROUNDS);
    CHECK_EQ_INT(b_rounds, ROUNDS);
}

/* The first switch into a fresh context starts entry(arg) with the stack
 * aligned as the ABI wants at a function's entry. */
static uintptr_t fresh_entry_sp;
static void fresh_entry(void *arg)
{
    (void)arg;
    fresh_entry_sp = regs_entry_sp();
    (void)cogen__ctx_jump(&a_ctx, &main_ctx, 0, NULL, 0);
    abort();
}

TEST(raw_fresh_context_stack_alignment)
{
    /* Every 16-byte aligned top of stack, whatever the low bits above that. */
    for (size_t top = STACK_BYTES; top > STACK_BYTES - 256; top -= 16) {
        fresh_entry_sp = 0;
        cogen__ctx_init(&a_ctx, a_stack, a_stack + top, fresh_entry, NULL);
        (void)cogen__ctx_jump(&main_ctx, &a_ctx, 0, NULL, 0);
        CHECK(fresh_entry_sp > (uintptr_t)a_stack);
        CHECK(fresh_entry_sp < (uintptr_t)(a_stack + top));
        CHECK_EQ_INT(fresh_entry_sp % 16u, REGS_ENTRY_SP_MOD);
    }
}
