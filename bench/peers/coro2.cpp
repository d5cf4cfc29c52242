/* SPDX-License-Identifier: MIT */
// Boost.Coroutine2 (1.74): asymmetric push_type/pull_type over
// Boost.Context. A push_type carries values in; the value out travels in a
// captured variable (a coroutine2 coroutine moves values one way only).
// Destroying a suspended coroutine unwinds its stack (forced_unwind).
#include "../bench.h"

#include <boost/coroutine2/all.hpp>

using coro = boost::coroutines2::coroutine<uintptr_t>;

static uintptr_t shared;

struct echo_body {
    void operator()(coro::pull_type &in) const
    {
        for (;;) {
            shared = in.get() + 1;
            in();
        }
    }
};

static uintptr_t rt(void *p, uint64_t n)
{
    coro::push_type &sink = *static_cast<coro::push_type *>(p);
    uintptr_t acc = 0;
    for (uint64_t i = 0; i < n; i++) {
        sink(i);
        acc += shared;
    }
    return acc;
}

struct once_body {
    void operator()(coro::pull_type &in) const
    {
        shared = in.get();
    }
};

template <class Alloc> static uintptr_t create_with(Alloc &alloc, uint64_t n)
{
    uintptr_t acc = 0;
    for (uint64_t i = 0; i < n; i++) {
        coro::push_type sink(alloc, once_body());
        sink(i);
        acc += shared;
    }
    return acc;
}

static uintptr_t create_pool(void *p, uint64_t n)
{
    return create_with(*static_cast<boost::coroutines2::pooled_fixedsize_stack *>(p), n);
}

static uintptr_t create_nopool(void *p, uint64_t n)
{
    return create_with(*static_cast<boost::coroutines2::protected_fixedsize_stack *>(p), n);
}

struct parked_body {
    void operator()(coro::pull_type &in) const
    {
        for (;;)
            in();
    }
};

// Create, run to the first suspension, destroy (unwinds the body's stack).
static uintptr_t close_rt(void *p, uint64_t n)
{
    auto &alloc = *static_cast<boost::coroutines2::pooled_fixedsize_stack *>(p);
    uintptr_t acc = 0;
    for (uint64_t i = 0; i < n; i++) {
        coro::push_type sink(alloc, parked_body());
        sink(i);
        acc += i;
    }
    return acc;
}

int main(int argc, char **argv)
{
    const char *w = argc > 1 ? argv[1] : "rt";
    if (!strcmp(w, "rt")) {
        coro::push_type sink(boost::coroutines2::fixedsize_stack(16384), echo_body());
        bench_report_time("coro2", w, rt, &sink);
    } else if (!strcmp(w, "create")) {
        boost::coroutines2::pooled_fixedsize_stack alloc(16384);
        bench_report_time("coro2", w, create_pool, &alloc);
    } else if (!strcmp(w, "create_nopool")) {
        boost::coroutines2::protected_fixedsize_stack alloc(16384);
        bench_report_time("coro2", w, create_nopool, &alloc);
    } else if (!strcmp(w, "close")) {
        boost::coroutines2::pooled_fixedsize_stack alloc(16384);
        bench_report_time("coro2", w, close_rt, &alloc);
    } else if (!strcmp(w, "rss")) {
        static coro::push_type *cs[BENCH_RSS_COUNT];
        long before = bench_rss();
        for (long i = 0; i < BENCH_RSS_COUNT; i++) {
            cs[i] = new coro::push_type(boost::coroutines2::fixedsize_stack(16384), echo_body());
            (*cs[i])(0);
        }
        bench_report_rss("coro2", before, bench_rss(), BENCH_RSS_COUNT,
                         "fixedsize_stack(16 KiB): malloc'd stacks, no guard");
    } else {
        bench_report_na("coro2", w, "Coroutine2 has no delegation or throw into a coroutine");
    }
    return 0;
}
