/* SPDX-License-Identifier: MIT */
/*
 * The program the gdb extension is tested on (run_gdb.py): when it reaches
 * gdb_stop_here(), called from the body of the running generator "runner",
 * it has generators
 *   "nested"  suspended two helper calls deep in its body,
 *   "outer" -> "middle" -> "inner"  a yield_from chain, "inner" suspended in
 *             a helper,
 *   "fresh"   created, never run,
 *   "done"    ended (closed, not freed),
 * and two that were freed (which must not show). With the argument "abort"
 * it aborts there instead, for a core dump.
 */
#include <cogen.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int dump_core; /* argument "abort": end in a core dump here */

__attribute__((noinline)) void gdb_stop_here(int depth)
{
    __asm__ volatile("" ::: "memory");
    if (dump_core)
        abort();
    (void)depth;
}

__attribute__((noinline)) static int park_in_helper(cogen *self, int level)
{
    void *got = NULL;
    if (level > 0)
        return park_in_helper(self, level - 1) + 1;
    (void)cogen_yield(self, &got, &got);
    return 0;
}

static void *nested_body(cogen *self, void *arg)
{
    (void)arg;
    return (void *)(long)park_in_helper(self, 2);
}

static void *inner_body(cogen *self, void *arg)
{
    (void)arg;
    return (void *)(long)park_in_helper(self, 1);
}

static void *delegating_body(cogen *self, void *sub)
{
    void *result = NULL;
    (void)cogen_yield_from(self, sub, &result);
    return result;
}

static void *runner_body(cogen *self, void *arg)
{
    (void)self;
    gdb_stop_here(*(int *)arg);
    return NULL;
}

static void *quick_body(cogen *self, void *arg)
{
    (void)self;
    return arg;
}

static cogen *make(cogen_fn fn, void *arg, const char *name)
{
    cogen_opts opts = {.name = name};
    cogen *g = cogen_new(fn, arg, &opts);
    if (!g) {
        perror("cogen_new");
        exit(1);
    }
    return g;
}

int main(int argc, char **argv)
{
    int depth = 3;
    dump_core = argc > 1 && strcmp(argv[1], "abort") == 0;
    cogen *freed1 = make(quick_body, NULL, "freed1");
    cogen *freed2 = make(nested_body, NULL, "freed2");
    cogen *nested = make(nested_body, NULL, "nested");
    cogen *inner = make(inner_body, NULL, "inner");
    cogen *middle = make(delegating_body, inner, "middle");
    cogen *outer = make(delegating_body, middle, "outer");
    cogen *fresh = make(quick_body, NULL, "fresh");
    cogen *done = make(quick_body, NULL, "done");
    cogen *runner = make(runner_body, &depth, "runner");
    if (cogen_next(freed2, NULL) != COGEN_YIELDED || cogen_next(nested, NULL) != COGEN_YIELDED ||
        cogen_next(outer, NULL) != COGEN_YIELDED || cogen_next(done, NULL) != COGEN_RETURNED)
        return 1;
    cogen_free(freed1);
    cogen_free(freed2);
    (void)cogen_next(runner, NULL); /* stops in gdb_stop_here */
    puts("gdbtarget: done");
    cogen_free(runner);
    cogen_free(done);
    cogen_free(fresh);
    cogen_free(outer);
    cogen_free(middle);
    cogen_free(inner);
    cogen_free(nested);
    return 0;
}
