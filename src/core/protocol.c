/* SPDX-License-Identifier: MIT */
/*
 * The generator protocol: send, yield, throw, close, return, yield from.
 *
 * Every operation is one switch between two contexts plus a record of what
 * crossed. The resumer (send/next/throw/close) puts an `xfer` on its own
 * stack: what it brings in (kind: SENT, THROWN or EXIT, and a value) and
 * room for what comes back (status: YIELDED, RETURNED or ERROR, and a
 * value). It switches into the generator; the generator's cogen_yield reads
 * the kind and value, and when the body yields again it writes the status
 * and value into the same record and switches back. Production and
 * consumption are the two halves of the same switch, as Python's single
 * YIELD_VALUE opcode both hands a value out and takes one in.
 *
 * Delegation (yield from) in constant time: a send to a delegating
 * generator goes straight to the innermost generator of the chain (its
 * `delegate` links), which yields straight back to the resumer. Delegators
 * wake only when their sub-generator ends (it switches to its parent
 * instead of to the resumer) or when they are closed (EXIT goes to the
 * generator it is addressed to, which closes its sub first, as PEP 380
 * says). So only ends and closes walk the chain one level at a time.
 */
#include "internal.h"

#include <errno.h>
#include <fenv.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sanitize.h"

/* A call the optimiser may neither inline nor clone (gcc), for code that
 * must look up thread-local data afresh after a switch. */
#if defined(__clang__)
#define COGEN_NOINLINE_OPAQUE __attribute__((noinline))
#else
#define COGEN_NOINLINE_OPAQUE __attribute__((noinline, noclone))
#endif

enum wake { WAKE_MSG, WAKE_SUB_DONE };

/* What crosses one resume. It lives in the generator the resume claimed
 * (the innermost of its chain: see take), which only the resume's holder
 * touches. When the resume moves to another generator of the chain (a
 * delegator starts its sub, or is woken by its ending sub) the record is
 * copied: the resumer is parked, so the copy is as good, and the generator
 * it came from may be freed before the resume is over. What was sent is
 * not in it: the value goes straight to where the generator's paused
 * cogen_yield wants it, the kind is what the switch returns. */
typedef struct xfer {
    cogen_ctx ctx;       /* the resumer's saved context */
    void **out;          /* where the resumer wants the value yielded or returned */
    cogen *prev;         /* the resumer's current generator, given back on the way out */
    cogen *target;       /* the generator the call was addressed to */
    bool held;           /* a delegator closing its sub (close_held): a generator
                            that yields leaves the chain first */
    fenv_t fenv;         /* the resumer's floating-point environment, while an
                            FPENV generator runs */
    cogen__san_side san; /* the resumer's side, for sanitizers */
} xfer;

typedef struct deferred {
    void (*fn)(void *);
    void *arg;
} deferred;

enum { INLINE_DEFERS = 4 };

struct cogen {
    /* Hot: read on every send/yield. Aligned so that the block ends exactly
     * at the top of its stack (see owner_of), its last word unused. */
    _Alignas(64) cogen_ctx ctx; /* saved context while not running */
    void **received;            /* where its paused cogen_yield wants the value sent */
    /* The claim word (bias.c): the state, COGEN_CREATED ... COGEN_CLOSED
     * (own, see getstate), and the number of the thread whose claims need
     * no locked instruction, or another COGEN__BIAS_ value. */
    _Alignas(8) _Atomic int state;
    _Atomic uint32_t bias;
    unsigned flags;
    bool finishing; /* cleanups are running: no more yields */
    bool retired;   /* overflowed under COGEN_OVERFLOW_ERROR: its stack is not reused */
    /* A yield_from chain (see take): every member points to the chain's
     * outermost generator (`top`), whose `leaf` is the innermost; the
     * others' `leaf` points to themselves, so that a send to a delegator
     * in the middle of a chain that reads it (take_fast) finds a generator
     * it cannot claim, never a stale pointer. Read without the chain's
     * claim, so atomic; written only by its holder. */
    _Atomic(cogen *) top;
    _Atomic(cogen *) leaf;
    /* Unique per generator ever made (see call_error), so that a thread's
     * record of an error about a freed generator never applies to a new one
     * at the same address. */
    unsigned long generation;
    /* The second cache line: what a send and a yield write. */
    xfer xf;         /* the record of the resume in progress (see xfer) */
    cogen *delegate; /* sub-generator of a yield_from in progress */
    cogen *parent;   /* the generator delegating to this one */
    /* Delegation bookkeeping. */
    int wake;       /* why a delegator was resumed (enum wake): set to
                       WAKE_SUB_DONE by its ending sub, WAKE_MSG otherwise */
    int sub_status; /* how its sub ended, for WAKE_SUB_DONE (an error is
                       copied into the delegator's own) */
    void *sub_value;
    cogen_fn fn;
    void *arg;
    deferred *defers;
    unsigned ndefers, cap;
    deferred inline_defers[INLINE_DEFERS];
    cogen__stack stack;
    cogen__san_gen san;
    fenv_t fenv;     /* own environment, with COGEN_FPENV */
    cogen__errbuf e; /* errors of the body: written by whoever runs it */
    char name[COGEN__NAME_CAP];
    /* The stack cache's link while the slot is free (cogen__stack_get):
     * nothing above is overwritten, so a new generator on a slot from this
     * thread's cache keeps what cogen_free left in place (cogen_new). */
    void *pool_link;
};

_Static_assert(offsetof(struct cogen, bias) == offsetof(struct cogen, state) + 4 &&
                   offsetof(struct cogen, state) % 8 == 0,
               "the claim word is not one aligned word, state first");

/* The block ends at the top of its stack and nothing but padding or
 * pool_link is in its last word. */
_Static_assert(sizeof(struct cogen) % 64 == 0, "control block not a multiple of its alignment");
_Static_assert(offsetof(struct cogen, pool_link) + sizeof(void *) <= sizeof(struct cogen) &&
                   offsetof(struct cogen, name) + COGEN__NAME_CAP <= sizeof(struct cogen) - 8,
               "the stack cache's link would overwrite the control block");

/*
 * Errors found at a call site without running the generator (EBUSY,
 * EFRESH, bad arguments, an error thrown into an unstarted or ended one,
 * EIGNORED) are not written into the generator: another thread may be
 * running it and reading its error. They go to the calling thread's own
 * record, which cogen_last_error(g) returns on that thread until the
 * thread next records an error of g's body.
 */
typedef struct call_error {
    const cogen *g;
    unsigned long generation;
    cogen__errbuf e;
} call_error;

/* initial-exec: no __tls_get_addr call per throw, close or refusal in
 * libcogen.so. It adds nothing to what a dlopen'ed libcogen.so takes of the
 * static TLS block: the module's whole block goes there once one variable
 * of it is initial-exec (see stack.c). */
static _Thread_local call_error call_errors __attribute__((tls_model("initial-exec")));

/* Reached through an opaque call: code on a generator's stack may have
 * changed threads since the compiler last computed a thread-local address
 * in the same function (see set_current). Error paths only. */
COGEN_NOINLINE_OPAQUE static call_error *my_call_error(void)
{
    call_error *ce = &call_errors;
    /* Hides the address from interprocedural constant propagation: clang
     * 14 treats a thread-local's address as a constant and, seeing this
     * function always return it, reuses the caller's copy computed before
     * a switch, on what may now be another thread. */
    __asm__ volatile("" : "+r"(ce)::"memory");
    return ce;
}

/* Generation numbers: a per-thread count, tagged with the thread's number
 * (drawn once per thread), unique without an atomic operation per
 * generator. */
enum { THREAD_TAG_BITS = 20 };
static atomic_ulong threads_seen;
/* initial-exec: no __tls_get_addr call per create in libcogen.so (16 bytes
 * of static TLS; see stack.c). */
static _Thread_local unsigned long thread_tag __attribute__((tls_model("initial-exec")));
static _Thread_local unsigned long births __attribute__((tls_model("initial-exec")));

__attribute__((noinline)) static void tag_thread(void)
{
    thread_tag = atomic_fetch_add(&threads_seen, 1) % ((1ul << THREAD_TAG_BITS) - 1) + 1;
}

static inline unsigned long next_generation(void)
{
    if (COGEN_UNLIKELY(!thread_tag))
        tag_thread();
    return ++births << THREAD_TAG_BITS | thread_tag;
}

