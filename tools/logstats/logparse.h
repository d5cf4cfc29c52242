/* SPDX-License-Identifier: MIT */
/* Parsing Apache combined-format access log lines (shared by logstats and
 * the fused-loop benchmark program). */
#ifndef LOGSTATS_LOGPARSE_H
#define LOGSTATS_LOGPARSE_H

#include <stddef.h>
#include <stdint.h>

/* One parsed line. The pointers point into the line, which must outlive
 * the record (in the pipeline: until the send that carried it returns). */
typedef struct log_rec {
    const char *line; /* the whole line (for --grep) */
    size_t line_len;
    const char *host;
    size_t host_len;
    const char *path; /* as written, escapes included */
    size_t path_len;
    const char *vhost; /* vhost_combined's "%v:%p", else NULL */
    size_t vhost_len;
    const char *referer, *agent; /* inside the quotes, escapes kept; NULL if absent */
    size_t referer_len, agent_len;
    uint32_t hour;  /* as logged: ((yyyy * 12 + month0) * 32 + dd) * 24 + HH */
    uint8_t minute; /* as logged */
    int16_t tz_min; /* the logged offset from UTC, in minutes */
    int status;     /* 0..999 */
    uint64_t bytes;
} log_rec;

/*
 * Parses one line (without its "\n"; a final "\r" is allowed and ignored).
 * Format: [vhost:port SP] host SP ident SP user SP
 * [dd/Mon/yyyy:HH:MM:SS[.frac] +zzzz] SP "method SP path SP protocol" SP
 * status(3 digits) SP bytes(digits, at most 18, or -)
 * [SP "referer" [SP "user agent" {SP number | SP "string"}]].
 * That is Apache's common, combined and vhost_combined formats, nginx's
 * combined (its default), with the fields servers are often set to add at
 * the end (%D, %T, $request_time, "$http_x_forwarded_for"). The request may
 * be "-" (Apache writes it for a connection closed before a request, status
 * 408): its path is "-". host, ident and user are runs of non-space bytes;
 * inside quotes, \x escapes any byte; the request's three parts contain no
 * space or unescaped quote; dd 01-31, HH 00-23, MM 00-59, SS 00-60, Mon one
 * of Jan..Dec, frac 1-9 digits, zzzz HHMM with HH <= 23, MM <= 59.
 * Returns 1 and fills *r, or 0 (malformed).
 */
int log_parse(const char *s, size_t n, log_rec *r);

/* A log format given as an Apache LogFormat string, compiled. */
#define LOG_FORMAT_MAX 48
typedef struct log_format {
    struct log_item {
        uint8_t kind;   /* LF_* in logparse.c */
        char stop;      /* the byte that ends a field (0: the end of the line) */
        uint8_t quoted; /* the field is inside quotes: \x escapes any byte */
        uint16_t lit;   /* a literal: its offset in text */
        uint16_t lit_len;
    } items[LOG_FORMAT_MAX];
    size_t n;
    char text[256]; /* the literals */
} log_format;

/*
 * Compiles an Apache LogFormat string (or one of the names "common",
 * "combined", "vhost_combined") into f. Understood: %h %a %l %u %t %r
 * %>s %<s %s %b %B %O %I %D %T %v %V %p %U %q %m %H %k %P %% and
 * %{NAME}i (Referer and User-agent are kept, other headers skipped),
 * %{NAME}o %{NAME}e %{NAME}n %{NAME}C (skipped). The format must have %h,
 * %t, a status and %r or %U, and a separator between two directives (%U%q
 * excepted). Returns 0, or -1 with a message in err (NUL-terminated).
 */
int log_format_compile(log_format *f, const char *spec, char *err, size_t errlen);

/* Parses one line with a compiled format; as log_parse. */
int log_parse_format(const log_format *f, const char *s, size_t n, log_rec *r);

/* The hour of r in UTC (the logged time minus its offset), packed as
 * log_rec.hour. */
uint32_t log_utc_hour(const log_rec *r);

/* The hour of r as "yyyy-mm-ddTHH" (14 bytes with the NUL). */
void log_hour_str(uint32_t hour, char out[14]);

#endif
