/* SPDX-License-Identifier: MIT */
/* The context-switch primitive itself (src/arch/context.h), called straight
 * from assembly that has put known values in every callee-saved register:
 * no C code runs between loading them and the switch, so no compiler-saved
 * copy can hide a register the switch forgot. */
#include "arch/context.h"
#include "regs_util.h"

#include <stdalign.h>
#include <stdbool.h>

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

/* The end of a context whose body returns; these bodies never do. */
static void never_ends(struct cogen *g, void *result)
{
    (void)g;
    (void)result;
    abort();
}

/* What regs_start starts next. */
static void set_fresh(void *(*body)(struct cogen *, void *), struct cogen *g, void *arg,
                      void (*end)(struct cogen *, void *))
{
    regs_fresh.body = body;
    regs_fresh.g = g;
    regs_fresh.arg = arg;
    regs_fresh.end = end;
}

/* Switches from `from` to `to` with known values in the registers: the
 * first time, `to` is fresh and is started (regs_fresh says with what). */
static void switch_or_start(bool first, const uint64_t *vals, uint64_t *after, cogen_ctx *from,
                            cogen_ctx *to)
{
    if (first)
        regs_start(vals, after, from, to);
    else
        regs_switch(vals, after, from, to);
}

/* Ping-pong: main <-> a, as a resumer and a generator do it: into a with
 * the switch (the first time, the start), out of it with the switch out,
 * which also publishes a word, there by the time main runs again. */
static uint64_t yield_word;
static void *pingpong_entry(struct cogen *g, void *arg)
{
    (void)g;
    (void)arg;
    for (a_rounds = 0; a_rounds < ROUNDS; a_rounds++) {
        regs_frame f;
        regs_fill(&f, 1000u + (unsigned)a_rounds);
        regs_publish.at = &yield_word;
        regs_publish.word = 0x900du + (uint64_t)a_rounds;
        regs_switch_out(f.vals, f.after, &a_ctx, &main_ctx);
        regs_check(&f, "context a");
    }
    (void)cogen__ctx_jump(&a_ctx, &main_ctx, 0);
    abort(); /* nobody resumes a after that */
}

/* The start is checked like the switches: it keeps the starting side's
 * registers for when it is switched back to. */
TEST(raw_switch_ping_pong)
{
    cogen__ctx_init(&a_ctx, a_stack, a_stack + sizeof a_stack);
    set_fresh(pingpong_entry, NULL, NULL, never_ends);
    for (int i = 0; i <= ROUNDS; i++) {
        regs_frame f;
        yield_word = 0;
        regs_fill(&f, (unsigned)i);
        switch_or_start(i == 0, f.vals, f.after, &main_ctx, &a_ctx);
        regs_check(&f, "main context");
        CHECK_EQ_INT(a_rounds, i);
        CHECK(yield_word == (i < ROUNDS ? 0x900du + (uint64_t)i : 0));
    }
}

/* A ring: main -> a -> b -> main, each switch made with the switching
 * side's own values in the registers. */
static void *ring_b(struct cogen *g, void *arg);
static void *ring_a(struct cogen *g, void *arg)
{
    (void)g;
    (void)arg;
    for (a_rounds = 0; a_rounds < ROUNDS; a_rounds++) {
        regs_frame f;
        regs_fill(&f, 2000u + (unsigned)a_rounds);
        if (a_rounds == 0)
            set_fresh(ring_b, NULL, NULL, never_ends);
        switch_or_start(a_rounds == 0, f.vals, f.after, &a_ctx, &b_ctx);
        regs_check(&f, "context a");
    }
    (void)cogen__ctx_jump(&a_ctx, &b_ctx, 0);
    abort();
}

static void *ring_b(struct cogen *g, void *arg)
{
    (void)g;
    (void)arg;
    for (b_rounds = 0; b_rounds < ROUNDS; b_rounds++) {
        regs_frame f;
        regs_fill(&f, 3000u + (unsigned)b_rounds);
        regs_switch(f.vals, f.after, &b_ctx, &main_ctx);
        regs_check(&f, "context b");
    }
    (void)cogen__ctx_jump(&b_ctx, &main_ctx, 0);
    abort();
}

TEST(raw_switch_ring_of_three)
{
    cogen__ctx_init(&a_ctx, a_stack, a_stack + sizeof a_stack);
    cogen__ctx_init(&b_ctx, b_stack, b_stack + sizeof b_stack);
    set_fresh(ring_a, NULL, NULL, never_ends);
    for (int i = 0; i <= ROUNDS; i++) {
        regs_frame f;
        regs_fill(&f, (unsigned)i);
        switch_or_start(i == 0, f.vals, f.after, &main_ctx, &a_ctx);
        regs_check(&f, "main context");
    }
    CHECK_EQ_INT(a_rounds, ROUNDS);
    CHECK_EQ_INT(b_rounds, ROUNDS);
}

