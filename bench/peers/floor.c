/* SPDX-License-Identifier: MIT */
/*
 * The floor (a bare assembly register swap, floor_x86_64.S), the floor
 * with a claim (claim_rt, below) and a plain indirect function call,
 * driven exactly like the other peers.
 */
#include "../bench.h"
#include "stacks.h"

#include <stdatomic.h>

/* Into a coroutine, and back out of it (floor_x86_64.S). */
void *bench_floor_swap(void **from_sp, void **to_sp, void *v);
void *bench_floor_swap_out(void **from_sp, void **to_sp, void *v);
void *bench_floor_swap_publish(void **from_sp, void **to_sp, void *v, _Atomic uint64_t *publish,
                               uint64_t word);
void bench_floor_init(void **sp, char *hi, void (*entry)(void *, void *), void *arg);

typedef struct co {
    void *sp;     /* the coroutine's saved stack pointer */
    void *caller; /* its resumer's */
} co;

/* ---- round trip: a value in, value + 1 out */
static void echo(void *arg, void *v)
{
    co *c = arg;
    for (;;)
        v = bench_floor_swap_out(&c->sp, &c->caller, (void *)((uintptr_t)v + 1));
}

static uintptr_t floor_rt(void *ctx, uint64_t n)
{
    co *c = ctx;
    uintptr_t acc = 0;
    for (uint64_t i = 0; i < n; i++)
        acc += (uintptr_t)bench_floor_swap(&c->caller, &c->sp, (void *)(uintptr_t)i);
    return acc;
}

/* ---- create, first resume, finish, destroy */
static void once(void *arg, void *v)
{
    co *c = arg;
    bench_floor_swap_out(&c->sp, &c->caller, v); /* "returns" v; never resumed */
    abort();
}

static char *pooled;
static uintptr_t floor_create_pool(void *ctx, uint64_t n)
{
    uintptr_t acc = 0;
    (void)ctx;
    for (uint64_t i = 0; i < n; i++) {
        co c;
        bench_floor_init(&c.sp, pooled + BENCH_STACK, once, &c);
        acc += (uintptr_t)bench_floor_swap(&c.caller, &c.sp, (void *)(uintptr_t)i);
    }
    return acc;
}

static uintptr_t floor_create_nopool(void *ctx, uint64_t n)
{
    uintptr_t acc = 0;
    (void)ctx;
    for (uint64_t i = 0; i < n; i++) {
        co c;
        char *lo = bench_stack_map();
        bench_floor_init(&c.sp, lo + BENCH_STACK, once, &c);
        acc += (uintptr_t)bench_floor_swap(&c.caller, &c.sp, (void *)(uintptr_t)i);
        bench_stack_unmap(lo);
    }
    return acc;
}

/*
 * ---- the floor with a claim: the swap plus what each resume costs to
 * keep cogen's rule for threads (one caller wins, the others are
 * refused) with cogen's design of the claim, and nothing else; written
 * for this benchmark (not cogen's code), to tell how much of cogen's
 * distance to the floor that rule takes. Values go through the callers'
 * pointers, as in cogen's API, and each side reaches the swap through a
 * function of its own. The send claims the coroutine: the claim word
 * must say "suspended, biased to this thread"; a per-thread flag is
 * raised around reading it again and storing RUNNING (the owner's side
 * of a biased claim, see src/core/bias.c). The yield publishes
 * "suspended" again once its registers are saved
 * (bench_floor_swap_publish). Not modelled: the revocation by another
 * thread (none takes part here), the current generator, the resume
 * record, error and FPENV checks, delegation.
 */
enum { CLAIM_RUNNING = 0x11, CLAIM_SUSPENDED = 0x12 };
typedef struct claimed {
    void *sp;
    void **received;       /* where the paused yield wants the value */
    _Atomic uint64_t word; /* state (low half) and bias (high half) */
    void *caller;
    void **out; /* where the send wants the value out */
} claimed;
static _Thread_local uint64_t claim_mine; /* suspended, biased to this thread */
static _Thread_local _Atomic int claiming;

#ifdef __clang__
#define BENCH_OPAQUE __attribute__((noinline))
#else
#define BENCH_OPAQUE __attribute__((noipa)) /* as if in another file, like cogen's */
#endif

