/* SPDX-License-Identifier: MIT */
/*
 * The one primitive everything else is built on: save the running context,
 * resume another. Implemented once per architecture/ABI in this folder
 * (switch_x86_64_sysv.S, switch_aarch64.S) and once portably with
 * ucontext (switch_ucontext.c); CMake picks one (COGEN_SWITCH).
 *
 * A switch saves exactly what the ABI says a called function must preserve
 * (callee-saved integer registers, stack pointer, return address and, on
 * AArch64, d8-d15). The floating-point control state is not switched: it
 * belongs to the thread unless a generator asks for its own (COGEN_FPENV,
 * handled in C in src/core/protocol.c).
 */
#ifndef COGEN_ARCH_CONTEXT_H
#define COGEN_ARCH_CONTEXT_H

#include <stddef.h>
#include <stdint.h>

struct cogen;

/* What a fresh context runs: body(g, arg), then end(g, what body
 * returned). end never returns: it switches away for good. */
typedef void *(*cogen__ctx_body)(struct cogen *g, void *arg);
typedef void (*cogen__ctx_end)(struct cogen *g, void *result);

/* Each engine's context, and cogen__ctx_init(ctx, lo, hi), which prepares
 * `ctx` for a context that will run on the stack [lo, hi) once
 * cogen__ctx_start starts it. It writes nothing on the stack and costs a
 * store or two: creating a generator is short enough that preparing a
 * first frame there, in a call, was a measurable part of it
 * (BENCHMARKS.md). `hi` must be 16-byte aligned. */
#ifdef COGEN_SWITCH_UCONTEXT
#include <fenv.h>
#include <ucontext.h>
typedef struct cogen_ctx {
    /* Where the context is saved: in the frame of the switch that saved
     * it (so that a cogen_ctx can be copied: a ucontext_t cannot, glibc's
     * points into itself), or at the top of its stack for a fresh one. */
    ucontext_t *uc;
    char *lo, *hi; /* a fresh context's stack */
    cogen__ctx_body body;
    struct cogen *g;
    void *arg;
    cogen__ctx_end end;
} cogen_ctx;

static inline void cogen__ctx_init(cogen_ctx *ctx, char *lo, char *hi)
{
    ctx->lo = lo;
    ctx->hi = hi;
}
#else
typedef struct cogen_ctx {
    void *sp; /* saved stack pointer; the registers are pushed below it */
} cogen_ctx;

/* A fresh context's stack pointer is the top of its stack: nothing is
 * saved below it yet. */
static inline void cogen__ctx_init(cogen_ctx *ctx, char *lo, char *hi)
{
    (void)lo;
    ctx->sp = hi;
}
#endif

/* Saves the running context into `from`, as cogen__ctx_jump does, and
 * starts `to`, prepared by cogen__ctx_init and never started: it calls
 * body(g, arg) on its stack, then end(g, what body returned), which must
 * not return (it switches away for good). Both are entered as the ABI
 * wants a called function entered, stack alignment included. The engine
 * calls the body itself, so that no C function of ours sits between the
 * body and the bottom of its stack, calling it and never returning: on
 * x86-64 that cost about 1 ns of a 21 ns create+run+destroy
 * (BENCHMARKS.md). Returns, like cogen__ctx_jump, when someone switches
 * back to `from`, with what that switch passes as `ret`. */
int cogen__ctx_start(cogen_ctx *from, cogen_ctx *to, cogen__ctx_body body, struct cogen *g,
                     void *arg, cogen__ctx_end end);

/* Saves the running context into `from` and resumes `to`; returns when
 * someone switches back to `from`. It is made to end a call on both
 * sides: `ret` becomes the return value of the switch `to` is parked in
 * (this one, cogen__ctx_jump_out or cogen__ctx_start). So neither side has
 * work left after its switch, and both reach it by a tail call: no `ret`
 * runs whose prediction the switch has made wrong. */
int cogen__ctx_jump(cogen_ctx *from, cogen_ctx *to, int ret);

/* The same switch, for leaving a generator (it yields, delegates or
 * ends; cogen__ctx_exit takes the common end): it also stores
 * `word` into the 8 aligned bytes at `publish` (not NULL), with release
 * order, once from's context is saved and nothing runs on its stack any
 * more. (The word is a generator's claim word, stored whole: its next
 * claim reads it whole, and a load wider than the store it follows would
 * wait for that store to reach the cache.) A function of its own, not a
 * cogen__ctx_jump with an optional store: the instructions between the
 * new stack pointer's load and the closing jump are on the round trip's
 * critical path, and on x86-64 the test for "no store" there cost 2-9 %
 * of it (BENCHMARKS.md). On x86-64 it is also a second copy of the code, so
 * that each copy's closing jump has one target in a steady loop
 * (switch_x86_64_sysv.S). */
int cogen__ctx_jump_out(cogen_ctx *from, cogen_ctx *to, int ret, void *publish, uint64_t word);

/* The last switch out of a context that never runs again (its body has
 * ended): resumes `to` as cogen__ctx_jump does, saving nothing, and stores
 * `word` into the 8 aligned bytes at `publish` (not NULL), with release
 * order, once nothing runs on the stack left any more. */
int cogen__ctx_exit(cogen_ctx *to, int ret, void *publish, uint64_t word);

/*
 * Where a claim biased to one thread pays (src/core/bias.c): on x86-64
 * every locked instruction drains the store buffer, which right after a
 * switch costs more than the rest of a resume's bookkeeping. The biased
 * claim itself is C, with Linux's membarrier; it takes the claim word's
 * state to be its low half, as on a little-endian processor.
 */
#if defined(__x86_64__)
#define COGEN_ARCH_LOCAL_CLAIM 1
#endif

#endif
