/* SPDX-License-Identifier: MIT */
/* PCL (Portable Coroutine Library, libpcl1): co_call into the coroutine,
 * co_resume back to its caller. PCL moves no values: they travel in a
 * shared variable. On Linux PCL switches with ucontext (swapcontext makes
 * a sigprocmask system call each way). */
#include "../bench.h"
#include "stacks.h"

#include <pcl.h>

static void *shared; /* the value crossing, both ways */

static void echo(void *arg)
{
    (void)arg;
    for (;;) {
        shared = (void *)((uintptr_t)shared + 1);
        co_resume();
    }
}

static uintptr_t rt(void *ctx, uint64_t n)
{
    coroutine_t co = ctx;
    uintptr_t acc = 0;
    for (uint64_t i = 0; i < n; i++) {
        shared = (void *)(uintptr_t)i;
        co_call(co);
        acc += (uintptr_t)shared;
    }
    return acc;
}

/* The body returns: PCL's co_exit switches back and deletes the coroutine. */
static void once(void *arg)
{
    shared = arg;
}

static char *pooled;
static uintptr_t create_pool(void *ctx, uint64_t n)
{
    uintptr_t acc = 0;
    (void)ctx;
    for (uint64_t i = 0; i < n; i++) {
        coroutine_t co = co_create(once, (void *)(uintptr_t)i, pooled, BENCH_STACK);
        co_call(co);
        acc += (uintptr_t)shared;
    }
    return acc;
}

static uintptr_t create_nopool(void *ctx, uint64_t n)
{
    uintptr_t acc = 0;
    (void)ctx;
    for (uint64_t i = 0; i < n; i++) {
        char *lo = bench_stack_map();
        coroutine_t co = co_create(once, (void *)(uintptr_t)i, lo, BENCH_STACK);
        co_call(co);
        acc += (uintptr_t)shared;
        bench_stack_unmap(lo);
    }
    return acc;
}

int main(int argc, char **argv)
{
    const char *w = argc > 1 ? argv[1] : "rt";
    co_thread_init();
    if (!strcmp(w, "rt")) {
        coroutine_t co = co_create(echo, NULL, NULL, BENCH_STACK);
        co_call(co);
        bench_report_time("pcl", w, rt, co);
    } else if (!strcmp(w, "create")) {
        pooled = bench_stack_map();
        bench_report_time("pcl", w, create_pool, NULL);
    } else if (!strcmp(w, "create_nopool")) {
        bench_report_time("pcl", w, create_nopool, NULL);
    } else if (!strcmp(w, "rss")) {
        long before = bench_rss();
        char *slab = bench_stack_slab(BENCH_RSS_COUNT);
        for (long i = 0; i < BENCH_RSS_COUNT; i++)
            co_call(co_create(echo, NULL, slab + (size_t)i * BENCH_STACK, BENCH_STACK));
        bench_report_rss("pcl", before, bench_rss(), BENCH_RSS_COUNT,
                         "16 KiB stacks carved from one mapping, no guard");
    } else {
        bench_report_na("pcl", w, "PCL has no delegation, throw or close");
    }
    return 0;
}
