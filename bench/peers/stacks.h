/* SPDX-License-Identifier: MIT */
/* Stacks for the peers that take a caller-supplied stack (floor, fcontext,
 * PCL): a pool of one (the same stack reused), a fresh guarded mapping per
 * coroutine (mmap + mprotect guard + munmap: what "no pool" costs), and
 * 16 KiB slots carved from one big lazily committed mapping (for the RSS
 * workload, where 100,000 separate guarded mappings would exceed Linux's
 * default limit of 65,530 mappings). */
#ifndef COGEN_BENCH_STACKS_H
#define COGEN_BENCH_STACKS_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#define BENCH_STACK 16384u
#define BENCH_GUARD 4096u

static inline char *bench_stack_map(void)
{
    char *p = (char *)mmap(NULL, BENCH_STACK + BENCH_GUARD, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == (char *)MAP_FAILED || mprotect(p, BENCH_GUARD, PROT_NONE) != 0) {
        perror("bench stack");
        exit(1);
    }
    return p + BENCH_GUARD; /* lowest usable byte */
}

static inline void bench_stack_unmap(char *lo)
{
    munmap(lo - BENCH_GUARD, BENCH_STACK + BENCH_GUARD);
}

static inline char *bench_stack_slab(size_t count)
{
    char *p = (char *)mmap(NULL, count * BENCH_STACK, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == (char *)MAP_FAILED) {
        perror("bench slab");
        exit(1);
    }
    return p;
}

#endif
