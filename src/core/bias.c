/* SPDX-License-Identifier: MIT */
/*
 * Claims biased to one thread.
 *
 * Taking a generator to run it must be atomic: of two threads resuming it
 * at once, one runs it and the other gets COGEN_EBUSY. A compare-and-swap
 * does that, but on x86-64 its lock prefix drains the store buffer, which
 * right after a switch costs about a fifth of a round trip. Yet most
 * generators are only ever resumed by one thread. So a generator is biased
 * to the thread of its first resume: that thread takes it with plain
 * loads and stores (protocol.c, claim_as_owner); any other thread first
 * revokes the bias, once and for good, and from then on every claim is a
 * locked compare-and-swap.
 *
 * The state and the bias share one word (the claim word), so that a
 * locked claim checks both at once: it expects SHARED (or its own thread)
 * in the bias, and fails if the slot now holds a generator biased to
 * another thread (a stale pointer may lead to a slot reused since).
 *
 * The owner and a revoker agree through the owner's `busy` flag, which
 * only the owner writes (Dekker's protocol):
 *
 *     owner:    busy = 1; if the word is still (SUSPENDED, me):
 *               state = RUNNING (a plain store of that half); busy = 0
 *     revoker:  bias = REVOKING by me (locked, from (SUSPENDED, owner));
 *               membarrier(); wait for busy == 0; bias = SHARED (locked,
 *               whatever the state)
 *
 * The owner puts no fence between its store and its load: membarrier
 * makes every running thread of the process execute one, so either the
 * owner's busy = 1 is visible to the revoker, which waits for that claim
 * to end, or the owner's load comes after the fence and sees REVOKING.
 * The owner's claim may land just after the revoker's first step: the
 * owner then holds the generator, the revoker ends its revocation and
 * finds it running. The owner, when it leaves the generator, stores the
 * whole word (protocol.c): it ends a revocation it sees begun (it is the
 * owner and not inside a claim), so that its store never undoes one.
 * REVOKING names its revoker so that a revocation that ends late never
 * ends another one begun on a generator since made in the same slot.
 *
 * Without membarrier's private expedited command (kernels before 4.14,
 * sandboxes that filter it), for threads past COGEN__CLAIMERS at once, or
 * on other processors, generators are SHARED from their first resume.
 */
#include "internal.h"

#include <cogen.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

cogen__claimer cogen__claimers[COGEN__CLAIMERS];
_Thread_local cogen__my_claims cogen__me
    __attribute__((tls_model("initial-exec"))) = {NULL, 0, NULL, COGEN__NO_CLAIMER};

#ifdef COGEN_BIASED_CLAIMS
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

static bool cas_word(cogen__claim_word *w, uint64_t *expected, uint64_t desired)
{
    return __atomic_compare_exchange_n(w, expected, desired, false, __ATOMIC_ACQUIRE,
                                       __ATOMIC_ACQUIRE);
}

enum { MODE_UNKNOWN, MODE_BIASED, MODE_SHARED };
static atomic_int mode;
static atomic_long revocations;

static long membarrier(int cmd)
{
    return syscall(SYS_membarrier, cmd, 0u, 0);
}

/* Once per process: can a revocation make every thread run a fence? */
static int decide(void)
{
    int m = MODE_SHARED, unknown = MODE_UNKNOWN;
    long cmds = cogen__inject(ENOSYS) ? -1 : membarrier(MEMBARRIER_CMD_QUERY);
    if (cmds > 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
        membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0)
        m = MODE_BIASED;
    /* Two threads may decide at once: the first answer stands. */
    (void)atomic_compare_exchange_strong(&mode, &unknown, m);
    return atomic_load(&mode);
}

/* Thread numbers: handed out once, reused after their thread exits. */
static pthread_mutex_t numbers_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned numbers_used = COGEN__BIAS_FIRST, numbers_free = COGEN__NO_CLAIMER;
static pthread_key_t number_key;
static pthread_once_t number_once = PTHREAD_ONCE_INIT;
static bool number_key_ok;

static void release_number(void *arg)
{
    unsigned n = (unsigned)(uintptr_t)arg;
    cogen__me.number = COGEN__NO_CLAIMER;
    cogen__me.suspended = 0;
    cogen__me.busy = NULL;
    pthread_mutex_lock(&numbers_lock);
    cogen__claimers[n].next_free = numbers_free;
    numbers_free = n;
    pthread_mutex_unlock(&numbers_lock);
}

static void make_number_key(void)
{
    number_key_ok = pthread_key_create(&number_key, release_number) == 0;
}

/* This thread's number, given on its first biased claim; COGEN__NO_CLAIMER
 * if there is none to give (its generators are then SHARED). */
static uint32_t my_number(void)
{
    unsigned n;
    if (COGEN_LIKELY(cogen__me.number != COGEN__NO_CLAIMER))
        return cogen__me.number;
    (void)pthread_once(&number_once, make_number_key);
    if (!number_key_ok)
        return COGEN__NO_CLAIMER;
    pthread_mutex_lock(&numbers_lock);
    n = numbers_free;
    if (n != COGEN__NO_CLAIMER)
        numbers_free = cogen__claimers[n].next_free;
    else if (numbers_used < COGEN__CLAIMERS)
        n = numbers_used++;
    pthread_mutex_unlock(&numbers_lock);
    if (n == COGEN__NO_CLAIMER)
        return n;
    /* The destructor gets the number back (a non-NULL value: numbers
     * start at COGEN__BIAS_FIRST). */
    if (pthread_setspecific(number_key, (void *)(uintptr_t)n) != 0) {
        release_number((void *)(uintptr_t)n);
        return COGEN__NO_CLAIMER;
    }
    cogen__me.suspended = cogen__claim_pack(COGEN_SUSPENDED, n);
    cogen__me.busy = &cogen__claimers[n].busy;
    cogen__me.number = n;
    return n;
}

