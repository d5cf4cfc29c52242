/* SPDX-License-Identifier: MIT */
/* The core's private declarations, shared by the files of src/core/ only;
 * what other layers may use is in src/shared.h. */
#ifndef COGEN_INTERNAL_H
#define COGEN_INTERNAL_H

#include "arch/context.h"
#include "sanitize.h"
#include "shared.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
    unsigned cls; /* size class index */
} cogen__stack;

/* Gets a stack with at least `usable` bytes; -1 with errno on failure.
 * Returns 1 for a stack from this thread's cache: its memory is as its
 * last user left it except the top word (the cache's link), so a control
 * block kept there that does not overlap that word can be reused as is.
 * Returns 0 for any other stack (its memory reads as zeros). */
COGEN_HIDDEN int cogen__stack_get(size_t usable, cogen__stack *out);
/* Returns a stack to the pool (or the system). */
COGEN_HIDDEN void cogen__stack_put(const cogen__stack *s);

/* Each thread's cache of free stacks, one list per size class, linked
 * through the top word of each stack (see struct cogen's pool_link). In
 * the header so that creating and freeing a generator, in their common
 * case, pop and push without a call, and so without a frame of their own
 * (BENCHMARKS.md). */
enum {
    COGEN__CLASS_MIN_SHIFT = 14, /* 16 KiB, the smallest class */
    COGEN__CLASS_MAX_SHIFT = 40, /* 1 TiB: more is refused */
    COGEN__NCLASSES = COGEN__CLASS_MAX_SHIFT - COGEN__CLASS_MIN_SHIFT + 1,
    /* The class of COGEN_STACK_DEFAULT (stack.c checks it). */
    COGEN__DEFAULT_CLASS = 3,
    /* Stacks each thread keeps warm (pages untouched) per size class. */
    COGEN__WARM_STACKS = 64,
};

typedef struct cogen__free_slot {
    struct cogen__free_slot *next;
} cogen__free_slot;

typedef struct cogen__stack_cache {
    cogen__free_slot *head[COGEN__NCLASSES];
    unsigned count[COGEN__NCLASSES];
    bool flushed; /* the thread is exiting: frees go to the global pool */
    bool open;    /* its flush is registered and it has not run */
} cogen__stack_cache;

/* initial-exec: in libcogen.so a plain %fs-relative access instead of a
 * __tls_get_addr call on every create and free. Once one variable is
 * initial-exec, the library's whole TLS block (about 1 KiB, every layer's)
 * must be in the static TLS block: a libcogen.so loaded with dlopen draws
 * it from glibc's reserve for that purpose (tools/ci/install-check.sh
 * loads it so). */
COGEN_HIDDEN extern _Thread_local cogen__stack_cache cogen__stack_cache_of_thread
    __attribute__((tls_model("initial-exec")));

/* One past the top of a stack of class cls from this thread's cache, or
 * NULL if it has none. Its memory is as its last user left it but for the
 * top word (the link). */
static inline char *cogen__stack_pop_cached(unsigned cls)
{
    cogen__stack_cache *c = &cogen__stack_cache_of_thread;
    cogen__free_slot *l = c->head[cls];
    if (COGEN_UNLIKELY(!l))
        return NULL;
    c->head[cls] = l->next;
    c->count[cls]--;
    return (char *)(l + 1);
}

/* Puts s into this thread's cache; false, with nothing done, if the cache
 * cannot take it (full, not open yet, the thread exiting):
 * cogen__stack_put then finds it a place. *s may be the stack's own
 * control block's copy: it is read before the link is written. */
static inline bool cogen__stack_push_cached(const cogen__stack *s)
{
    cogen__stack_cache *c = &cogen__stack_cache_of_thread;
    unsigned cls = s->cls;
    cogen__free_slot *l = (cogen__free_slot *)(void *)s->hi - 1;
    if (COGEN_UNLIKELY(c->count[cls] >= COGEN__WARM_STACKS || !c->open))
        return false;
    l->next = c->head[cls];
    c->head[cls] = l;
    c->count[cls]++;
    return true;
}
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

/* ---- claims biased to one thread (bias.c) ---- */

/* Where a generator can be taken without a locked instruction by the
 * thread it is biased to: x86-64, outside sanitizer builds (which do not
 * model the fence a revocation relies on). */
#if defined(COGEN_ARCH_LOCAL_CLAIM) && !defined(COGEN_SAN_SWITCH)
#define COGEN_BIASED_CLAIMS 1
#endif

/* A generator's claim word: its state (low half) and its bias (high half)
 * in one 8-byte aligned word, so that one compare-and-swap checks both. A
 * gnu extension: the halves are also accessed alone, as 32-bit atomics. */
typedef uint64_t __attribute__((may_alias)) cogen__claim_word;

static inline uint64_t cogen__claim_pack(int state, uint32_t bias)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return (uint64_t)(uint32_t)state << 32 | bias;
#else
    return (uint32_t)state | (uint64_t)bias << 32;
#endif
}

/* Bias values: who may take the generator without a locked instruction. */
enum {
    COGEN__BIAS_NONE = 0,   /* never resumed: its first resume sets it */
    COGEN__BIAS_SHARED = 1, /* nobody: every claim is a locked compare-and-swap */
    COGEN__BIAS_FIRST = 2,  /* and above: a thread's number (cogen__me) */
};
/* Or, with this bit: on its way to SHARED, revoked by the thread whose
 * revoker number is in the other bits (wait). */
#define COGEN__BIAS_REVOKING 0x80000000u

/* A thread that takes generators biased to it. Records live for the whole
 * process (a revoker may read one after its thread has exited); a new
 * thread reuses an exited one's number. */
typedef struct cogen__claimer {
    _Alignas(64) _Atomic int busy; /* inside an unlocked claim; written by its thread only */
    unsigned next_free;
} cogen__claimer;

enum { COGEN__CLAIMERS = 1024 };
#define COGEN__NO_CLAIMER 0xffffffffu
COGEN_HIDDEN extern cogen__claimer cogen__claimers[COGEN__CLAIMERS];

/* What a resume reads of its thread, in one place (one GOT load reaches
 * it in libcogen.so): the generator running on the thread, and what its
 * biased claims need, ready to use: its number, the claim word of a
 * SUSPENDED generator biased to it (0, which no claim word is, until it
 * has a number) and its `busy` flag. */
typedef struct cogen__my_claims {
    struct cogen *current; /* protocol.c: the running generator, or NULL */
    uint64_t suspended;
    _Atomic int *busy;
    uint32_t number; /* COGEN__NO_CLAIMER until its first biased claim */
} cogen__my_claims;
COGEN_HIDDEN extern _Thread_local cogen__my_claims cogen__me
    __attribute__((tls_model("initial-exec")));

/* Takes the generator whose state (the low half of its claim word) is
 * *state, in state `from` (SUSPENDED or CREATED), into state `to` (RUNNING,
 * or protocol.c's PROBING) with a locked compare-and-swap: first revoking
 * another thread's bias (once per generator: a system call); a first
 * resume (from CREATED) gives the generator its bias. false, with nothing
 * changed, if its state is not `from` (any more). */
COGEN_HIDDEN bool cogen__claim_locked(_Atomic int *state, int from, int to);

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
