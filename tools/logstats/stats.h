/* SPDX-License-Identifier: MIT */
/* The aggregators of logstats and their report (JSON and text). Shared by
 * logstats (one pipeline stage per aggregator) and the fused-loop
 * benchmark program (all of them called in one loop). */
#ifndef LOGSTATS_STATS_H
#define LOGSTATS_STATS_H

#include "logparse.h"

#include <stdio.h>

/* A counter keyed by bytes (copied in), open addressing. */
typedef struct smap_ent {
    uint64_t hash;
    char *key; /* NULL: empty slot */
    size_t len;
    uint64_t a, b; /* counters (requests/bytes, or count) */
} smap_ent;

typedef struct smap {
    smap_ent *v;
    size_t cap, n;
} smap;

typedef struct stats {
    uint64_t lines, parsed, malformed;
    uint64_t status_req[1000], status_bytes[1000];
    smap clients; /* a = bytes, b = requests */
    smap hours;   /* key: packed hour (4 bytes); a = requests */
    smap nf;      /* 404 paths; a = count */
    uint32_t last_hour;
    smap_ent *last_hour_ent;
    const char *grep; /* optional pattern */
    size_t grep_len;
    uint64_t grep_lines;
} stats;

void stats_init(stats *st);
void stats_free(stats *st);

/* One aggregator each; all take a parsed record. */
void agg_status(stats *st, const log_rec *r);
void agg_client(stats *st, const log_rec *r);
void agg_hour(stats *st, const log_rec *r);
void agg_404(stats *st, const log_rec *r);
/* The optional grep counts lines (parsed or not) containing st->grep. */
void agg_grep(stats *st, const char *line, size_t len);

/* Prints the report as one JSON object and a newline (tests/pipe/data/basic.json shows every key,
 * in order). */
void stats_json(const stats *st, FILE *f);
/* Prints the human-readable report. */
void stats_text(const stats *st, FILE *f);

#endif
