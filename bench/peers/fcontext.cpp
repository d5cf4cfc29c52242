/* SPDX-License-Identifier: MIT */
// Boost.Context's lowest layer, fcontext: make_fcontext / jump_fcontext
// (boost::context::detail, Boost 1.74). One void* travels each way in the
// transfer_t. No states, no errors, no unwinding: a bare switch in a library.
#include "../bench.h"
#include "stacks.h"

#include <boost/context/detail/fcontext.hpp>

namespace ctx = boost::context::detail;

static void echo(ctx::transfer_t t)
{
    for (;;)
        t = ctx::jump_fcontext(t.fctx, (void *)((uintptr_t)t.data + 1));
}

struct rt_state {
    ctx::fcontext_t co;
};

static uintptr_t rt(void *p, uint64_t n)
{
    rt_state *s = static_cast<rt_state *>(p);
    uintptr_t acc = 0;
    for (uint64_t i = 0; i < n; i++) {
        ctx::transfer_t t = ctx::jump_fcontext(s->co, (void *)(uintptr_t)i);
        s->co = t.fctx;
        acc += (uintptr_t)t.data;
    }
    return acc;
}

// Finishes by jumping back for good; the stack is then reused or unmapped.
static void once(ctx::transfer_t t)
{
    ctx::jump_fcontext(t.fctx, t.data);
    abort();
}

static char *pooled;
static uintptr_t create_pool(void *, uint64_t n)
{
    uintptr_t acc = 0;
    for (uint64_t i = 0; i < n; i++) {
        ctx::fcontext_t c = ctx::make_fcontext(pooled + BENCH_STACK, BENCH_STACK, once);
        acc += (uintptr_t)ctx::jump_fcontext(c, (void *)(uintptr_t)i).data;
    }
    return acc;
}

static uintptr_t create_nopool(void *, uint64_t n)
{
    uintptr_t acc = 0;
    for (uint64_t i = 0; i < n; i++) {
        char *lo = bench_stack_map();
        ctx::fcontext_t c = ctx::make_fcontext(lo + BENCH_STACK, BENCH_STACK, once);
        acc += (uintptr_t)ctx::jump_fcontext(c, (void *)(uintptr_t)i).data;
        bench_stack_unmap(lo);
    }
    return acc;
}

int main(int argc, char **argv)
{
    const char *w = argc > 1 ? argv[1] : "rt";
    if (!strcmp(w, "rt")) {
        static rt_state s;
        char *lo = bench_stack_map();
        s.co = ctx::make_fcontext(lo + BENCH_STACK, BENCH_STACK, echo);
        s.co = ctx::jump_fcontext(s.co, nullptr).fctx;
        bench_report_time("fcontext", w, rt, &s);
    } else if (!strcmp(w, "create")) {
        pooled = bench_stack_map();
        bench_report_time("fcontext", w, create_pool, nullptr);
    } else if (!strcmp(w, "create_nopool")) {
        bench_report_time("fcontext", w, create_nopool, nullptr);
    } else if (!strcmp(w, "rss")) {
        static ctx::fcontext_t cs[BENCH_RSS_COUNT];
        long before = bench_rss();
        char *slab = bench_stack_slab(BENCH_RSS_COUNT);
        for (long i = 0; i < BENCH_RSS_COUNT; i++) {
            cs[i] = ctx::make_fcontext(slab + (size_t)(i + 1) * BENCH_STACK, BENCH_STACK, echo);
            cs[i] = ctx::jump_fcontext(cs[i], nullptr).fctx;
        }
        bench_report_rss("fcontext", before, bench_rss(), BENCH_RSS_COUNT,
                         "16 KiB stacks carved from one mapping, no guard");
    } else {
        bench_report_na("fcontext", w, "fcontext has no delegation, throw or close");
    }
    return 0;
}
