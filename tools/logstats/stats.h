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

/* A set of unique visitors: (day, host, user agent) as a 64-bit hash with
 * its day, 16 bytes a slot, open addressing at most 3/4 full. */
typedef struct vset_ent {
    uint64_t hash;
    uint32_t day; /* packed day (hour / 24); 0: empty slot */
    uint32_t pad;
} vset_ent;

typedef struct vset {
    vset_ent *v;
    size_t cap, n;
} vset;

typedef struct stats {
    uint64_t lines, parsed, malformed;
    uint64_t status_req[1000], status_bytes[1000];
    smap clients; /* a = bytes, b = requests */
    smap hours;   /* key: packed hour (4 bytes); a = requests */
    smap nf;      /* 404 paths; a = count */
    uint32_t last_hour;
    smap_ent *last_hour_ent;
    smap days;     /* key: packed day (4 bytes); a = requests, b = bytes */
    vset visitors; /* unique (day, host, agent) */
    smap paths;    /* requested files (not static); a = requests, b = bytes */
    smap statics;  /* static files; a = requests, b = bytes */
    smap referers; /* a = requests ("-" and empty not counted) */
    smap agents;   /* a = requests ("-" and absent not counted) */
    smap vhosts;   /* a = requests, b = bytes */
    uint32_t last_day;
    smap_ent *last_day_ent;
    /* --grep: only the lines containing the pattern reach the panels. */
    const char *grep;
    size_t grep_len;
    uint64_t grep_lines; /* parsed lines that matched */
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
void agg_visitor(stats *st, const log_rec *r); /* days: requests, bytes, unique visitors */
void agg_request(stats *st, const log_rec *r); /* requested and static files */
void agg_referer(stats *st, const log_rec *r);
void agg_agent(stats *st, const log_rec *r); /* browsers and OS come from these */
void agg_vhost(stats *st, const log_rec *r);
/* Calls every aggregator above (for single-loop users). */
void agg_all(stats *st, const log_rec *r);

/* --grep: returns 1 (and counts the line) if st has no pattern or r's line
 * contains it; 0 if the record must not reach the aggregators. */
int stats_match(stats *st, const log_rec *r);

/* 1 if the path (query string aside) names a static file by its
 * extension (.css, .js, .png, ...). */
int path_is_static(const char *path, size_t len);

/* The browser and OS families of a user agent (e.g. "Firefox", "Linux";
 * "Crawlers" for bots, "Others"/"Unknown" when not recognised). */
const char *agent_browser(const char *ua, size_t len);
const char *agent_os(const char *ua, size_t len);

/* Prints the report as one JSON object and a newline (tests/pipe/data/basic.json
 * shows every key, in order). Strings are UTF-8: bytes of the log that are not
 * valid UTF-8 are written as the text \xHH (Apache's own escape). */
void stats_json(const stats *st, FILE *f);
/* Prints the report as CSV (RFC 4180: CRLF, fields with a comma, quote,
 * CR or LF quoted, quotes doubled): a header, then one row per figure,
 * "panel,key,requests,bytes,visitors", empty where a panel has no such
 * column. Strings escaped as in stats_text. */
void stats_csv(const stats *st, FILE *f);
/* Prints one self-contained HTML page (no scripts, no network): the report
 * as tables and inline SVG charts. Every string from the log is
 * HTML-escaped (and escaped as in stats_text). */
void stats_html(const stats *st, FILE *f);
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
