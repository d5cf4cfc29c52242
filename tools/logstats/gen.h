/* SPDX-License-Identifier: MIT */
/* A deterministic sample access log (Apache combined format). */
#ifndef LOGSTATS_GEN_H
#define LOGSTATS_GEN_H

#include <stddef.h>
#include <stdint.h>

typedef struct gen_state {
    uint64_t rng;
    uint64_t left;   /* lines still to make */
    uint64_t n;      /* lines made */
    int64_t t;       /* current time, seconds since 1970 (UTC) */
    int64_t stamp_t; /* time the cached stamp is for */
    char stamp[32];  /* "dd/Mon/yyyy:HH:MM:SS +0000" */
} gen_state;

void gen_init(gen_state *g, uint64_t seed, uint64_t lines);

/* Writes whole lines (each ending in "\n") into buf, at most cap bytes
 * (cap >= 4096); returns the number of bytes, 0 when all lines are made. */
size_t gen_fill(gen_state *g, char *buf, size_t cap);

#endif
