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
 * leaves its environment in the context it resumes, which installs it
 * again once swapcontext has returned. The signal mask is handled the
 * same way (it belongs to the thread, not to a context).
 */
#include "context.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>

/* makecontext passes only int arguments: a pointer travels as two halves. */
static void ctx_start(unsigned hi, unsigned lo)
{
    cogen_ctx *ctx = (cogen_ctx *)(((uintptr_t)hi << 16 << 16) | (uintptr_t)lo);
    fesetenv(&ctx->fenv);
    ctx->entry(ctx->arg);
    abort();
}

void cogen__ctx_init(cogen_ctx *ctx, char *lo, char *hi, void (*entry)(void *), void *arg)
{
    uintptr_t c = (uintptr_t)ctx;
    ctx->entry = entry;
    ctx->arg = arg;
    getcontext(&ctx->uc);
    ctx->uc.uc_stack.ss_sp = lo;
    ctx->uc.uc_stack.ss_size = (size_t)(hi - lo);
    ctx->uc.uc_link = NULL;
    makecontext(&ctx->uc, (void (*)(void))ctx_start, 2, (unsigned)(c >> 16 >> 16),
                (unsigned)(c & 0xffffffffu));
}

void cogen__ctx_switch(cogen_ctx *from, cogen_ctx *to)
{
    /* swapcontext installs the signal mask saved with `to` (at creation or
     * its last switch away); the assembly switches leave the mask alone,
     * so the side resumed runs with the mask of the side leaving. */
    (void)pthread_sigmask(SIG_SETMASK, NULL, &to->uc.uc_sigmask);
    fegetenv(&to->fenv);
    swapcontext(&from->uc, &to->uc);
    fesetenv(&from->fenv);
}
