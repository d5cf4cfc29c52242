/* SPDX-License-Identifier: MIT */
/*
 * The measuring half shared by every C and C++ peer of the suite.
 *
 * One process measures one (peer, workload) pair and prints one JSON line;
 * bench/driver.py runs the processes in interleaved, shuffled rounds and
 * does the statistics across rounds. Inside a process: the workload runs
 * for a warm-up, then the number of operations per batch is calibrated so
 * a batch lasts about BATCH_NS, then BATCHES batches are timed and the
 * median, minimum and maximum of ns/operation are printed.
 *
 * A workload is a function running `n` operations and returning a value
 * that depends on all of them (printed, so the work cannot be optimised
 * away).
 */
#ifndef COGEN_BENCH_H
#define COGEN_BENCH_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BENCH_BATCH_NS 4000000.0 /* 4 ms per batch */
#define BENCH_BATCHES 15
#define BENCH_WARMUP_NS 30000000.0 /* 30 ms */

typedef uintptr_t (*bench_fn)(void *ctx, uint64_t n);

static inline double bench_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static inline void bench_report_time(const char *peer, const char *workload, bench_fn fn, void *ctx)
{
    double t[BENCH_BATCHES];
    uint64_t n = 16;
    uintptr_t sink = 0;
    double start = bench_now(), best = 1e30;
    /* Warm-up, doubling the batch until it lasts long enough; the batch
     * size is then set from the fastest ns/operation seen, so that one
     * descheduled warm-up batch does not shrink every timed batch. */
    for (;;) {
        double t0 = bench_now(), elapsed;
        sink += fn(ctx, n);
        elapsed = bench_now() - t0;
        if (elapsed / (double)n < best)
            best = elapsed / (double)n;
        if (bench_now() - start > BENCH_WARMUP_NS && elapsed > BENCH_BATCH_NS / 4)
            break;
        if (elapsed < BENCH_BATCH_NS)
            n *= 2;
    }
    n = (uint64_t)(BENCH_BATCH_NS / best) + 1;
    for (int b = 0; b < BENCH_BATCHES; b++) {
        double t0 = bench_now();
        sink += fn(ctx, n);
        t[b] = (bench_now() - t0) / (double)n;
    }
    qsort(t, BENCH_BATCHES, sizeof t[0], bench_cmp_double);
    printf("{\"peer\": \"%s\", \"workload\": \"%s\", \"ns\": %.3f, \"min\": %.3f, \"max\": %.3f, "
           "\"ops\": %llu, \"sink\": %llu}\n",
           peer, workload, t[BENCH_BATCHES / 2], t[0], t[BENCH_BATCHES - 1], (unsigned long long)n,
           (unsigned long long)sink);
}

/* Resident set size in bytes, from /proc/self/statm. */
static inline long bench_rss(void)
{
    long size = 0, res = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return -1;
    if (fscanf(f, "%ld %ld", &size, &res) != 2)
        res = -1;
    fclose(f);
    return res * sysconf(_SC_PAGESIZE);
}

static inline void bench_report_rss(const char *peer, long before, long after, long count,
                                    const char *note)
{
    printf("{\"peer\": \"%s\", \"workload\": \"rss\", \"bytes\": %.1f, \"count\": %ld, "
           "\"note\": \"%s\"}\n",
           peer, (double)(after - before) / (double)count, count, note);
}

static inline void bench_report_na(const char *peer, const char *workload, const char *why)
{
    printf("{\"peer\": \"%s\", \"workload\": \"%s\", \"na\": \"%s\"}\n", peer, workload, why);
}

#define BENCH_RSS_COUNT 100000L

#endif