/* The generator running on this thread is cogen__me.current (initial-exec
 * TLS: a plain %fs-relative access instead of a __tls_get_addr call). Only
 * resumers read and write it around their own switch, and a resumer
 * cannot change threads while it waits (it is running), so a
 * thread-pointer value the compiler keeps across that switch stays right.
 * Code that runs after a switch in a *generator* never touches it
 * directly, but for set_current_fast on x86-64. */

static void default_unraisable(const cogen *g, const char *context, const cogen_err *err);

/* For code that runs on a generator's stack: after a switch the thread may
 * be another one, so the thread-local slot is looked up afresh, in a call
 * the compiler can neither inline nor see through. */
COGEN_NOINLINE_OPAQUE static void set_current(cogen *g)
{
    __asm__ volatile("" ::: "memory");
    cogen__me.current = g;
}
COGEN_NOINLINE_OPAQUE static cogen *get_current(void)
{
    __asm__ volatile("" ::: "memory");
    return cogen__me.current;
}

/* The same store on the hot path of a yield. On x86-64 an initial-exec
 * access is one %fs-relative instruction (gcc and clang address such
 * variables through the segment, -mtls-direct-seg-refs being the default),
 * so it always reaches the running thread's slot, with no call. */
static inline void set_current_fast(cogen *g)
{
#if defined(__x86_64__)
    cogen__me.current = g;
#else
    set_current(g);
#endif
}
static _Atomic(cogen_unraisable_fn) unraisable_hook = default_unraisable;

/* ---------------------------------------------------------------- errors */

/* g's body error changed on this thread: it is the latest news here. */
static void touch_error(const cogen *g)
{
    call_error *ce = my_call_error();
    if (ce->g == g)
        ce->g = NULL;
}

static void set_error_v(cogen *g, int code, const char *where, const char *fmt, va_list ap)
{
    cogen__errbuf_setv(&g->e, code, where, fmt, ap);
    touch_error(g);
}

/* Records an error of g's body (the caller runs g, or owns it). */
COGEN_PRINTF(3, 4)
static int fail(cogen *g, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_error_v(g, code, g->name, fmt, ap);
    va_end(ap);
    return COGEN_ERROR;
}

/* fail() for a message that needs no formatting (a thrown one). */
static int fail_str(cogen *g, int code, const char *msg)
{
    cogen__errbuf_set_str(&g->e, code, g->name, msg);
    touch_error(g);
    return COGEN_ERROR;
}

/* Records an error found at the call site, in the caller's thread. */
COGEN_PRINTF(3, 4)
static int refuse(const cogen *g, int code, const char *fmt, ...)
{
    call_error *ce;
    va_list ap;
    va_start(ap, fmt);
    ce = my_call_error();
    cogen__errbuf_setv(&ce->e, code, g->name, fmt, ap);
    va_end(ap);
    ce->g = g;
    ce->generation = g->generation;
    return COGEN_ERROR;
}

/* The one refusal every call can meet: g is running. */
static int refuse_busy(const cogen *g)
{
    return refuse(g, COGEN_EBUSY, "%s", cogen_strerror(COGEN_EBUSY));
}

static void copy_error(cogen *dst, const cogen_err *src)
{
    cogen__errbuf_copy(&dst->e, src);
    touch_error(dst);
}

/* EXIT, delivered by every close: its strings are not copied. A static
 * message and g's own name live as long as the record must (cogen_err). */
static void set_exit(cogen *g)
{
    g->e.err = (cogen_err){COGEN_EEXIT, "generator exit", g->name};
    touch_error(g);
}

static void report_unraisable(const cogen *g, const char *context)
{
    cogen_unraisable_fn hook = atomic_load(&unraisable_hook);
    hook(g, context, cogen_last_error(g));
}

static void default_unraisable(const cogen *g, const char *context, const cogen_err *err)
{
    (void)fprintf(stderr, "cogen: error ignored in generator '%s' (%s): %s (code %d)\n", g->name,
                  context, err->msg, err->code);
}

cogen_unraisable_fn cogen_set_unraisable_hook(cogen_unraisable_fn fn)
{
    return atomic_exchange(&unraisable_hook, fn ? fn : default_unraisable);
}

/* ------------------------------------------------- floating-point policy */

/* A COGEN_FPENV generator runs in its own floating-point environment; any
 * other runs in its resumer's. Entering swaps the resumer's out, leaving
 * swaps it back. */
static void fp_enter(cogen *g, xfer *x)
{
    if (COGEN_LIKELY(!(g->flags & COGEN_FPENV)))
        return;
    /* Saved at every entry, not once per resume: between two FPENV
     * generators of one resume (a yield_from chain), a plain one may have
     * changed the environment, which is the resumer's. */
    fegetenv(&x->fenv);
    fesetenv(&g->fenv);
}

static void fp_leave(cogen *g, xfer *x)
{
    if (COGEN_LIKELY(!(g->flags & COGEN_FPENV)))
        return;
    fegetenv(&g->fenv);
    fesetenv(&x->fenv);
}

/* ------------------------------------------------------------ the engine */

#ifdef COGEN_SAN_SWITCH
/* Sanitizer builds publish a left generator's state on landing, in C, where
 * ThreadSanitizer sees the release; the switch hands it over in the thread
 * (the landing code runs on the thread that switched). */
typedef struct pending {
    cogen *g;
    int state;
} pending;
static _Thread_local pending san_pending;
COGEN_NOINLINE_OPAQUE static pending *my_pending(void)
{
    pending *p = &san_pending;
    __asm__ volatile("" : "+r"(p)::"memory"); /* as in my_call_error */
    return p;
}
#endif

/* The claim word a generator leaves with (stored whole, see context.h).
 * While it runs, only its holder writes the word, but for one case: a
 * revocation that started as its owner took it (bias.c) ends by making
 * the bias SHARED. The holder may end it too (it is the owner, and not
 * inside a claim), so that the whole-word store never undoes it. */
static inline uint64_t claim_word_leaving(cogen *g, int state)
{
    uint32_t bias = atomic_load_explicit(&g->bias, memory_order_relaxed);
    if (COGEN_UNLIKELY(bias & COGEN__BIAS_REVOKING))
        bias = COGEN__BIAS_SHARED;
    return cogen__claim_pack(state, bias);
}

/*
 * The place that switches (but for a start, hop_start, and an end,
 * hop_exit). `leaving` (NULL if the side left is not a
 * generator, or stays RUNNING) gets `state` once its context is saved;
 * `ret` is what the jump we land in returns. In normal builds both are
 * done by the switch itself, so every caller ends in a tail call to it
 * (see context.h); sanitizer builds return to `landed`.
 */
static inline __attribute__((always_inline)) int hop(cogen_ctx *from, cogen_ctx *to, int ret,
                                                     cogen *leaving, int state, void *fiber)
{
    cogen__count_switch();
#ifdef COGEN_SAN_SWITCH
    pending *p = my_pending();
    p->g = leaving;
    p->state = state;
    cogen__san_switch_fiber(fiber);
    return cogen__ctx_jump(from, to, ret);
#else
    (void)fiber;
    if (!leaving)
        return cogen__ctx_jump(from, to, ret);
    return cogen__ctx_jump_out(from, to, ret, &leaving->state, claim_word_leaving(leaving, state));
#endif
}

/*
 * States and threads. A generator is taken with a compare-and-swap from
 * SUSPENDED (or CREATED) to RUNNING, so that two threads resuming it at
 * once get one run and one COGEN_EBUSY, never two runs on one stack. The
 * way back is published late: a generator that yields or ends only
 * records its new state in the record (`leaving`), and whoever the switch
 * lands on stores it, once the generator's registers are saved and nothing
 * runs on its stack any more. Until then it stays RUNNING to everyone.
 *
 * A delegator parked in cogen_yield_from is DELEGATING, a state no call
 * can take: the whole chain is taken through its innermost generator.
 */
enum { DELEGATING = 0x7e }; /* private: never one of the public states */
/* Private too: claimed through a pointer that may be stale, and not yet
 * known to be the generator the call wants (see take_slow). Callers wait
 * for it to end; cogen_getstate reports SUSPENDED. */
enum { PROBING = 0x7d };

static int state_of(const cogen *g)
{
    return atomic_load_explicit(&g->state, memory_order_acquire);
}

static bool claim(cogen *g, int from)
{
    return atomic_compare_exchange_strong_explicit(&g->state, &from, COGEN_RUNNING,
                                                   memory_order_acquire, memory_order_relaxed);
}

static void set_state(cogen *g, int state)
{
    atomic_store_explicit(&g->state, state, memory_order_release);
}

#ifdef COGEN_SAN_SWITCH
/* Sanitizer builds, on landing after a switch: publish the state of the
 * generator left. */
