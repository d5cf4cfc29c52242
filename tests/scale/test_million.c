/* SPDX-License-Identifier: MIT */
/*
 * Scale: 1,000,000 suspended generators at once, with guard pages, under
 * Linux's default limit of 65,530 mappings; each is resumed once and
 * freed. Prints resident memory per parked generator and the number of
 * mappings, and checks both stay within what docs/design.md promises.
 * Usage: test_million [count] (default 1000000).
 */
#include "shared.h"
#include <cogen.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        fprintf(stderr, __VA_ARGS__);                                                              \
        exit(1);                                                                                   \
    } while (0)

static long rss_kib(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f || fscanf(f, "%ld %ld", &pages, &resident) != 2)
        FAIL("cannot read /proc/self/statm\n");
    fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static long mappings(void)
{
    long n = 0;
    int c;
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        FAIL("cannot read /proc/self/maps\n");
    while ((c = fgetc(f)) != EOF)
        n += c == '\n';
    fclose(f);
    return n;
}

static long map_limit(void)
{
    long v = -1;
    FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
    if (f) {
        if (fscanf(f, "%ld", &v) != 1)
            v = -1;
        fclose(f);
    }
    return v;
}

static void *parked(cogen *self, void *arg)
{
    void *got;
    if (cogen_yield(self, arg, &got) != COGEN_SENT)
        return NULL;
    return got;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    cogen_opts o = {COGEN_STACK_MIN, "parked", 0};
    cogen **gs = calloc((size_t)n, sizeof *gs);
    long rss0, rss1, rss2, maps1;
    size_t usable = 0;
    if (!gs)
        FAIL("calloc\n");
    cogen_free(cogen_new(parked, NULL, &o)); /* sets up the guard method */
    if (cogen__guards_by_mprotect() && n > 30000) {
        /* two mappings per stack: the default limit stops near 32k */
        printf("skipped: guard pages fall back to mprotect here (no MADV_GUARD_INSTALL)\n");
        return 77;
    }
    memset(gs, 0, (size_t)n * sizeof *gs); /* count the table in the baseline */
    rss0 = rss_kib();
    for (long i = 0; i < n; i++) {
        void *out;
        gs[i] = cogen_new(parked, (void *)(intptr_t)i, &o);
        if (!gs[i])
            FAIL("cogen_new failed at %ld: %s\n", i, strerror(errno));
        if (cogen_next(gs[i], &out) != COGEN_YIELDED || (intptr_t)out != i)
            FAIL("priming %ld failed\n", i);
    }
    rss1 = rss_kib();
    maps1 = mappings();
    usable = cogen_stack_size(gs[0]);
    for (long i = 0; i < n; i++) {
        void *out;
        if (cogen_send(gs[i], (void *)(intptr_t)(i + 1), &out) != COGEN_RETURNED ||
            (intptr_t)out != i + 1)
            FAIL("resuming %ld failed\n", i);
        cogen_free(gs[i]);
    }
    rss2 = rss_kib();
    free(gs);
    printf("generators: %ld (%zu-byte stacks, guard pages on)\n", n, usable);
    printf("resident per parked generator: %.0f bytes\n", (double)(rss1 - rss0) * 1024 / (double)n);
    printf("mappings while parked: %ld (limit %ld)\n", maps1, map_limit());
    printf("resident after freeing all: %ld KiB above the start (peak %ld KiB)\n", rss2 - rss0,
           rss1 - rss0);
    /* One page per parked generator (its top frames and control block),
     * plus page tables: more than 4.5 KB each means stacks are committed
     * eagerly or pages are lost. */
    if ((double)(rss1 - rss0) * 1024 / (double)n > 4608)
        FAIL("more than 4.5 KB resident per parked generator\n");
    if (maps1 > 2000)
        FAIL("%ld mappings: stacks are not carved from shared mappings\n", maps1);
    /* freed stacks beyond the warm cache give their pages back */
    if (rss2 - rss0 > (rss1 - rss0) / 10)
        FAIL("freed stacks kept %ld KiB resident\n", rss2 - rss0);
    return 0;
}