/* The bias a first resume on this thread gives: this thread's number, if
 * it can report a stack overflow (so that its owner's resumes need not
 * check, see protocol.c) and biased claims work here. */
static uint32_t bias_for_me(void)
{
    uint32_t n;
    int m = atomic_load_explicit(&mode, memory_order_acquire);
    if (COGEN_UNLIKELY(m == MODE_UNKNOWN))
        m = decide();
    if (m != MODE_BIASED)
        return COGEN__BIAS_SHARED;
    cogen__overflow_guard_thread();
    if (!cogen__altstack_ready || (n = my_number()) == COGEN__NO_CLAIMER)
        return COGEN__BIAS_SHARED;
    return n;
}

/* Makes every running thread of the process execute a full fence. */
static void fence_everyone(void)
{
    /* The registration belongs to the address space and a child made by
     * fork() inherits it (tests/threads: bias_is_revoked_in_a_forked_child). */
    if (membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0)
        return;
    /* It worked when the bias was given; taking the generator without it
     * could let two threads run it at once. */
    (void)fprintf(stderr, "cogen: membarrier failed after it had worked; cannot take a generator "
                          "biased to another thread; aborting\n");
    abort();
}

/* This thread's mark in a bias it is revoking: unique among threads. */
static atomic_uint revokers_seen;
static _Thread_local uint32_t my_revoking_mark;

static uint32_t revoking_mark(void)
{
    if (COGEN_UNLIKELY(!my_revoking_mark))
        my_revoking_mark = COGEN__BIAS_REVOKING |
                           ((atomic_fetch_add(&revokers_seen, 1) + 1) & ~COGEN__BIAS_REVOKING);
    return my_revoking_mark;
}

/* The bias of *w is `mark`, set by us from `owner`: waits until the owner
 * cannot be inside an unlocked claim, then makes the bias SHARED (unless
 * the owner has: see the top of this file). Returns the word as it is. */
static uint64_t finish_revoking(cogen__claim_word *w, uint32_t owner, uint32_t mark)
{
    uint64_t word;
    fence_everyone();
    while (atomic_load_explicit(&cogen__claimers[owner].busy, memory_order_acquire))
        sched_yield(); /* the owner is inside a claim: a few instructions */
    word = __atomic_load_n(w, __ATOMIC_ACQUIRE);
    while ((uint32_t)(word >> 32) == mark) {
        if (cas_word(w, &word, cogen__claim_pack((int)(uint32_t)word, COGEN__BIAS_SHARED))) {
            atomic_fetch_add_explicit(&revocations, 1, memory_order_relaxed);
            return cogen__claim_pack((int)(uint32_t)word, COGEN__BIAS_SHARED);
        }
    }
    return word;
}
#endif

#ifdef COGEN_BIASED_CLAIMS
bool cogen__claim_locked(_Atomic int *state_half, int from, int to)
{
    /* x86-64 is little-endian: the state is the word's low half. */
    cogen__claim_word *w = (cogen__claim_word *)(void *)state_half;
    uint64_t word = __atomic_load_n(w, __ATOMIC_ACQUIRE);
    for (;;) {
        int state = (int)(uint32_t)word;
        uint32_t bias = (uint32_t)(word >> 32), taken = bias;
        if (state != from)
            return false;
        if (from == COGEN_CREATED && bias == COGEN__BIAS_NONE) {
            taken = bias_for_me();
        } else if (from == COGEN_SUSPENDED && bias != COGEN__BIAS_SHARED &&
                   bias != cogen__me.number) {
            uint32_t mark;
            if (bias == COGEN__BIAS_NONE)
                return false; /* never seen SUSPENDED: a slot reused meanwhile */
            if (bias & COGEN__BIAS_REVOKING) {
                sched_yield(); /* another thread is revoking it */
                word = __atomic_load_n(w, __ATOMIC_ACQUIRE);
                continue;
            }
            mark = revoking_mark();
            if (cas_word(w, &word, cogen__claim_pack(state, mark)))
                word = finish_revoking(w, bias, mark);
            continue;
        }
        if (cas_word(w, &word, cogen__claim_pack(to, taken)))
            return true;
    }
}
#else
bool cogen__claim_locked(_Atomic int *state, int from, int to)
{
    return atomic_compare_exchange_strong_explicit(state, &from, to, memory_order_acquire,
                                                   memory_order_relaxed);
}
#endif

#ifdef COGEN_TEST_HOOKS
int cogen__claims_biased(void)
{
#ifdef COGEN_BIASED_CLAIMS
    return atomic_load(&mode) == MODE_BIASED;
#else
    return 0;
#endif
}

long cogen__bias_revocations(void)
{
#ifdef COGEN_BIASED_CLAIMS
    return atomic_load(&revocations);
#else
    return 0;
#endif
}
#endif
