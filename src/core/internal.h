/* SPDX-License-Identifier: MIT */
/* The core's private declarations, shared by the files of src/core/ only;
 * what other layers may use is in src/shared.h. */
#ifndef COGEN_INTERNAL_H
#define COGEN_INTERNAL_H

#include "arch/context.h"
#include "shared.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#ifdef COGEN_FPENV_SUPPORT
#include <fenv.h>
#endif

/* ---- stacks (stack.c) ---- */

/* A stack slot: [guard page][usable stack ... control block] in one piece
 * of a larger mapping. The generator's control block lives at the top of its
 * own stack, so creating a generator is one pool pop and a parked
 * generator's struct shares a page with its topmost frames. */
typedef struct cogen__stack {
    char *lo;     /* lowest usable byte (just above the guard page) */
    char *hi;     /* one past the highest usable byte */
    unsigned cls; /* size class index, or COGEN__NO_CLASS (own mapping) */
} cogen__stack;

#define COGEN__NO_CLASS 0xffffffffu

/* Gets a stack with at least `usable` bytes; -1 with errno on failure.
 * Returns 1 for a stack from this thread's cache: its memory is as its
 * last user left it except the top word (the cache's link), so a control
 * block kept there that does not overlap that word can be reused as is.
 * Returns 0 for any other stack (its memory reads as zeros). */
COGEN_HIDDEN int cogen__stack_get(size_t usable, cogen__stack *out);
/* Returns a stack to the pool (or the system). */
COGEN_HIDDEN void cogen__stack_put(const cogen__stack *s);
/* For the overflow handler: if addr is in a guard page, the stack above it. */
COGEN_HIDDEN bool cogen__stack_guard_owner(const void *addr, cogen__stack *out);

/* The name and usable stack size of the generator living on stack st
 * (protocol.c; async-signal-safe: plain reads). */
COGEN_HIDDEN const char *cogen__stack_owner_name(const cogen__stack *st);
COGEN_HIDDEN size_t cogen__stack_owner_size(const cogen__stack *st);

/* Gives a stack's memory back and never reuses it (a stack that
 * overflowed under COGEN_OVERFLOW_ERROR). */
COGEN_HIDDEN void cogen__stack_retire(const cogen__stack *s);

/* From the overflow handler, on the alternate signal stack: if the
 * generator living on st was created with COGEN_OVERFLOW_ERROR and runs on this
 * thread, ends it with COGEN_ESTACK and switches to whoever resumed it
 * (restoring the signal mask `mask`): does not return. Otherwise returns. */
COGEN_HIDDEN void cogen__overflow_recover(const cogen__stack *st, const void *mask);

/* The mappings stacks are carved from (stack.c), listed newest first in
 * cogen__chunks (debug.c), which the overflow handler and debuggers read. */
typedef struct cogen__chunk {
    char *base;
    size_t len;
    size_t slot_size; /* guard + usable stack; the control block is at the top */
    struct cogen__chunk *next;
} cogen__chunk;
COGEN_HIDDEN extern _Atomic(cogen__chunk *) cogen__chunks;

/* ---- layout description for debuggers (debug.c) ---- */

/* Where a debugger finds what it shows in a control block (protocol.c
 * fills it in, as struct cogen is private to it). Byte offsets. */
typedef struct cogen__gen_layout {
    unsigned long size, align;    /* sizeof(struct cogen); it is aligned down to align
                                     below the top of its slot */
    unsigned long ctx;            /* saved context (its first word: the stack pointer) */
    unsigned long state, flags;   /* int, unsigned */
    unsigned long fn, arg;        /* body function, its argument; fn is NULL in a free slot */
    unsigned long delegate;       /* cogen *: the sub of a yield_from in progress */
    unsigned long parent;         /* cogen *: the generator delegating to this one */
    unsigned long stack_lo;       /* char *: lowest usable byte of its stack */
    unsigned long name, name_cap; /* char[name_cap] */
    /* The values `state` takes, so that a debugger never hard-codes them:
     * the public states, and the private one of a delegator parked in
     * cogen_yield_from. */
    unsigned long created, running, suspended, closed, delegating;
} cogen__gen_layout_t;
COGEN_HIDDEN extern const cogen__gen_layout_t cogen__gen_layout;

/* ---- stack overflow reporting (overflow.c) ---- */

/* Makes sure this thread can report a stack overflow (handler installed,
 * alternate signal stack in place). One thread-local test after the first
 * call: it runs on every resume. */
COGEN_HIDDEN extern _Thread_local bool cogen__altstack_ready
    __attribute__((tls_model("initial-exec")));
COGEN_HIDDEN void cogen__overflow_guard_thread_slow(void);
static inline void cogen__overflow_guard_thread(void)
{
    if (COGEN_UNLIKELY(!cogen__altstack_ready))
        cogen__overflow_guard_thread_slow();
}

#endif