static void landed(void)
{
    pending *p = my_pending();
    if (p->g) {
        set_state(p->g, p->state);
        p->g = NULL;
    }
}
#endif

static void body_returned(cogen *g, void *r);
#ifdef COGEN_SAN_SWITCH
static void *run_body(cogen *g, void *arg);
#endif

/*
 * The first switch into g, whose context has never run: it starts g's
 * body. `leaving` (NULL, or a delegator starting g as its sub) gets
 * `state` before the switch, not in it, as the start has no room for it.
 * That is safe for DELEGATING, the only state given here: nobody can take
 * a generator in that state, and the chain it is in is ours until g
 * yields or ends, which is after the switch.
 */
static inline __attribute__((always_inline)) int hop_start(cogen_ctx *from, cogen *g,
                                                           cogen *leaving, int state)
{
    cogen__count_switch();
    if (leaving)
        set_state(leaving, state);
#ifdef COGEN_SAN_SWITCH
    cogen__san_switch_fiber(g->san.fiber); /* nothing pending: the state is set */
    return cogen__ctx_start(from, &g->ctx, run_body, g, g->arg, body_returned);
#else
    return cogen__ctx_start(from, &g->ctx, g->fn, g, g->arg, body_returned);
#endif
}

#ifndef COGEN_SAN_SWITCH
/* The last switch out of g, whose body has ended (normal builds: sanitizer
 * builds must return from their switches), to `to`: nothing of g is saved,
 * and g becomes CLOSED once nothing runs on its stack. */
static inline __attribute__((always_inline)) void hop_exit(cogen *g, cogen_ctx *to, int ret)
{
    cogen__count_switch();
    (void)cogen__ctx_exit(to, ret, &g->state, claim_word_leaving(g, COGEN_CLOSED));
}
#endif

/*
 * Taking a generator from SUSPENDED: by the thread it is biased to, with
 * no locked instruction; by any other, with a locked compare-and-swap that
 * expects the bias to be SHARED or its own, once the bias is revoked
 * (bias.c). A generator takes its bias at its first resume.
 */
#ifdef COGEN_BIASED_CLAIMS
static inline cogen__claim_word *claim_word(cogen *g)
{
    return (cogen__claim_word *)(void *)&g->state;
}

/* `top`: NULL, or the outermost generator of the chain l was found
 * through (l may then be a stale pointer to a slot reused since): l is
 * taken only if it still belongs to that chain. */
static inline __attribute__((always_inline)) bool claim_as_owner(cogen *l, uint64_t mine,
                                                                 const cogen *top)
{
    _Atomic int *busy = cogen__me.busy;
    bool won = false;
    atomic_store_explicit(busy, 1, memory_order_relaxed);
    /* No fence here: a revoker's membarrier supplies it (bias.c). Once the
     * word is seen (SUSPENDED, me) with `busy` set, no other thread takes
     * l until this claim ends: a plain store of the state half claims it.
     * (A revoker may mark the bias half meanwhile: see bias.c.) Nor can l
     * be freed, or its chain change (only a chain's holder changes it):
     * its `top` is read as it stays. */
    atomic_signal_fence(memory_order_seq_cst);
    if (COGEN_LIKELY(__atomic_load_n(claim_word(l), __ATOMIC_ACQUIRE) == mine) &&
        (!top || atomic_load_explicit(&l->top, memory_order_relaxed) == top)) {
        atomic_store_explicit(&l->state, COGEN_RUNNING, memory_order_relaxed);
        won = true;
    }
    atomic_store_explicit(busy, 0, memory_order_release);
    return won;
}
#endif

enum taken { NOT_TAKEN, TAKEN, TAKEN_BY_OWNER, PROBED };

/* The common case, inline and without a call: l taken from SUSPENDED, by
 * the thread it is biased to (TAKEN_BY_OWNER) or by a locked claim of a
 * SHARED one. Otherwise NOT_TAKEN, and *seen is l's state (SUSPENDED if
 * its bias is another thread's: take_slow revokes it). With `top` (see
 * claim_as_owner), a locked claim makes l PROBING, not RUNNING (PROBED):
 * the caller checks l against the chain, then keeps it or puts it back. */
static inline __attribute__((always_inline)) enum taken claim_suspended(cogen *l, int *seen,
                                                                        const cogen *top)
{
    int to = top ? PROBING : COGEN_RUNNING;
    enum taken locked = top ? PROBED : TAKEN;
#ifdef COGEN_BIASED_CLAIMS
    uint64_t word = __atomic_load_n(claim_word(l), __ATOMIC_RELAXED);
    uint64_t mine = cogen__me.suspended;
    uint64_t shared = cogen__claim_pack(COGEN_SUSPENDED, COGEN__BIAS_SHARED);
    if (COGEN_LIKELY(word == mine) && COGEN_LIKELY(claim_as_owner(l, mine, top)))
        return TAKEN_BY_OWNER;
    if (word == shared &&
        __atomic_compare_exchange_n(claim_word(l), &word, cogen__claim_pack(to, COGEN__BIAS_SHARED),
                                    false, __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE))
        return locked;
    *seen = (int)(uint32_t)word;
    return NOT_TAKEN;
#else
    return atomic_compare_exchange_strong_explicit(&l->state, seen, to, memory_order_acquire,
                                                   memory_order_acquire)
               ? locked
               : NOT_TAKEN;
#endif
}

/* A first resume's claim, inline and without a call: false if l is not
 * CREATED any more, or this thread has no number yet (cogen__claim_locked
 * gives it one). */
