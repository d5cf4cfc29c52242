/* SPDX-License-Identifier: MIT */
/* benchmark: sending into a coroutine vs calling a method (Beazley part 2).
 *
 *   class GrepHandler:                      @coroutine
 *       def send(self, line):               def grep(pattern, target):
 *           if self.pattern in line:            while True:
 *               self.target.send(line)              line = (yield)
 *                                                   if pattern in line: target.send(line)
 * Both feed a null sink. In Python the coroutine won (no self lookups); in
 * C the "method" is an indirect call, and a send is two context switches.
 * Usage: benchmark [N] (default 1000000 lines). */
#include "common.h"

#include <time.h>

typedef struct handler handler;
struct handler {
    void (*send)(handler *self, const cogen_str *line);
    const char *pattern;
    size_t plen;
    handler *target;
    unsigned long long count;
};

static void grep_send(handler *self, const cogen_str *line)
{
    if (memmem(line->ptr, line->len, self->pattern, self->plen))
        self->target->send(self->target, line);
}

static void null_send(handler *self, const cogen_str *line)
{
    (void)line;
    self->count++;
}

static void *null_body(cogen *self, void *arg)
{
    unsigned long long *count = arg;
    while (cogen_yield(self, NULL, NULL) == COGEN_SENT)
        ++*count;
    return NULL;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    cogen_str line = {"python is nice", 14};

    handler sink = {null_send, NULL, 0, NULL, 0};
    handler g = {grep_send, "python", 6, &sink, 0};
    double t0 = now();
    for (long i = 0; i < n; i++)
        g.send(&g, &line);
    double t_method = now() - t0;

    unsigned long long count = 0;
    cogen_opts o = {0, "null", COGEN_PRIMED};
    cogen *null = cogen_new(null_body, &count, &o);
    grep_args ga;
    cogen *cg = grep(&ga, "python", null);
    t0 = now();
    for (long i = 0; i < n; i++)
        cogen_send(cg, &line, NULL);
    double t_coro = now() - t0;
    cogen_free(cg);
    cogen_free(null);

    printf("method:    %llu matches\n", sink.count);
    printf("coroutine: %llu matches\n", count);
    fprintf(stderr, "method call:    %.1f ns per line\n", t_method * 1e9 / (double)n);
    fprintf(stderr, "coroutine send: %.1f ns per line (two sends: grep, then sink)\n",
            t_coro * 1e9 / (double)n);
    return sink.count != count;
}
