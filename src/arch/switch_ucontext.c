/* SPDX-License-Identifier: MIT */
/*
 * Portable context switch on POSIX ucontext (glibc, musl with libucontext).
 * Chosen at configure time (COGEN_SWITCH=ucontext) where there is no
 * assembly switch for the architecture. It is ~100x slower than the
 * assembly switches: swapcontext saves the signal mask with a system call.
 *
 * swapcontext saves and restores the floating-point control state too
 * (glibc: x87 CW and MXCSR on x86-64, FPCR/FPSR on AArch64), which would
 * give every context its own. The policy (context.h) is that it belongs to
 * the thread, as with the assembly switches: the side that switches away
 * hands its environment over in the thread (see handoff), and the side
 * resumed installs it again once swapcontext has returned. The signal mask is handled the
 * same way (it belongs to the thread, not to a context).
 */
#include "context.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

/* What a switch hands to the side it lands in: the thread's floating-point
 * environment and what cogen__ctx_jump carries. It travels in the thread
 * (the landing code runs on the thread that switched), not in the
 * context: a context saved in a record may be resumed through a copy. */
typedef struct handoff {
    fenv_t fenv;
    int ret;
    void *publish;
    uint64_t word;
} handoff;
static _Thread_local handoff handoffs;

/* Looked up afresh after a switch (this side may have changed threads
 * since it last computed the address): a call the compiler can neither
 * inline nor see through. */
__attribute__((noinline)) static handoff *my_handoff(void)
{
    handoff *h = &handoffs;
    /* Hides the address from interprocedural constant propagation too:
     * clang 14 takes a thread-local's address for a constant and, seeing
     * this function always return it, reused the copy computed before
     * swapcontext, on what could be another thread by then. */
    __asm__ volatile("" : "+r"(h)::"memory");
    return h;
}

static int arrive(void)
{
    handoff *h = my_handoff();
    fesetenv(&h->fenv);
    if (h->publish)
        __atomic_store_n((uint64_t *)h->publish, h->word, __ATOMIC_RELEASE);
    return h->ret;
}

/* makecontext passes only int arguments: a pointer travels as two halves. */
static void ctx_start(unsigned hi, unsigned lo)
{
    cogen_ctx *ctx = (cogen_ctx *)(((uintptr_t)hi << 16 << 16) | (uintptr_t)lo);
    cogen__ctx_end end = ctx->end;
    struct cogen *g = ctx->g;
    (void)arrive();
    end(g, ctx->body(g, ctx->arg));
    abort();
}

/* The switch, inline in every function that switches: ThreadSanitizer keeps a
 * call stack per fiber, and each side must enter exactly one instrumented
 * function between its fiber switch and the stack switch (the one it
 * returns from when switched back to), or that stack drifts. */
static inline __attribute__((always_inline)) int switch_to(cogen_ctx *from, cogen_ctx *to, int ret,
                                                           void *publish, uint64_t word)
{
    /* Nothing runs on from's stack once swapcontext has saved it, so the
     * side landing in `to` publishes on from's behalf. swapcontext
     * installs the signal mask saved with `to` (at creation or its last
     * switch away); the assembly switches leave the mask alone, so the
     * side resumed runs with the mask of the side leaving. */
    ucontext_t here;
    handoff *h = my_handoff();
    h->ret = ret;
    h->publish = publish;
    h->word = word;
    fegetenv(&h->fenv);
    (void)pthread_sigmask(SIG_SETMASK, NULL, &to->uc->uc_sigmask);
    if (from) /* NULL: an exit, never resumed */
        from->uc = &here;
    swapcontext(&here, to->uc);
    return arrive();
}

int cogen__ctx_jump(cogen_ctx *from, cogen_ctx *to, int ret)
{
    return switch_to(from, to, ret, NULL, 0);
}

int cogen__ctx_jump_out(cogen_ctx *from, cogen_ctx *to, int ret, void *publish, uint64_t word)
{
    return switch_to(from, to, ret, publish, word);
}

int cogen__ctx_exit(cogen_ctx *to, int ret, void *publish, uint64_t word)
{
    return switch_to(NULL, to, ret, publish, word);
}

int cogen__ctx_start(cogen_ctx *from, cogen_ctx *to, cogen__ctx_body body, struct cogen *g,
                     void *arg, cogen__ctx_end end)
{
    uintptr_t c = (uintptr_t)to;
    to->body = body;
    to->g = g;
    to->arg = arg;
    to->end = end;
    /* The first context is kept above the stack it runs on. */
    to->uc = (ucontext_t *)(((uintptr_t)to->hi - sizeof(ucontext_t)) & ~(uintptr_t)63);
    getcontext(to->uc);
    to->uc->uc_stack.ss_sp = to->lo;
    to->uc->uc_stack.ss_size = (size_t)((char *)to->uc - to->lo);
    to->uc->uc_link = NULL;
    makecontext(to->uc, (void (*)(void))ctx_start, 2, (unsigned)(c >> 16 >> 16),
                (unsigned)(c & 0xffffffffu));
    return switch_to(from, to, 0, NULL, 0);
}