static inline __attribute__((always_inline)) bool claim_created(cogen *l)
{
#ifdef COGEN_BIASED_CLAIMS
    uint64_t created = cogen__claim_pack(COGEN_CREATED, COGEN__BIAS_NONE);
    return cogen__me.number != COGEN__NO_CLAIMER &&
           __atomic_compare_exchange_n(claim_word(l), &created,
                                       cogen__claim_pack(COGEN_RUNNING, cogen__me.number), false,
                                       __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
#else
    return claim(l, COGEN_CREATED);
#endif
}

/* The same out of line, for any state l was seen in (SUSPENDED or
 * CREATED), revoking another thread's bias first (bias.c); l becomes
 * `to` (RUNNING, or PROBING). */
static bool claim_from(cogen *l, int from, int to)
{
    if (from == COGEN_CREATED && claim_created(l))
        return true;
    return cogen__claim_locked(&l->state, from, to);
}

/*
 * yield_from chains and threads. A call addressed to any generator of a
 * chain acts on the chain's innermost generator (send, throw) or on the
 * chain below the generator it is addressed to (close), so the claim of
 * the innermost generator is the claim of the whole chain: whoever holds
 * it is the only one who may change the chain's links (start or end a
 * yield_from, wake or close a delegator). Every member points to the
 * outermost generator (`top`), which points to the innermost (`leaf`):
 * finding it is two loads at any depth, and starting or ending a
 * yield_from changes two pointers, whatever the depth.
 *
 * Those pointers are read before the chain is claimed, so they may be
 * stale: take() claims the generator they lead to, then reads them again.
 * The holder before us changed them before releasing the generator we
 * just claimed, so if they still lead to it, it is the innermost and the
 * chain is ours; if not, we put it back and look again. A stale pointer
 * may lead to a generator that has ended since, or to an unrelated one
 * made since in the freed slot of a sub. Such a generator must not look
 * taken, not even for an instant (its own callers would get a spurious
 * EBUSY): a generator reached through the links is claimed as PROBING,
 * which callers wait out, and becomes RUNNING once checked; one biased to
 * this thread is checked before it is claimed (claim_as_owner).
 */
static cogen *chain_leaf(const cogen *g)
{
    cogen *top = atomic_load_explicit(&((cogen *)g)->top, memory_order_relaxed);
    return atomic_load_explicit(&top->leaf, memory_order_relaxed);
}

enum { TAKE_TRIES = 64 };

/* l, claimed as PROBING, is checked to be the innermost of the chain the
 * call is addressed to: it is the call's now. Only its holder writes its
 * state, so a plain store. */
static inline void keep_probed(cogen *l)
{
    atomic_store_explicit(&l->state, COGEN_RUNNING, memory_order_relaxed);
}

/* Test builds check what the fast paths take for granted: a generator
 * claimed SUSPENDED by its owner, or claimed from CREATED, is its own
 * chain's innermost. */
#ifdef COGEN_TEST_HOOKS
static void check_innermost(const cogen *g)
{
    if (chain_leaf(g) != g) {
        (void)fprintf(stderr, "cogen: claimed '%s', which is not its chain's innermost\n", g->name);
        abort();
    }
}
#else
#define check_innermost(g) ((void)0)
#endif

/* Claims g's chain: returns its innermost generator, now RUNNING, with
 * *from its state before (SUSPENDED or CREATED). NULL if the chain is
 * running (*from = COGEN_RUNNING) or g has ended (*from = COGEN_CLOSED). */
__attribute__((noinline)) static cogen *take_slow(cogen *g, int *from, cogen *seen, int seen_state)
{
    /* A first resume: the fast path's compare-and-swap saw CREATED; try
     * that before looking again (one locked operation less per generator).
     * Only g itself may be claimed from CREATED: a chain's innermost is
     * never CREATED (a sub is claimed before it is linked), so a CREATED
     * generator found through the chain is a stale read of a freed member
     * whose slot a new generator now uses, and claiming it would steal
     * that generator from its own first resume. g claimed from CREATED is
     * its own chain (see first_resume). */
    if (seen_state == COGEN_CREATED && seen == g &&
        claim_from(seen, COGEN_CREATED, COGEN_RUNNING)) {
        check_innermost(g);
        *from = COGEN_CREATED;
        return g;
    }
    for (int tries = 0; tries < TAKE_TRIES; tries++) {
        cogen *l = chain_leaf(g);
        int s = state_of(l);
        bool through;
        if (s == COGEN_RUNNING)
            break;
        if (s == PROBING) { /* another call is checking it: a few instructions */
            sched_yield();
            tries--;
            continue;
        }
        if (s == COGEN_CLOSED && l == g) {
            *from = COGEN_CLOSED;
            return NULL;
        }
        if (s != COGEN_SUSPENDED && (s != COGEN_CREATED || l != g))
            continue; /* a stale innermost: look again */
        /* Reached through the links, l may be stale: claimed as PROBING. */
        through = l != g;
        if (through)
            cogen__chain_step(COGEN__STEP_LINK_READ, g, l);
        if (!claim_from(l, s, through ? PROBING : COGEN_RUNNING))
            continue;
        if (through)
            cogen__chain_step(COGEN__STEP_PROBING, g, l);
        if (COGEN_LIKELY(chain_leaf(g) == l)) {
            *from = s;
            if (through)
                keep_probed(l);
            return l;
        }
        cogen__count_put_back();
        set_state(l, s); /* not g's innermost any more: put it back */
    }
    *from = COGEN_RUNNING;
    return NULL;
}

/* take_fast for a delegator: its innermost, through its `leaf` link. A
 * delegator is usually its chain's outermost, whose `leaf` is the
 * innermost: one load instead of chain_leaf's two. A delegator in the
 * middle of a chain reads itself there, which it cannot claim: take_slow
 * then reads the links. */
static inline __attribute__((always_inline)) enum taken take_through(cogen *g, cogen **leaf,
                                                                     int *seen)
{
    cogen *l = atomic_load_explicit(&g->leaf, memory_order_relaxed);
    int s = COGEN_SUSPENDED;
    enum taken how;
    cogen__chain_step(COGEN__STEP_LINK_READ, g, l);
    how = claim_suspended(l, &s, g);
    *leaf = l;
    if (COGEN_LIKELY(how == TAKEN_BY_OWNER))
        return how; /* checked against the chain as it was claimed */
    if (how == PROBED) {
        cogen__chain_step(COGEN__STEP_PROBING, g, l);
        if (COGEN_LIKELY(chain_leaf(g) == l)) {
            keep_probed(l);
            return TAKEN;
        }
        cogen__count_put_back();
        set_state(l, s); /* not g's innermost any more: put it back */
    }
    *seen = s;
    return NOT_TAKEN;
}

/* The common case of take, inline and without a call: g's chain is
 * suspended and *leaf, its innermost, has not changed meanwhile (see
 * claim_suspended for the result). Otherwise NOT_TAKEN, with nothing
 * changed, *leaf the generator looked at and *seen the state it had, for
 * take_slow. */
static inline __attribute__((always_inline)) enum taken take_fast(cogen *g, cogen **leaf, int *seen)
{
    int s = COGEN_SUSPENDED;
    enum taken how;
    if (COGEN_UNLIKELY(atomic_load_explicit(&g->state, memory_order_relaxed) == DELEGATING))
        return take_through(g, leaf, seen);
    /* A generator that does not delegate is its chain's innermost: claim
     * it before reading the chain's links, which keeps those loads off the
     * path to the switch (with no locked instruction, they would be on
     * it), and check them after. The thread g is biased to need not check:
     * a SUSPENDED generator is always its chain's innermost (a chain's
     * other members are DELEGATING, and only the holder of its innermost
     * changes its links, before it publishes that innermost's state), and
     * its claim's acquire makes those links visible. Test builds check it
     * anyway. */
    *leaf = g;
    how = claim_suspended(g, &s, NULL);
    if (COGEN_LIKELY(how == TAKEN_BY_OWNER)) {
        check_innermost(g);
        return how;
    }
    if (COGEN_LIKELY(how != NOT_TAKEN)) {
        if (COGEN_LIKELY(chain_leaf(g) == g))
            return how;
        cogen__count_put_back();
        set_state(g, s); /* not g's innermost any more: put it back */
    }
    *seen = s;
    return NOT_TAKEN;
}

static inline __attribute__((always_inline)) cogen *take(cogen *g, int *from)
{
    cogen *l;
    int seen;
    if (COGEN_LIKELY(take_fast(g, &l, &seen) != NOT_TAKEN)) {
        *from = COGEN_SUSPENDED;
        return l;
    }
    return take_slow(g, from, l, seen);
}

/* The state callers see: a chain's is its innermost generator's. */
static int chain_state(const cogen *g)
{
    for (int tries = 0; tries < TAKE_TRIES; tries++) {
        cogen *l = chain_leaf(g);
        int s;
        cogen__chain_step(COGEN__STEP_STATE, g, l);
        s = state_of(l);
        /* Only the state of g's innermost as it still is; PROBING is not
         * taken yet. */
        if (chain_leaf(g) != l)
            continue;
        if (s == PROBING)
            return COGEN_SUSPENDED;
        if (s != DELEGATING && (s != COGEN_CLOSED || l == g))
            return s;
    }
    return COGEN_RUNNING; /* its links are changing under us: someone runs it */
}

/* Cuts g and the generators below it from g's delegator p: they go on as
 * a chain of their own, whose innermost is `leaf` (g itself when g ended
 * or yielded, which is the common case, in constant time), and p becomes
 * the innermost of the chain above. The caller holds the chain. */
static void cut(cogen *g, cogen *p, cogen *leaf)
{
    cogen *top = atomic_load_explicit(&g->top, memory_order_relaxed);
    p->delegate = NULL;
    g->parent = NULL;
    atomic_store_explicit(&top->leaf, p, memory_order_relaxed);
    for (cogen *m = g; m; m = m->delegate)
        atomic_store_explicit(&m->top, g, memory_order_relaxed);
    atomic_store_explicit(&g->leaf, leaf, memory_order_relaxed);
}

static size_t stack_bytes(const cogen *g)
{
    return (size_t)((const char *)g - g->stack.lo);
}

/* True when the caller is running on g's stack, i.e. inside g's body. */
static bool executing(const cogen *g)
{
    const char *sp = (const char *)__builtin_frame_address(0);
    return g && sp >= g->stack.lo && sp < (const char *)g && state_of(g) == COGEN_RUNNING;
}

/* Arriving on g's stack (sanitizer builds): finish the sanitizer switch,
 * learn the resumer's stack bounds if g is the first generator this resume
 * reached, publish the state of the generator left. */
static void arrive(cogen *g)
{
#ifdef COGEN_SAN_SWITCH
    cogen__san_arrive_gen(&g->san, &g->xf.san);
    landed();
#else
    (void)g;
#endif
}

/* Resumes g (or, for SENT and THROWN, the innermost generator of its
 * chain, `leaf`, which the caller has claimed) with kind/value, and waits
 * for it to yield or end: the generator writes *out, gives the current
 * generator back (prev) and hands the status over in the switch.
 * `on_gen_stack`: the resumer is a body, whose thread may have changed
 * since it last computed a thread-local address. `fresh`: leaf was
 * claimed from CREATED, and this starts its body. */
static inline __attribute__((always_inline)) int enter(cogen *g, cogen *leaf, int kind, void *value,
                                                       void **out, bool held, bool on_gen_stack,
                                                       bool fresh)
{
    xfer *x = &leaf->xf;
    x->target = g;
    x->out = out;
    x->held = held;
    if (leaf->received)
        *leaf->received = kind == COGEN_SENT ? value : NULL;
    if (on_gen_stack) {
        x->prev = get_current();
        set_current(leaf);
    } else {
        x->prev = cogen__me.current;
        cogen__me.current = leaf;
    }
    fp_enter(leaf, x);
#ifdef COGEN_SAN_SWITCH
    {
        void *fake = NULL;
        int rc;
        cogen__san_leave_resumer(&x->san, &fake, leaf->stack.lo, stack_bytes(leaf));
        if (fresh)
            rc = hop_start(&x->ctx, leaf, NULL, 0);
        else
            rc = hop(&x->ctx, &leaf->ctx, kind, NULL, 0, leaf->san.fiber);
        cogen__san_arrive_resumer(fake);
        landed();
        return rc;
    }
#else
    if (fresh)
        return hop_start(&x->ctx, leaf, NULL, 0);
    return hop(&x->ctx, &leaf->ctx, kind, NULL, 0, NULL);
#endif
}

/* A resume from a thread's own code (not a body), with what it rarely
 * needs: a thread that never made a generator has no means yet to report
 * a stack overflow. */
__attribute__((noinline)) static int resume_general(cogen *g, cogen *leaf, int kind, void *value,
                                                    void **out, bool fresh)
{
    cogen__overflow_guard_thread();
    return enter(g, leaf, kind, value, out, false, false, fresh);
}

/* The common case of the same, inline: the caller's fast path makes no
 * call before the switch, so it needs no frame (which costs as much as a
 * quarter of a round trip). `by_owner`: taken by the thread it is biased
 * to, which could report an overflow when it got the bias. */
static inline __attribute__((always_inline)) int
resume(cogen *g, cogen *leaf, int kind, void *value, void **out, bool by_owner, bool fresh)
{
    if (COGEN_UNLIKELY((!by_owner && !cogen__altstack_ready) || (leaf->flags & COGEN_FPENV)))
        return resume_general(g, leaf, kind, value, out, fresh);
    return enter(g, leaf, kind, value, out, false, false, fresh);
}

/* Runs the cleanups; each is popped before it runs, so that a cleanup that
 * raises (and so re-enters finish) does not run twice. */
static void run_defers(cogen *g)
{
    while (g->ndefers) {
        deferred d = g->defers[--g->ndefers];
        d.fn(d.arg);
    }
}

/* Ends g's body: cleanups, then to the resumer, or to the delegating
 * parent when g is a sub-generator reached through the parent. Either way
 * g leaves its chain before anyone can see it CLOSED, so a closed
 * generator is never linked to another. */
__attribute__((noinline)) static COGEN_NORETURN void finish(cogen *g, int status, void *value)
{
    xfer *x;
    cogen *p;
    g->finishing = true;
    run_defers(g);
    x = &g->xf;
    p = g->parent;
    fp_leave(g, x);
    if (p && g != x->target && claim(p, DELEGATING)) {
        /* Reached through p, which waits in its yield_from: wake it with
         * the outcome. This resume holds the chain, so p is ours; the
         * record moves to p, as p may free g. */
        p->xf = *x;
        x = &p->xf;
        p->wake = WAKE_SUB_DONE;
        p->sub_status = status;
        p->sub_value = status == COGEN_RETURNED ? value : NULL;
        if (status == COGEN_ERROR)
            copy_error(p, &g->e.err);
        cut(g, p, g);
        set_current(p);
        fp_enter(p, x);
        cogen__san_leave_final(&g->san, p->stack.lo, stack_bytes(p));
        (void)hop(&g->ctx, &p->ctx, COGEN_RETURNED, g, COGEN_CLOSED, p->san.fiber);
    } else {
        /* Resumed directly (or closed by its delegator): a delegator still
         * parked on g finds it ended when next resumed. */
        if (p) {
            cut(g, p, g);
            if (state_of(p) == DELEGATING)
                set_state(p, COGEN_SUSPENDED);
        }
        if (x->out)
            *x->out = status == COGEN_RETURNED ? value : NULL;
        set_current(x->prev);
        cogen__san_leave_final(&g->san, x->san.bottom, x->san.size);
        (void)hop(&g->ctx, &x->ctx, status, g, COGEN_CLOSED, x->san.fiber);
    }
    abort(); /* unreachable: nobody switches back to a finished body */
}

/* True if p points into g's stack below `live` (the lowest frame still
 * live), or into an ASan fake frame that has been released. */
static bool in_returned_frame(const cogen *g, const void *p, const char *live)
{
    const char *c = p;
#ifdef COGEN_ASAN
    if (__asan_addr_is_in_fake_stack(__asan_get_current_fake_stack(), (void *)(uintptr_t)p, NULL,
                                     NULL))
        return false; /* ASan reports the use itself, with the frame's name */
#endif
    return c >= g->stack.lo && c < live;
}

/* The body returned: a cleanup whose argument points into its returned
 * frames would read a dead local. Drop those, and make it an error. */
static bool drop_dangling_defers(cogen *g, const char *live)
{
    unsigned kept = 0;
    bool dropped = false;
    for (unsigned i = 0; i < g->ndefers; i++) {
        if (in_returned_frame(g, g->defers[i].arg, live))
            dropped = true;
        else
            g->defers[kept++] = g->defers[i];
    }
    g->ndefers = kept;
    return dropped;
}

/* Where a body that returned ends (called by the engine's trampoline,
 * see cogen__ctx_init), but for the common end. */
__attribute__((noinline)) static void body_returned_slow(cogen *g, void *r)
{
    /* Everything below the control block is the body's returned frames. */
    if (COGEN_UNLIKELY(g->ndefers) && drop_dangling_defers(g, (const char *)g)) {
        (void)fail(g, COGEN_EINVAL,
                   "cogen_defer: a cleanup's argument points into the body's frame, gone when it "
                   "returned; cleanup not run (end the body with cogen_return)");
        finish(g, COGEN_ERROR, NULL);
    }
    finish(g, COGEN_RETURNED, r);
}

static void body_returned(cogen *g, void *r)
{
#ifndef COGEN_SAN_SWITCH
    /* The common end (nothing to clean up, resumed directly, no
     * environment of its own) as a tail call to the switch, without
     * finish's frame and call: a fifth of a create+run+destroy on x86-64,
     * measured (BENCHMARKS.md). Nothing of g runs again, so the switch
     * saves nothing of it and `finishing` (no yields from cleanups) need
     * not be set. */
    if (COGEN_LIKELY(!g->ndefers && !g->parent && !(g->flags & COGEN_FPENV))) {
        xfer *x = &g->xf;
        if (x->out)
            *x->out = r;
        set_current_fast(x->prev);
        hop_exit(g, &x->ctx, COGEN_RETURNED);
        return; /* never reached: nobody switches back to a finished body */
    }
#endif
    body_returned_slow(g, r);
}

#ifdef COGEN_SAN_SWITCH
/* Sanitizer builds are told where the first switch landed before the body
 * runs. */
static void *run_body(cogen *g, void *arg)
{
    arrive(g);
    return g->fn(g, arg);
}
#endif

/* ------------------------------------------------------------- lifetime */

/* The control block of the generator on the stack whose top is hi. */
static cogen *slot_owner(const char *hi)
{
    return (cogen *)(((uintptr_t)hi - sizeof(cogen)) & ~(uintptr_t)63);
}

static cogen *owner_of(const cogen__stack *st)
{
    return slot_owner(st->hi);
}

void cogen__overflow_recover(const cogen__stack *st, const void *mask)
{
    cogen *g = owner_of(st);
    if (!(g->flags & COGEN_OVERFLOW_ERROR) || cogen__me.current != g || g->finishing)
        return; /* not opted in, or not this thread's running body: abort */
    (void)pthread_sigmask(SIG_SETMASK, mask, NULL); /* as before the fault */
    g->retired = true;
    g->ndefers = 0; /* they would run on the stack that overflowed */
    cogen__errbuf_set(&g->e, COGEN_ESTACK, g->name, "%s", cogen_strerror(COGEN_ESTACK));
    touch_error(g);
    finish(g, COGEN_ERROR, NULL);
}

const char *cogen__stack_owner_name(const cogen__stack *st)
{
    return owner_of(st)->name;
}

size_t cogen__stack_owner_size(const cogen__stack *st)
{
    return stack_bytes(owner_of(st));
}

static void copy_name(cogen *g, const char *name)
{
    cogen__copy_str(g->name, sizeof g->name, name ? name : "cogen");
}

/* Whether g already has that name (NULL: the default): the previous
 * generator on a cached slot often had. */
static bool same_name(const cogen *g, const char *name)
{
    if (!name)
        return memcmp(g->name, "cogen", sizeof "cogen") == 0; /* inlined: no call */
    return strncmp(g->name, name, sizeof g->name) == 0;
}

static cogen *prime(cogen *g);

/* What every control block on a slot keeps from one generator to the next
 * on a slot from this thread's cache (cogen_free leaves it so). */
static void init_slot(cogen *g, const cogen__stack *st)
{
    g->defers = g->inline_defers;
    g->cap = INLINE_DEFERS;
    g->stack = *st;
    g->retired = false;
    g->name[0] = '\0';
}

/* Makes g, on a slot that init_slot prepared, a new generator, CREATED. */
static inline __attribute__((always_inline)) cogen *born(cogen *g, cogen_fn fn, void *arg,
                                                         unsigned flags, const char *name)
{
    g->received = NULL;
    g->generation = next_generation();
    /* One store for the claim word: the first resume reads it whole. */
    __atomic_store_n((cogen__claim_word *)(void *)&g->state,
                     cogen__claim_pack(COGEN_CREATED, COGEN__BIAS_NONE), __ATOMIC_RELAXED);
    g->flags = flags;
    g->delegate = g->parent = NULL;
    atomic_init(&g->top, g);
    atomic_init(&g->leaf, g);
    g->finishing = false;
    g->wake = WAKE_MSG;
    g->fn = fn;
    g->arg = arg;
    g->ndefers = 0;
    if (COGEN_UNLIKELY(!same_name(g, name)))
        copy_name(g, name);
    g->e.err = (cogen_err){0, "", ""}; /* the buffers: at the first error */
    cogen__san_new(&g->san, (const char *)g);
    cogen__ctx_init(&g->ctx, g->stack.lo, (char *)g);
    return g;
}

/* Flags a generator can be made with that need nothing but to be kept. */
#define PLAIN_FLAGS ((unsigned)COGEN_OVERFLOW_ERROR)

__attribute__((noinline)) static cogen *new_slow(cogen_fn fn, void *arg, const cogen_opts *opts)
{
    size_t size = opts && opts->stack_size ? opts->stack_size : COGEN_STACK_DEFAULT;
    unsigned flags = opts ? opts->flags : 0;
    cogen__stack st;
    cogen *g;
    int got;
    if (!fn || (flags & ~(COGEN_PRIMED | COGEN_FPENV | PLAIN_FLAGS))) {
        errno = EINVAL;
        return NULL;
    }
    if (size < COGEN_STACK_MIN)
        size = COGEN_STACK_MIN;
    cogen__overflow_guard_thread();
    got = cogen__stack_get(size, &st);
    if (COGEN_UNLIKELY(got < 0))
        return NULL;
    g = owner_of(&st);            /* the control block sits at the top of its own stack */
    if (COGEN_UNLIKELY(got == 0)) /* not from this thread's cache: nothing in place */
        init_slot(g, &st);
    born(g, fn, arg, flags, opts ? opts->name : NULL);
    if (flags & COGEN_FPENV)
        fegetenv(&g->fenv);
    if (flags & COGEN_PRIMED)
        return prime(g);
    return g;
}

/* The common case without a call or a frame: a default stack from this
 * thread's cache, and nothing to do for the flags. */
cogen *cogen_new(cogen_fn fn, void *arg, const cogen_opts *opts)
{
    char *hi;
    if (COGEN_LIKELY(fn && (!opts || (!opts->stack_size && !(opts->flags & ~PLAIN_FLAGS))) &&
                     cogen__altstack_ready) &&
        COGEN_LIKELY((hi = cogen__stack_pop_cached(COGEN__DEFAULT_CLASS)) != NULL))
        return born(slot_owner(hi), fn, arg, opts ? opts->flags : 0, opts ? opts->name : NULL);
    return new_slow(fn, arg, opts);
}

/* COGEN_PRIMED: run to the first yield; a body that ends before it is
 * reported (through the hook if it raised) and freed. */
static cogen *prime(cogen *g)
{
    int rc = cogen_next(g, NULL);
    if (rc != COGEN_YIELDED) {
        if (rc == COGEN_ERROR) /* not a stale error the body handled */
            report_unraisable(g, "primed body ended before its first yield");
        cogen_free(g);
        errno = ECANCELED;
        return NULL;
    }
    return g;
}

/* After a close that failed because the body ignored EXIT: g is
 * SUSPENDED at a new yield, or delegating again. Takes g's chain (so that
 * a cleanup that frees g again, or another thread, is refused), cuts g out
 * of it (a sub of g's goes on as a chain of its own, a delegator of g's
 * finds it ended), and runs g's cleanups from the caller's stack. */
static bool abandon(cogen *g)
{
    int from;
    cogen *l = take(g, &from);
    if (!l)
        return false;
    if (l != g) {
        if (!claim(g, DELEGATING)) { /* cannot happen: the chain is ours */
            set_state(l, from);
            return false;
        }
        cut(g->delegate, g, l);
        set_state(l, from);
    }
    if (g->parent) {
        cogen *p = g->parent;
        cut(g, p, g);
        if (state_of(p) == DELEGATING)
            set_state(p, COGEN_SUSPENDED);
    }
    run_defers(g);
    return true;
}

/* The end of every free: the slot is no generator's any more. */
static void forget(cogen *g)
{
    cogen__san_free(&g->san, g->stack.lo, (const char *)g);
    g->fn = NULL; /* marks the slot free, for debuggers (debug.c) */
}

/* cogen_free but for its common case; `state` is g's own. */
__attribute__((noinline)) static void free_slow(cogen *g, int state)
{
    cogen__stack st;
    /* Freed already: its slot is in a cache or pool (chunks are never
     * unmapped, so reading it is safe) and must not go there twice. */
    if (COGEN_UNLIKELY(!g->fn)) {
        (void)refuse(g, COGEN_EINVAL, "cogen_free: generator already freed; ignored");
        report_unraisable(g, "cogen_free");
        return;
    }
    /* An ended or unstarted generator is its own chain: its state is its
     * chain's (without chain_state's loop). */
    if (state != COGEN_CLOSED && state != COGEN_CREATED)
        state = cogen_getstate(g);
    switch (state) {
    case COGEN_RUNNING:
        (void)refuse(g, COGEN_EBUSY, "cogen_free: %s; not freed", cogen_strerror(COGEN_EBUSY));
        report_unraisable(g, "cogen_free");
        return;
    case COGEN_SUSPENDED:
        if (cogen_close(g) != 0) {
            if (cogen_last_error(g)->code == COGEN_EBUSY) { /* taken by another thread */
                report_unraisable(g, "cogen_free");
                return;
            }
            report_unraisable(g, "close in cogen_free");
            if (cogen_getstate(g) == COGEN_SUSPENDED && !abandon(g)) {
                (void)refuse(g, COGEN_EBUSY, "cogen_free: %s; not freed",
                             cogen_strerror(COGEN_EBUSY));
                report_unraisable(g, "cogen_free");
                return;
            }
        }
        break;
    default: break;
    }
    if (COGEN_UNLIKELY(g->defers != g->inline_defers)) {
        free(g->defers);
        g->defers = g->inline_defers; /* as cogen_new expects a cached slot */
        g->cap = INLINE_DEFERS;
    }
    forget(g);
    st = g->stack; /* g lives on that stack */
    if (COGEN_UNLIKELY(g->retired))
        cogen__stack_retire(&st);
    else
        cogen__stack_put(&st);
}

/* The common case without a call or a frame: g has ended (or never
 * started), is not freed already, has no cleanups left on the heap, and
 * its stack goes to this thread's cache. */
void cogen_free(cogen *g)
{
    int state;
    if (!g)
        return;
    state = state_of(g);
    if (COGEN_LIKELY((state == COGEN_CLOSED || state == COGEN_CREATED) && g->fn &&
                     g->defers == g->inline_defers && !g->retired) &&
        COGEN_LIKELY(cogen__stack_push_cached(&g->stack))) {
        forget(g);
        return;
    }
    free_slow(g, state);
}

/* -------------------------------------------------------- the resumers */

/* cogen_send beyond its common case: `seen`, the state take_fast saw in
 * `leaf`, tells a first resume. */
__attribute__((noinline)) static int send_slow(cogen *g, void *value, void **out, cogen *leaf,
                                               int seen)
{
    int from;
    if (!g) {
        errno = EINVAL;
        return COGEN_ERROR;
    }
    leaf = take_slow(g, &from, leaf, seen);
    if (leaf) {
        if (COGEN_UNLIKELY(from == COGEN_CREATED && value)) {
            set_state(leaf, COGEN_CREATED);
            return refuse(g, COGEN_EFRESH, "can't send non-NULL value to a just-started generator");
        }
        return resume(g, leaf, COGEN_SENT, value, out, false, from == COGEN_CREATED);
    }
    if (from == COGEN_CLOSED) {
        if (out)
            *out = NULL;
        return COGEN_RETURNED;
    }
    return refuse_busy(g);
}

/* A first resume, frameless like cogen_send's fast path (send_slow's frame
 * cost about 1 ns of a create+run+destroy, measured with the end above in
 * place: BENCHMARKS.md). Anything unusual goes to send_slow. A generator
 * claimed from CREATED is its own chain: it is linked into one only once
 * claimed (cogen_yield_from), and then never CREATED again. Test builds
 * check it. */
__attribute__((noinline)) static int first_resume(cogen *g, void **out)
{
    if (COGEN_LIKELY(claim_created(g))) {
        check_innermost(g);
        return resume(g, g, COGEN_SENT, NULL, out, false, true);
    }
    return send_slow(g, NULL, out, g, COGEN_CREATED);
}

int cogen_send(cogen *g, void *value, void **out)
{
    cogen *leaf = NULL;
    int seen = COGEN_CLOSED;
    if (COGEN_LIKELY(g != NULL)) {
        enum taken how = take_fast(g, &leaf, &seen);
        if (COGEN_LIKELY(how == TAKEN_BY_OWNER))
            return resume(g, leaf, COGEN_SENT, value, out, true, false);
        if (how == TAKEN)
            return resume(g, leaf, COGEN_SENT, value, out, false, false);
        if (seen == COGEN_CREATED && leaf == g && !value)
            return first_resume(g, out);
    }
    return send_slow(g, value, out, leaf, seen);
}

int cogen_next(cogen *g, void **out)
{
    return cogen_send(g, NULL, out);
}

/* Delivers EXIT to g itself (not to the innermost generator of its chain,
 * `leaf`, which the caller has claimed: a delegator closes its sub
 * first). */
static int deliver_exit(cogen *g, cogen *leaf, void **out)
{
    if (leaf != g && !claim(g, DELEGATING)) {
        set_state(leaf, COGEN_SUSPENDED); /* cannot happen: the chain is ours */
        return refuse_busy(g);
    }
    set_exit(g);
    return resume(g, g, COGEN_EXIT, NULL, out, false, false);
}

int cogen_throw(cogen *g, int code, const char *msg, void **out)
{
    cogen *leaf;
    int from;
    if (!g) {
        errno = EINVAL;
        return COGEN_ERROR;
    }
    if (out)
        *out = NULL;
    if (code == 0)
        return refuse(g, COGEN_EINVAL, "cogen_throw: error code 0");
    leaf = take(g, &from);
    if (!leaf) {
        if (from == COGEN_CLOSED)
            return refuse(g, code, "%s", msg ? msg : "thrown");
        return refuse_busy(g);
    }
    if (from == COGEN_CREATED) { /* no body code runs */
        set_state(leaf, COGEN_CLOSED);
        return refuse(g, code, "%s", msg ? msg : "thrown");
    }
    if (code == COGEN_EEXIT)
        return deliver_exit(g, leaf, out);
    (void)fail_str(leaf, code, msg ? msg : "thrown");
    return resume(g, leaf, COGEN_THROWN, NULL, out, false, false);
}

/* Closes g, whose chain the caller has taken. The EXIT that g's body saw
 * is not an error of the close: a clean close leaves g's last error as it
 * was before. */
static int close_taken(cogen *g, cogen *leaf)
{
    /* The error the body had before, put back after EXIT: most have none,
     * and an empty record needs no copy (a third of a close's instructions
     * were these copies). */
    bool had_error = g->e.err.code != 0;
    cogen__errbuf before;
    int rc;
    if (had_error)
        cogen__errbuf_copy(&before, &g->e.err);
    rc = deliver_exit(g, leaf, NULL);
    if (rc == COGEN_ERROR && cogen_last_error(g)->code == COGEN_EBUSY)
        return rc;
    if (rc == COGEN_YIELDED)
        return refuse(g, COGEN_EIGNORED, "generator ignored EXIT");
    if (rc == COGEN_ERROR && cogen_last_error(g)->code != COGEN_EEXIT)
        return COGEN_ERROR;
    if (g->e.err.code == COGEN_EEXIT) {
        if (had_error) {
            copy_error(g, &before.err);
        } else {
            cogen__errbuf_clear(&g->e);
            touch_error(g);
        }
    }
    return 0;
}

int cogen_close(cogen *g)
{
    cogen *leaf;
    int from;
    if (!g) {
        errno = EINVAL;
        return COGEN_ERROR;
    }
    leaf = take(g, &from);
    if (!leaf)
        return from == COGEN_CLOSED ? 0 : refuse_busy(g);
    if (from == COGEN_CREATED) { /* runs no code at all */
        set_state(leaf, COGEN_CLOSED);
        return 0;
    }
    return close_taken(g, leaf);
}

int cogen_getstate(const cogen *g)
{
    if (!g) {
        errno = EINVAL;
        return -1;
    }
    return chain_state(g);
}

const cogen_err *cogen_last_error(const cogen *g)
{
    call_error *ce;
    if (!g)
        return NULL;
    ce = my_call_error();
    if (ce->g == g && ce->generation == g->generation)
        return &ce->e.err;
    return &g->e.err;
}

size_t cogen_stack_size(const cogen *g)
{
    return g ? stack_bytes(g) : 0;
}

const char *cogen_name(const cogen *g)
{
    return g ? g->name : NULL;
}

cogen *cogen_current(void)
{
    return cogen__me.current;
}

/* ------------------------------------------------------ inside a body */

/* A generator that yields to a delegator closing its sub (close_held)
 * leaves that delegator's chain before its new state is published, so
 * that no other thread can take it while still linked. */
static void leave_held_chain(cogen *self, xfer *x)
{
    cogen *sub = x->target;
    cut(sub, sub->parent, self);
}

/* cogen_yield in full. */
__attribute__((noinline)) static int yield_general(cogen *self, void *value, void **received)
{
    xfer *x;
    if (COGEN_UNLIKELY(!executing(self) || self->finishing)) {
        errno = EINVAL;
        return COGEN_ERROR;
    }
    x = &self->xf;
    if (x->out)
        *x->out = value;
    if (COGEN_UNLIKELY(x->held))
        leave_held_chain(self, x);
    self->received = received; /* the next resumer writes the value sent there */
    set_current_fast(x->prev);
    fp_leave(self, x);
    cogen__san_leave_gen(&self->san, x->san.bottom, x->san.size);
#ifdef COGEN_SAN_SWITCH
    {
        int kind = hop(&self->ctx, &x->ctx, COGEN_YIELDED, self, COGEN_SUSPENDED, x->san.fiber);
        arrive(self);
        return kind;
    }
#else
    return hop(&self->ctx, &x->ctx, COGEN_YIELDED, self, COGEN_SUSPENDED, NULL);
#endif
}

int cogen_yield(cogen *self, void *value, void **received)
{
#if defined(__x86_64__) && !defined(COGEN_SAN_SWITCH)
    /* The common case inline and without a call, so without a frame (see
     * resume). Being this thread's current generator is being inside its
     * body here (executing() also says so, at a higher cost); reading the
     * thread-local is safe on a generator's stack on x86-64 (see
     * set_current_fast). */
    if (COGEN_LIKELY(self && cogen__me.current == self) &&
        COGEN_LIKELY(!self->finishing && !self->xf.held && !(self->flags & COGEN_FPENV))) {
        xfer *x = &self->xf;
        if (x->out)
            *x->out = value;
        self->received = received;
        cogen__me.current = x->prev;
        return hop(&self->ctx, &x->ctx, COGEN_YIELDED, self, COGEN_SUSPENDED, NULL);
    }
#endif
    return yield_general(self, value, received);
}

static COGEN_NORETURN void misuse(const char *call, const cogen *self)
{
    (void)fprintf(stderr, "cogen: %s called outside the body of generator '%s'; aborting\n", call,
                  self ? self->name : "(null)");
    abort();
}

void cogen_raise(cogen *self, int code, const char *fmt, ...)
{
    va_list ap;
    if (!executing(self))
        misuse("cogen_raise", self);
    va_start(ap, fmt);
    set_error_v(self, code ? code : COGEN_EINVAL, self->name, fmt ? fmt : "error", ap);
    va_end(ap);
    finish(self, COGEN_ERROR, NULL);
}

void cogen_reraise(cogen *self)
{
    if (!executing(self))
        misuse("cogen_reraise", self);
    /* The last error may be a refused call of this body's, kept in the
     * thread's record (e.g. EBUSY from resuming itself): make it g's own. */
    copy_error(self, cogen_last_error(self));
    if (self->e.err.code == 0)
        (void)fail(self, COGEN_EINVAL, "cogen_reraise: no error to re-raise");
    finish(self, COGEN_ERROR, NULL);
}

void cogen_raise_error(cogen *self, const cogen_err *err)
{
    if (!executing(self))
        misuse("cogen_raise_error", self);
    if (!err || err->code == 0)
        (void)fail(self, COGEN_EINVAL, "cogen_raise_error: no error to raise");
    else
        copy_error(self, err);
    finish(self, COGEN_ERROR, NULL);
}

void *cogen_receive(cogen *self, void *value)
{
    void *got = NULL;
    if (!executing(self))
        misuse("cogen_receive", self);
    switch (cogen_yield(self, value, &got)) {
    case COGEN_SENT: return got;
    case COGEN_ERROR: /* from a cleanup: no yields there */
        (void)fail(self, COGEN_EINVAL, "cogen_receive: called from a cleanup");
        finish(self, COGEN_ERROR, NULL);
    default: cogen_reraise(self); /* EXIT (its error is EEXIT) or the error thrown in */
    }
}

int cogen_send_or_raise(cogen *self, cogen *target, void *value, void **out)
{
    int rc;
    if (!executing(self))
        misuse("cogen_send_or_raise", self);
    rc = cogen_send(target, value, out);
    if (rc == COGEN_ERROR) {
        if (!target)
            (void)fail(self, COGEN_EINVAL, "cogen_send_or_raise: NULL target");
        else
            copy_error(self, cogen_last_error(target));
        finish(self, COGEN_ERROR, NULL);
    }
    return rc;
}

void cogen_return(cogen *self, void *value)
{
    if (!executing(self))
        misuse("cogen_return", self);
    finish(self, COGEN_RETURNED, value);
}

int cogen_defer(cogen *self, void (*fn)(void *), void *arg)
{
    if (!executing(self)) {
        errno = EINVAL;
        return COGEN_ERROR;
    }
    if (!fn)
        return fail(self, COGEN_EINVAL, "cogen_defer: NULL function");
    if (self->ndefers == self->cap) {
        unsigned cap = self->cap * 2;
        deferred *d = cogen__malloc(cap * sizeof *d);
        if (!d)
            return fail(self, COGEN_ENOMEM, "cogen_defer: out of memory");
        memcpy(d, self->defers, self->ndefers * sizeof *d);
        if (self->defers != self->inline_defers)
            free(self->defers);
        self->defers = d;
        self->cap = cap;
    }
    self->defers[self->ndefers++] = (deferred){fn, arg};
    return 0;
}

/*
 * PEP 380: a delegator being closed closes its sub first. Runs on self's
 * stack, inside a close that holds the chain: sub is either DELEGATING
 * (taken here) or the chain's innermost, already RUNNING for this close.
 * If sub ignores EXIT (yields), it leaves the chain before its new state
 * is published, so that no other thread can take it while still linked.
 * 0 if sub closed cleanly, else COGEN_ERROR with the error in self.
 */
__attribute__((noinline)) static int close_held(cogen *self, cogen *sub)
{
    int status;
    if (sub->delegate && !claim(sub, DELEGATING))
        abort(); /* the chain is ours: nobody else takes a delegator */
    set_exit(sub);
    status = enter(sub, sub, COGEN_EXIT, NULL, NULL, true, true, false);
    if (status == COGEN_YIELDED) { /* from sub, or from a new sub of its: cut off */
        cogen__errbuf_set(&self->e, COGEN_EIGNORED, sub->name, "%s",
                          cogen_strerror(COGEN_EIGNORED));
        touch_error(self);
        return COGEN_ERROR;
    }
    if (status == COGEN_ERROR && sub->e.err.code != COGEN_EEXIT) {
        copy_error(self, &sub->e.err);
        return COGEN_ERROR;
    }
    if (sub->e.err.code == COGEN_EEXIT) /* closed cleanly: no error to report */
        cogen__errbuf_clear(&sub->e);
    return 0;
}

/* What a delegator does when woken: its sub ended (and left the chain),
 * or a call addressed to the delegator itself arrived (EXIT always; SENT
 * and THROWN only when the sub ended or was freed behind its back, as the
 * fast path skips delegators otherwise). */
static int delegation_result(cogen *self, int kind, void **result)
{
    cogen *sub = self->delegate;
    if (self->wake == WAKE_SUB_DONE) {
        self->wake = WAKE_MSG; /* consumed: any other wake-up is a message */
        if (self->sub_status == COGEN_RETURNED) {
            if (result)
                *result = self->sub_value;
            return COGEN_RETURNED;
        }
        return COGEN_ERROR; /* the sub's error, copied into self's */
    }
    if (kind == COGEN_EXIT) {
        if (sub && close_held(self, sub) != 0)
            return COGEN_ERROR;
        set_exit(self);
        return COGEN_EXIT;
    }
    if (kind == COGEN_THROWN) /* into an ended sub: it comes straight back */
        return COGEN_ERROR;
    return COGEN_RETURNED; /* send to an ended sub: result None, as in Python */
}

int cogen_yield_from(cogen *self, cogen *sub, void **result)
{
    cogen *leaf, *top;
    int from, kind;
    if (result)
        *result = NULL;
    if (!executing(self) || self->finishing) {
        errno = EINVAL;
        return COGEN_ERROR;
    }
    if (!sub || sub == self)
        return fail(self, COGEN_EINVAL, "cogen_yield_from: invalid sub-generator");
    leaf = take(sub, &from);
    if (!leaf) {
        if (from == COGEN_CLOSED)
            return COGEN_RETURNED; /* Python: the result of an exhausted sub is None */
        return fail(self, COGEN_EBUSY, "cogen_yield_from: '%s': %s", sub->name,
                    cogen_strerror(COGEN_EBUSY));
    }
    if (sub->parent) {
        set_state(leaf, from);
        return fail(self, COGEN_EINVAL, "cogen_yield_from: '%s' is already being delegated to",
                    sub->name);
    }
    /* Both chains are ours (self runs): sub's joins self's. */
    top = atomic_load_explicit(&self->top, memory_order_relaxed);
    for (cogen *m = sub; m; m = m->delegate)
        atomic_store_explicit(&m->top, top, memory_order_relaxed);
    /* No longer an outermost: its leaf link points to itself (see cogen) */
    atomic_store_explicit(&sub->leaf, sub, memory_order_relaxed);
    self->delegate = sub;
    sub->parent = self;
    atomic_store_explicit(&top->leaf, leaf, memory_order_relaxed);
    /* Prime the sub (a send of NULL) on behalf of self's resumer: the
     * resume moves to the sub with its record. */
    leaf->xf = self->xf;
    if (leaf->received)
        *leaf->received = NULL;
    self->received = NULL;
    set_current(leaf);
    fp_leave(self, &self->xf);
    fp_enter(leaf, &leaf->xf);
    cogen__san_leave_gen(&self->san, leaf->stack.lo, stack_bytes(leaf));
    if (from == COGEN_CREATED)
        kind = hop_start(&self->ctx, leaf, self, DELEGATING);
    else
        kind = hop(&self->ctx, &leaf->ctx, COGEN_SENT, self, DELEGATING, leaf->san.fiber);
    arrive(self);
    return delegation_result(self, kind, result);
}

/* ------------------------------------------------ layout, for debuggers */

const cogen__gen_layout_t cogen__gen_layout = {
    .size = sizeof(cogen),
    .align = 64,
    .ctx = offsetof(cogen, ctx),
    .state = offsetof(cogen, state),
    .flags = offsetof(cogen, flags),
    .fn = offsetof(cogen, fn),
    .arg = offsetof(cogen, arg),
    .delegate = offsetof(cogen, delegate),
    .parent = offsetof(cogen, parent),
    .stack_lo = offsetof(cogen, stack) + offsetof(cogen__stack, lo),
    .name = offsetof(cogen, name),
    .name_cap = sizeof(((cogen *)0)->name),
    .created = COGEN_CREATED,
    .running = COGEN_RUNNING,
    .suspended = COGEN_SUSPENDED,
    .closed = COGEN_CLOSED,
    .delegating = DELEGATING,
};
