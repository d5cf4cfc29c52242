/* SPDX-License-Identifier: MIT */
/* cogen itself, through its public API only. */
#include "../bench.h"

#include <cogen.h>

/* ---- round trip: a value in, value + 1 out */
static void *echo(cogen *self, void *arg)
{
    void *v = NULL;
    (void)arg;
    while (cogen_yield(self, (void *)((uintptr_t)v + 1), &v) == COGEN_SENT) {
    }
    return NULL;
}

static uintptr_t rt(void *ctx, uint64_t n)
{
    cogen *g = ctx;
    uintptr_t acc = 0;
    void *out;
    for (uint64_t i = 0; i < n; i++) {
        cogen_send(g, (void *)(uintptr_t)i, &out);
        acc += (uintptr_t)out;
    }
    return acc;
}

/* ---- create, first resume, finish, destroy (the stack comes from the pool) */
static void *ret_arg(cogen *self, void *arg)
{
    (void)self;
    return arg;
}

static uintptr_t create(void *ctx, uint64_t n)
{
    uintptr_t acc = 0;
    void *out;
    (void)ctx;
    for (uint64_t i = 0; i < n; i++) {
        cogen *g = cogen_new(ret_arg, (void *)(uintptr_t)i, NULL);
        cogen_next(g, &out);
        cogen_free(g);
        acc += (uintptr_t)out;
    }
    return acc;
}

/* ---- create and destroy without running (not in the driver's table: the
 * part of create+run+destroy that is not the run) */
static uintptr_t new_free(void *ctx, uint64_t n)
{
    uintptr_t acc = 0;
    (void)ctx;
    for (uint64_t i = 0; i < n; i++) {
        cogen *g = cogen_new(ret_arg, (void *)(uintptr_t)i, NULL);
        acc += (uintptr_t)g;
        cogen_free(g);
    }
    return acc;
}

/* ---- send through a chain of delegators (yield_from) */
static void *delegator(cogen *self, void *sub)
{
    void *r;
    cogen_yield_from(self, sub, &r);
    return r;
}

/* ---- throw: the body handles the error and yields again */
static void *catcher(cogen *self, void *arg)
{
    void *v = NULL;
    uintptr_t k = 0;
    (void)arg;
    for (;;) {
        int rc = cogen_yield(self, (void *)k, &v);
        if (rc == COGEN_EXIT)
            return NULL;
        k += rc == COGEN_THROWN ? 1 : (uintptr_t)v;
    }
}

static uintptr_t throw_rt(void *ctx, uint64_t n)
{
    cogen *g = ctx;
    uintptr_t acc = 0;
    void *out;
    for (uint64_t i = 0; i < n; i++) {
        cogen_throw(g, 42, "bench", &out);
        acc += (uintptr_t)out;
    }
    return acc;
}

/* ---- close: create, run to the first yield, close (EXIT delivered, the
 * body returns), free */
static uintptr_t close_rt(void *ctx, uint64_t n)
{
    uintptr_t acc = 0;
    (void)ctx;
    for (uint64_t i = 0; i < n; i++) {
        cogen *g = cogen_new(catcher, NULL, NULL);
        cogen_next(g, NULL);
        acc += (uintptr_t)(cogen_close(g) == 0);
        cogen_free(g);
    }
    return acc;
}

static void rss(void)
{
    static cogen *gs[BENCH_RSS_COUNT];
    long before = bench_rss();
    for (long i = 0; i < BENCH_RSS_COUNT; i++) {
        gs[i] = cogen_new(echo, NULL, NULL);
        if (!gs[i] || cogen_next(gs[i], NULL) != COGEN_YIELDED) {
            perror("cogen_new");
            exit(1);
        }
    }
    bench_report_rss("cogen", before, bench_rss(), BENCH_RSS_COUNT,
                     "default 128 KiB stacks, guard pages on, control block on the stack");
    for (long i = 0; i < BENCH_RSS_COUNT; i++)
        cogen_free(gs[i]);
}

static cogen *primed(cogen_fn fn, void *arg)
{
    cogen *g = cogen_new(fn, arg, NULL);
    if (!g || cogen_next(g, NULL) != COGEN_YIELDED) {
        fprintf(stderr, "cogen bench: could not start a generator\n");
        exit(1);
    }
    return g;
}

int main(int argc, char **argv)
{
    const char *w = argc > 1 ? argv[1] : "rt";
    if (!strcmp(w, "rt")) {
        cogen *g = primed(echo, NULL);
        bench_report_time("cogen", w, rt, g);
        cogen_free(g);
    } else if (!strcmp(w, "create")) {
        bench_report_time("cogen", w, create, NULL);
    } else if (!strcmp(w, "new_free")) {
        bench_report_time("cogen", w, new_free, NULL);
    } else if (!strcmp(w, "create_nopool")) {
        bench_report_na("cogen", w,
                        "cogen has no switch to bypass its stack pool; the floor and fcontext "
                        "rows show what a mmap+mprotect+munmap per generator costs");
    } else if (!strncmp(w, "yf", 2)) {
        int depth = atoi(w + 2);
        cogen *chain[65];
        chain[0] = cogen_new(echo, NULL, NULL);
        for (int d = 1; d <= depth; d++)
            chain[d] = cogen_new(delegator, chain[d - 1], NULL);
        cogen_next(chain[depth], NULL); /* primes the whole chain */
        bench_report_time("cogen", w, rt, chain[depth]);
        for (int d = depth; d >= 0; d--)
            cogen_free(chain[d]);
    } else if (!strcmp(w, "throw")) {
        cogen *g = primed(catcher, NULL);
        bench_report_time("cogen", w, throw_rt, g);
        cogen_free(g);
    } else if (!strcmp(w, "close")) {
        bench_report_time("cogen", w, close_rt, NULL);
    } else if (!strcmp(w, "rss")) {
        rss();
    } else {
        bench_report_na("cogen", w, "unknown workload");
    }
    return 0;
}
