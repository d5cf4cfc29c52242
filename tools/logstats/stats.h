/* SPDX-License-Identifier: MIT */
/* The aggregators of logstats and their report (JSON and text). Shared by
 * logstats (one pipeline stage per aggregator) and the fused-loop
 * benchmark program (all of them called in one loop). */
#ifndef LOGSTATS_STATS_H
#define LOGSTATS_STATS_H

#include "logparse.h"

#include <stdio.h>

#define STATS_REJECTS 3
#define STATS_REJECT_TEXT 120

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
    /* The first rejected (malformed) lines, for the report. */
    struct stats_reject {
        const char *file; /* lives as long as the stats (e.g. argv) */
        uint64_t line;    /* 1-based, in that file */
        size_t len;
        char text[STATS_REJECT_TEXT];
    } rejects[STATS_REJECTS];
    size_t nrejects;
    /* Report options. */
    size_t top;    /* rows of the top-N panels (default 10) */
    int utc;       /* hours in UTC (else as logged, whatever the offset) */
    int generated; /* the input is the generated sample */
    uint64_t seed; /* its seed */
} stats;

void stats_init(stats *st);
void stats_free(stats *st);

/* Adds the figures of from into into (the counters and tables; rejected
 * lines are kept in order, into's first). For aggregating parts of a log
 * separately (e.g. one stats per thread) and reporting once. The report
 * options of into are kept. */
void stats_merge(stats *into, const stats *from);

/* Remembers a rejected line (only the first STATS_REJECTS are kept; the
 * text is cut to STATS_REJECT_TEXT bytes). */
void stats_reject(stats *st, const char *file, uint64_t line, const char *s, size_t n);

/* One aggregator each; all take a parsed record. */
void agg_status(stats *st, const log_rec *r);
void agg_client(stats *st, const log_rec *r);
void agg_hour(stats *st, const log_rec *r);
void agg_404(stats *st, const log_rec *r);
/* The optional grep counts lines (parsed or not) containing st->grep. */
void agg_grep(stats *st, const char *line, size_t len);

/* Prints the report as one JSON object and a newline (tests/pipe/data/basic.json
 * shows every key, in order). Strings are UTF-8: bytes of the log that are not
 * valid UTF-8 are written as the text \xHH (Apache's own escape). */
void stats_json(const stats *st, FILE *f);
/* Prints the human-readable report. Control characters and bytes that are
 * not valid UTF-8 taken from the log are written as \xHH, never raw. */
void stats_text(const stats *st, FILE *f);
/* Prints the rejected lines kept by stats_reject, one "  FILE:LINE: text"
 * line each, escaped as in stats_text. */
void stats_print_rejects(const stats *st, FILE *f);

/* The length of the valid UTF-8 sequence at s (1..4), or 0 if the bytes at
 * s are not one (overlong forms, surrogates and > U+10FFFF are not). */
size_t utf8_seq(const unsigned char *s, size_t n);

#endif
