/* SPDX-License-Identifier: MIT */
/*
 * What a stage costs per item: a direct send, a thread stage by batch
 * size, copied lines, the parallel stage (trivial and CPU-bound work), a
 * process stage. Prints a markdown table; median of ROUNDS runs each.
 *
 *   stage_bench [ITEMS]
 */
#include <cogen.h>
#include <cogen/pipe.h>
#include <cogen/stage.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ROUNDS 5

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *counter_body(cogen *self, void *arg)
{
    long *n = arg;
    void *v;
    while (cogen_yield(self, NULL, &v) == COGEN_SENT)
        ++*n;
    return NULL;
}

static cogen *new_counter(long *n)
{
    cogen_opts o = {0, "count", COGEN_PRIMED};
    *n = 0;
    return cogen_new(counter_body, n, &o);
}

typedef cogen *(*make_fn)(cogen *target, void *cfg);

static long items;
static char line[] = "127.0.0.1 - - [30/Nov/2026] \"GET /x\" 200 1";

/* ns per item of sending `items` items through make(target) and closing. */
static double run(make_fn make, void *cfg, int lines)
{
    double best[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
        long n;
        cogen *c = new_counter(&n);
        cogen *s = make ? make(c, cfg) : c;
        cogen_str l = {line, sizeof line - 1};
        double t0 = now();
        for (long i = 0; i < items; i++)
            if (cogen_send(s, lines ? (void *)&l : (void *)(intptr_t)(i + 1), NULL) !=
                COGEN_YIELDED)
                abort();
        if (cogen_close(s) != 0)
            abort();
        best[r] = (now() - t0) * 1e9 / (double)items;
        if (n != items && !(cfg && ((long *)cfg)[0] < 0))
            abort();
        if (s != c)
            cogen_free(s);
        cogen_free(c);
    }
    for (int i = 0; i < ROUNDS; i++)
        for (int j = i + 1; j < ROUNDS; j++)
            if (best[j] < best[i]) {
                double t = best[i];
                best[i] = best[j];
                best[j] = t;
            }
    return best[ROUNDS / 2];
}

static cogen *make_thread(cogen *target, void *cfg)
{
    cogen_stage_opts o = {0};
    o.batch = (size_t)((long *)cfg)[1];
    o.flags = ((long *)cfg)[2] ? 0 : COGEN_STAGE_BY_VALUE;
    return cogen_stage_thread("t", target, &o);
}

static volatile unsigned long sink;

static void *work(void *item, void *ud)
{
    long spin = *(long *)ud;
    unsigned long h = (unsigned long)(uintptr_t)item;
    for (long i = 0; i < spin; i++)
        h = h * 6364136223846793005UL + 1442695040888963407UL;
    sink = h;
    return item;
}

static cogen *make_parallel(cogen *target, void *cfg)
{
    long *c = cfg;
    cogen_stage_opts o = {0};
    o.flags = COGEN_STAGE_BY_VALUE | (c[2] ? COGEN_STAGE_ORDERED : 0);
    return cogen_stage_parallel("p", (size_t)c[1], work, NULL, &c[3], target, &o);
}

static int child_count(int fd, void *ud)
{
    (void)ud;
    long n;
    cogen *c = new_counter(&n);
    long long r = cogen_stage_feed_frames(fd, c, NULL, NULL, NULL);
    cogen_free(c);
    return r < 0;
}

static cogen *make_process(cogen *target, void *cfg)
{
    long *c = cfg;
    (void)target;
    cogen_stage_proc p = {child_count, NULL, NULL, (size_t)c[1], 0};
    return cogen_stage_process("x", &p);
}

int main(int argc, char **argv)
{
    items = argc > 1 ? atol(argv[1]) : 1000000;
    printf("| stage | ns per item |\n|---|---:|\n");
    printf("| direct send to a coroutine (no stage) | %.1f |\n", run(NULL, NULL, 0));
    long b[] = {1, 16, 64, 256};
    for (int i = 0; i < 4; i++) {
        long cfg[3] = {0, b[i], 0};
        printf("| thread stage, by value, batch %ld | %.1f |\n", b[i], run(make_thread, cfg, 0));
    }
    long lc[3] = {0, 64, 1};
    printf("| thread stage, lines copied (cogen_str_dup), batch 64 | %.1f |\n",
           run(make_thread, lc, 1));
    for (int ord = 0; ord <= 1; ord++)
        for (long w = 1; w <= 2; w++) {
            long cfg[4] = {0, w, ord, 0};
            printf("| parallel, %ld worker(s), %s, no work | %.1f |\n", w,
                   ord ? "ordered" : "unordered", run(make_parallel, cfg, 0));
        }
    for (long w = 1; w <= 2; w++) {
        long cfg[4] = {0, w, 1, 2000};
        printf("| parallel, %ld worker(s), ordered, ~2000-step work per item | %.1f |\n", w,
               run(make_parallel, cfg, 0));
    }
    long x1[2] = {-1, 0}, x2[2] = {-1, 1};
    printf("| process stage, %zu-byte lines, 64 KiB buffer | %.1f |\n", sizeof line - 1,
           run(make_process, x1, 1));
    printf("| process stage, %zu-byte lines, a write per item | %.1f |\n", sizeof line - 1,
           run(make_process, x2, 1));
    return 0;
}
