/*
 * Portable context switch on POSIX ucontext (glibc, musl with libucontext).
 * Chosen at configure time (COGEN_SWITCH=ucontext) where there is no
 * assembly switch for the architecture. It is ~100x slower than the
 * assembly switches: swapcontext saves the signal mask with a system call.
 */
#include "context.h"

#include <stdint.h>
#include <stdlib.h>

/* makecontext passes only int arguments: a pointer travels as two halves. */
static void ctx_start(unsigned hi_entry, unsigned lo_entry, unsigned hi_arg, unsigned lo_arg)
{
    uintptr_t e = ((uintptr_t)hi_entry << 16 << 16) | (uintptr_t)lo_entry;
    uintptr_t a = ((uintptr_t)hi_arg << 16 << 16) | (uintptr_t)lo_arg;
    void (*entry)(void *);
    *(void **)&entry = (void *)e; /* object-to-function pointer round trip, POSIX-defined */
    entry((void *)a);
    abort();
}

void cogen__ctx_init(cogen_ctx *ctx, char *lo, char *hi, void (*entry)(void *), void *arg)
{
    uintptr_t e = (uintptr_t) * (void **)&entry;
    uintptr_t a = (uintptr_t)arg;
    getcontext(&ctx->uc);
    ctx->uc.uc_stack.ss_sp = lo;
    ctx->uc.uc_stack.ss_size = (size_t)(hi - lo);
    ctx->uc.uc_link = NULL;
    makecontext(&ctx->uc, (void (*)(void))ctx_start, 4, (unsigned)(e >> 16 >> 16),
                (unsigned)(e & 0xffffffffu), (unsigned)(a >> 16 >> 16),
                (unsigned)(a & 0xffffffffu));
}

void cogen__ctx_switch(cogen_ctx *from, cogen_ctx *to)
{
    swapcontext(&from->uc, &to->uc);
}