/* Starting a fresh context calls body(g, arg) with the stack aligned as
 * the ABI wants at a function's entry. */
static uintptr_t fresh_entry_sp;
static void *fresh_entry(struct cogen *g, void *arg)
{
    (void)g;
    (void)arg;
    fresh_entry_sp = regs_entry_sp();
    (void)cogen__ctx_jump(&a_ctx, &main_ctx, 0);
    abort();
}

TEST(raw_fresh_context_stack_alignment)
{
    /* Every 16-byte aligned top of stack, whatever the low bits above that. */
    for (size_t top = STACK_BYTES; top > STACK_BYTES - 256; top -= 16) {
        fresh_entry_sp = 0;
        cogen__ctx_init(&a_ctx, a_stack, a_stack + top);
        (void)cogen__ctx_start(&main_ctx, &a_ctx, fresh_entry, NULL, NULL, never_ends);
        CHECK(fresh_entry_sp > (uintptr_t)a_stack);
        CHECK(fresh_entry_sp < (uintptr_t)(a_stack + top));
        CHECK_EQ_INT(fresh_entry_sp % 16u, REGS_ENTRY_SP_MOD);
    }
}

/* A body that returns: its end gets the generator the body was started
 * with (kept in a callee-saved register by the engine, across a body that
 * switched with its own values in all of them) and what the body returned,
 * and is entered with the stack aligned as the ABI wants. */
static struct cogen *const the_g = (struct cogen *)(uintptr_t)0x1234560;
static void *got_arg, *got_result;
static struct cogen *got_g, *body_g;
static uintptr_t end_entry_sp;

static void *returns_arg_plus_one(struct cogen *g, void *arg)
{
    regs_frame f;
    body_g = g;
    got_arg = arg;
    /* Switch out and back once with known values in every register, so
     * that the body itself uses them all before it returns. */
    regs_fill(&f, 4000u);
    regs_switch(f.vals, f.after, &a_ctx, &main_ctx);
    regs_check(&f, "returning body");
    return (char *)arg + 1;
}

static void records_end(struct cogen *g, void *result)
{
    end_entry_sp = regs_entry_sp();
    got_g = g;
    got_result = result;
    (void)cogen__ctx_jump(&a_ctx, &main_ctx, 0);
    abort();
}

TEST(raw_body_that_returns_reaches_its_end)
{
    static char arg[4];
    for (size_t top = STACK_BYTES; top > STACK_BYTES - 64; top -= 16) {
        regs_frame f;
        got_g = body_g = NULL;
        got_arg = got_result = NULL;
        end_entry_sp = 0;
        cogen__ctx_init(&a_ctx, a_stack, a_stack + top);
        (void)cogen__ctx_start(&main_ctx, &a_ctx, returns_arg_plus_one, the_g, arg, records_end);
        CHECK(body_g == the_g && got_arg == arg && got_g == NULL);
        regs_fill(&f, 5000u);
        regs_switch(f.vals, f.after, &main_ctx, &a_ctx); /* returns, ends */
        regs_check(&f, "main context");
        CHECK(got_g == the_g);
        CHECK(got_result == arg + 1);
        CHECK(end_entry_sp > (uintptr_t)a_stack && end_entry_sp < (uintptr_t)(a_stack + top));
        CHECK_EQ_INT(end_entry_sp % 16u, REGS_ENTRY_SP_MOD);
    }
}

/* The last switch out of a context whose body has ended saves nothing of
 * it: the side it resumes gets its registers back, and the word is
 * published. */
static uint64_t published;
static void *returns_at_once(struct cogen *g, void *arg)
{
    (void)g;
    return arg;
}

static void exits(struct cogen *g, void *result)
{
    (void)g;
    (void)result;
    (void)cogen__ctx_exit(&main_ctx, 0, &published, 0x5eedu);
    abort();
}

TEST(raw_exit_resumes_with_registers_and_publishes)
{
    for (int i = 0; i < ROUNDS; i++) {
        regs_frame f;
        published = 0;
        cogen__ctx_init(&a_ctx, a_stack, a_stack + sizeof a_stack);
        set_fresh(returns_at_once, NULL, NULL, exits);
        regs_fill(&f, 6000u + (unsigned)i);
        regs_start(f.vals, f.after, &main_ctx, &a_ctx);
        regs_check(&f, "main context, after an exit");
        CHECK(published == 0x5eedu);
    }
}