BENCH_OPAQUE void *claim_send(claimed *c, void *v, void **out);
BENCH_OPAQUE void *claim_send(claimed *c, void *v, void **out)
{
    uint64_t w = atomic_load_explicit(&c->word, memory_order_relaxed);
    if (w != claim_mine)
        abort(); /* no slow path: nothing else claims it here */
    atomic_store_explicit(&claiming, 1, memory_order_relaxed);
    atomic_signal_fence(memory_order_seq_cst);
    if (atomic_load_explicit(&c->word, memory_order_acquire) != w)
        abort();
    atomic_store_explicit((_Atomic uint32_t *)(void *)&c->word, CLAIM_RUNNING,
                          memory_order_relaxed);
    atomic_store_explicit(&claiming, 0, memory_order_release);
    c->out = out;
    if (c->received)
        *c->received = v;
    return bench_floor_swap(&c->caller, &c->sp, v);
}

BENCH_OPAQUE void *claim_yield(claimed *c, void *v, void **received);
BENCH_OPAQUE void *claim_yield(claimed *c, void *v, void **received)
{
    if (c->out)
        *c->out = v;
    c->received = received;
    return bench_floor_swap_publish(&c->sp, &c->caller, v, &c->word, claim_mine);
}

static void claim_echo(void *arg, void *first)
{
    claimed *c = arg;
    void *v = NULL;
    (void)first;
    for (;;)
        claim_yield(c, (void *)((uintptr_t)v + 1), &v);
}

static uintptr_t claim_rt(void *ctx, uint64_t n)
{
    claimed *c = ctx;
    uintptr_t acc = 0;
    void *out;
    for (uint64_t i = 0; i < n; i++) {
        claim_send(c, (void *)(uintptr_t)i, &out);
        acc += (uintptr_t)out;
    }
    return acc;
}

/* ---- indirect call */
static void *inc(void *state, void *v)
{
    (void)state;
    return (void *)((uintptr_t)v + 1);
}
static void *(*volatile call_target)(void *, void *) = inc;

static uintptr_t call_rt(void *ctx, uint64_t n)
{
    uintptr_t acc = 0;
    for (uint64_t i = 0; i < n; i++) {
        void *(*f)(void *, void *) = call_target; /* re-read: no devirtualisation */
        acc += (uintptr_t)f(ctx, (void *)(uintptr_t)i);
    }
    return acc;
}

static void rss(void)
{
    static co cs[BENCH_RSS_COUNT];
    long before = bench_rss();
    char *slab = bench_stack_slab(BENCH_RSS_COUNT);
    for (long i = 0; i < BENCH_RSS_COUNT; i++) {
        bench_floor_init(&cs[i].sp, slab + (size_t)(i + 1) * BENCH_STACK, echo, &cs[i]);
        bench_floor_swap(&cs[i].caller, &cs[i].sp, NULL);
    }
    bench_report_rss("floor", before, bench_rss(), BENCH_RSS_COUNT,
                     "16 KiB stacks carved from one mapping, no guard; 16 B of control each");
}

int main(int argc, char **argv)
{
    const char *w = argc > 1 ? argv[1] : "rt";
    if (!strcmp(w, "rt")) {
        static co c;
        char *lo = bench_stack_map();
        bench_floor_init(&c.sp, lo + BENCH_STACK, echo, &c);
        bench_floor_swap(&c.caller, &c.sp, NULL); /* to the first swap */
        bench_report_time("floor", w, floor_rt, &c);
    } else if (!strcmp(w, "create")) {
        pooled = bench_stack_map();
        bench_report_time("floor", w, floor_create_pool, NULL);
    } else if (!strcmp(w, "create_nopool")) {
        bench_report_time("floor", w, floor_create_nopool, NULL);
    } else if (!strcmp(w, "rss")) {
        rss();
    } else if (!strcmp(w, "claim_rt")) {
        static claimed c;
        char *lo = bench_stack_map();
        claim_mine = (uint64_t)CLAIM_SUSPENDED | (uint64_t)2 << 32; /* the first thread number */
        bench_floor_init(&c.sp, lo + BENCH_STACK, claim_echo, &c);
        bench_floor_swap(&c.caller, &c.sp, NULL); /* to its first yield, which publishes */
        bench_report_time("floor+claim", "rt", claim_rt, &c);
    } else if (!strcmp(w, "call_rt")) {
        bench_report_time("call", "rt", call_rt, NULL);
    } else {
        bench_report_na("floor", w, "not applicable");
    }
    return 0;
}
