/* SPDX-License-Identifier: MIT */
/*
 * The floor (a bare assembly register swap, floor_x86_64.S) and a plain
 * indirect function call, driven exactly like the other peers.
 */
#include "../bench.h"
#include "stacks.h"

/* Into a coroutine, and back out of it (floor_x86_64.S). */
void *bench_floor_swap(void **from_sp, void **to_sp, void *v);
void *bench_floor_swap_out(void **from_sp, void **to_sp, void *v);
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
    } else if (!strcmp(w, "call_rt")) {
        bench_report_time("call", "rt", call_rt, NULL);
    } else {
        bench_report_na("floor", w, "not applicable");
    }
    return 0;
}
