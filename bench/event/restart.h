/* SPDX-License-Identifier: MIT */
/* A request-head parser that restarts from the first byte whenever it is
 * given more input, as picohttpparser-style parsers do: the caller keeps
 * the bytes received so far and calls it again after each read. Written
 * for the benchmark only: plain byte loops, the same checks as a strict
 * parser (token method, visible target, HTTP/1.x, token names, CRLF). */
#ifndef BENCH_RESTART_H
#define BENCH_RESTART_H

#include <stddef.h>
#include <string.h>

typedef struct rs_header {
    const char *name, *value;
    size_t name_len, value_len;
} rs_header;

typedef struct rs_request {
    const char *method, *target;
    size_t method_len, target_len;
    int minor;
    rs_header headers[64];
    size_t n;
} rs_request;

static inline int rs_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* Returns the head's length, -2 when incomplete, -1 when malformed. */
static inline long rs_parse(const char *buf, size_t len, rs_request *r)
{
    const char *p = buf, *e = buf + len;
#define NEED(k)                                                                                    \
    do {                                                                                           \
        if ((size_t)(e - p) < (size_t)(k))                                                         \
            return -2;                                                                             \
    } while (0)
    r->method = p;
    while (p < e && rs_tchar((unsigned char)*p))
        p++;
    NEED(1);
    if (p == r->method || *p != ' ')
        return -1;
    r->method_len = (size_t)(p++ - r->method);
    r->target = p;
    while (p < e && (unsigned char)*p > ' ' && *p != 0x7f)
        p++;
    NEED(1);
    if (p == r->target || *p != ' ')
        return -1;
    r->target_len = (size_t)(p++ - r->target);
    NEED(10);
    if (memcmp(p, "HTTP/1.", 7) != 0 || p[7] < '0' || p[7] > '9' || p[8] != '\r' || p[9] != '\n')
        return -1;
    r->minor = p[7] - '0';
    p += 10;
    r->n = 0;
    for (;;) {
        NEED(2);
        if (p[0] == '\r') {
            if (p[1] != '\n')
                return -1;
            return (long)(p + 2 - buf);
        }
        rs_header *h = &r->headers[r->n];
        h->name = p;
        while (p < e && rs_tchar((unsigned char)*p))
            p++;
        NEED(1);
        if (p == h->name || *p != ':' || r->n == 64)
            return -1;
        h->name_len = (size_t)(p++ - h->name);
        while (p < e && (*p == ' ' || *p == '\t'))
            p++;
        h->value = p;
        while (p < e && ((unsigned char)*p >= ' ' || *p == '\t') && *p != 0x7f)
            p++;
        NEED(2);
        if (p[0] != '\r' || p[1] != '\n')
            return -1;
        const char *ve = p;
        while (ve > h->value && (ve[-1] == ' ' || ve[-1] == '\t'))
            ve--;
        h->value_len = (size_t)(ve - h->value);
        p += 2;
        r->n++;
    }
#undef NEED
}

#endif
