/* SPDX-License-Identifier: MIT */
/* RESP replies as straight-line code: read the type byte, then the line or
 * the bulk bytes it announces; an array reads its elements in a loop, and
 * an element that is itself an array is read by a sub-parser
 * (cogen_parser_call, through yield_from). Values and strings go into an
 * arena that is emptied when the next reply starts. */
#include "event_internal.h"

#include <cogen/resp.h>

#include <stdint.h>
#include <string.h>

#define DEFAULT_MAX_BULK ((size_t)512 * 1024 * 1024)
#define DEFAULT_MAX_LINE ((size_t)64 * 1024)
#define DEFAULT_MAX_ELEMS ((size_t)1024 * 1024)
#define DEFAULT_MAX_DEPTH 32u
#define BLOCK ((size_t)16 * 1024)

/* A block of the arena; data follows. */
typedef struct block {
    struct block *next;
    size_t used, cap;
} block;

struct cogen_resp_parser {
    cogen_parser *ps;
    cogen_resp_limits lim;
    block *blocks; /* newest first; the oldest is kept between replies */
    cogen_resp_value root;
    bool have_reply;
    unsigned depth;
};

/* Frees every block but the first one ever made, which is emptied. */
static void arena_clear(cogen_resp_parser *rp)
{
    while (rp->blocks && rp->blocks->next) {
        block *b = rp->blocks;
        rp->blocks = b->next;
        free(b);
    }
    if (rp->blocks)
        rp->blocks->used = 0;
}

static void *arena_alloc(cogen_resp_parser *rp, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    block *b = rp->blocks;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > BLOCK / 4 ? n : BLOCK;
        b = cogen__malloc(sizeof(block) + 15 + cap);
        if (!b)
            cogen_parser_fail(rp->ps, COGEN_ENOMEM, cogen_parser_offset(rp->ps), "out of memory");
        b->used = 0;
        b->cap = cap;
        if (n > BLOCK / 4 && rp->blocks) { /* a big string: keep the current block current */
            b->next = rp->blocks->next;
            rp->blocks->next = b;
        } else {
            b->next = rp->blocks;
            rp->blocks = b;
        }
    }
    char *base = (char *)(((uintptr_t)(b + 1) + 15) & ~(uintptr_t)15);
    void *p = base + b->used;
    b->used += n;
    return p;
}

static int need_byte(cogen_resp_parser *rp, cogen_input *in)
{
    int c = cogen_parser_getc(rp->ps, in);
    if (c < 0)
        cogen_parser_fail(rp->ps, COGEN_ETRUNCATED, cogen_parser_offset(rp->ps),
                          "input ended inside a reply");
    return c;
}

/* Waits until the chunk has at least one byte. */
static void wait_input(cogen_resp_parser *rp, cogen_input *in)
{
    if (in->pos == in->end && !cogen_parser_more(rp->ps))
        cogen_parser_fail(rp->ps, COGEN_ETRUNCATED, cogen_parser_offset(rp->ps),
                          "input ended inside a reply");
}

static void expect_lf(cogen_resp_parser *rp, cogen_input *in)
{
    if (need_byte(rp, in) != '\n')
        cogen_parser_fail(rp->ps, COGEN_ESYNTAX, cogen_parser_offset(rp->ps) - 1,
                          "CR not followed by LF");
}

/* A signed decimal number ending in CRLF. */
static long long read_number(cogen_resp_parser *rp, cogen_input *in)
{
    unsigned long long start = cogen_parser_offset(rp->ps);
    int c = need_byte(rp, in);
    bool neg = c == '-';
    if (neg)
        c = need_byte(rp, in);
    unsigned long long n = 0;
    int digits = 0;
    for (; c >= '0' && c <= '9'; c = need_byte(rp, in), digits++) {
        if (n > (unsigned long long)(9223372036854775807LL - (c - '0')) / 10)
            cogen_parser_fail(rp->ps, COGEN_ESYNTAX, start, "number too large");
        n = n * 10 + (unsigned long long)(c - '0');
    }
    if (digits == 0 || c != '\r')
        cogen_parser_fail(rp->ps, COGEN_ESYNTAX, cogen_parser_offset(rp->ps) - 1,
                          "malformed number");
    expect_lf(rp, in);
    return neg ? -(long long)n : (long long)n;
}

/* A simple string or error: the bytes up to CRLF, copied. */
static void read_line(cogen_resp_parser *rp, cogen_input *in, cogen_resp_value *v)
{
    unsigned long long start = cogen_parser_offset(rp->ps);
    size_t cap = 64, len = 0;
    char *s = arena_alloc(rp, cap);
    for (;;) {
        wait_input(rp, in);
        size_t avail = (size_t)(in->end - in->pos);
        const char *cr = memchr(in->pos, '\r', avail);
        size_t n = cr ? (size_t)(cr - in->pos) : avail;
        if (len + n > rp->lim.max_line)
            cogen_parser_fail(rp->ps, COGEN_ELIMIT, start + rp->lim.max_line, "line too long");
        if (len + n + 1 > cap) {
            while (len + n + 1 > cap)
                cap *= 2;
            char *t = arena_alloc(rp, cap);
            memcpy(t, s, len);
            s = t;
        }
        memcpy(s + len, in->pos, n);
        len += n;
        in->pos += n;
        if (cr) {
            in->pos++;
            break;
        }
    }
    expect_lf(rp, in);
    if (memchr(s, '\n', len))
        cogen_parser_fail(rp->ps, COGEN_ESYNTAX, start + (size_t)((char *)memchr(s, '\n', len) - s),
                          "LF inside a line");
    s[len] = '\0';
    v->str = s;
    v->len = len;
}

/* The length that opens a bulk string or an array: -1 (RESP's nil: v is
 * made NIL), else checked against `max`; the parse fails on any other
 * negative length (`negative`) and on one above max (`too_long`).
 * *start is where the length began. */
static long long read_length(cogen_resp_parser *rp, cogen_input *in, cogen_resp_value *v,
                             unsigned long long max, const char *negative, const char *too_long,
                             unsigned long long *start)
{
    long long n;
    *start = cogen_parser_offset(rp->ps);
    n = read_number(rp, in);
    if (n == -1) {
        v->type = COGEN_RESP_NIL;
        return -1;
    }
    if (n < 0)
        cogen_parser_fail(rp->ps, COGEN_ESYNTAX, *start, "%s", negative);
    if ((unsigned long long)n > max)
        cogen_parser_fail(rp->ps, COGEN_ELIMIT, *start, "%s", too_long);
    return n;
}

static void read_bulk(cogen_resp_parser *rp, cogen_input *in, cogen_resp_value *v)
{
    unsigned long long start;
    long long n = read_length(rp, in, v, rp->lim.max_bulk, "negative bulk length",
                              "bulk string too long", &start);
    if (n < 0)
        return;
    size_t len = (size_t)n, got = 0;
    char *s = arena_alloc(rp, len + 1);
    while (got < len) {
        wait_input(rp, in);
        size_t k = (size_t)(in->end - in->pos);
        if (k > len - got)
            k = len - got;
        memcpy(s + got, in->pos, k);
        in->pos += k;
        got += k;
    }
    s[len] = '\0';
    if (need_byte(rp, in) != '\r')
        cogen_parser_fail(rp->ps, COGEN_ESYNTAX, cogen_parser_offset(rp->ps) - 1,
                          "bulk string longer than announced");
    expect_lf(rp, in);
    v->str = s;
    v->len = len;
}

static void *read_value(cogen_parser *ps, cogen_input *in, void *arg);

typedef struct slot {
    cogen_resp_parser *rp;
    cogen_resp_value *v;
} slot;

static void read_array(cogen_resp_parser *rp, cogen_input *in, cogen_resp_value *v)
{
    unsigned long long start;
    long long n = read_length(rp, in, v, rp->lim.max_elems, "negative array length",
                              "array too long", &start);
    if (n < 0)
        return;
    if (++rp->depth > rp->lim.max_depth)
        cogen_parser_fail(rp->ps, COGEN_ELIMIT, start - 1, "arrays nested too deep");
    v->n = (size_t)n;
    v->elems = arena_alloc(rp, v->n * sizeof *v->elems + 1);
    for (size_t i = 0; i < v->n; i++) {
        slot s = {rp, &v->elems[i]};
        wait_input(rp, in);
        if (*in->pos == '*')
            cogen_parser_call(rp->ps, read_value, &s); /* a nested array: a sub-parser */
        else
            read_value(rp->ps, in, &s);
    }
    rp->depth--;
}

/* One value, whatever its type. */
static void *read_value(cogen_parser *ps, cogen_input *in, void *arg)
{
    slot *s = arg;
    cogen_resp_parser *rp = s->rp;
    cogen_resp_value *v = s->v;
    memset(v, 0, sizeof *v);
    int type = need_byte(rp, in);
    v->type = type;
    switch (type) {
    case COGEN_RESP_SIMPLE:
    case COGEN_RESP_ERROR: read_line(rp, in, v); break;
    case COGEN_RESP_INTEGER: v->integer = read_number(rp, in); break;
    case COGEN_RESP_BULK: read_bulk(rp, in, v); break;
    case COGEN_RESP_ARRAY: read_array(rp, in, v); break;
    default:
        cogen_parser_fail(ps, COGEN_ESYNTAX, cogen_parser_offset(ps) - 1,
                          "unknown type byte 0x%02x", (unsigned)type);
    }
    return v;
}

/* The body: one reply. */
static void *read_reply(cogen_parser *ps, cogen_input *in, void *arg)
{
    cogen_resp_parser *rp = arg;
    rp->have_reply = false;
    rp->depth = 0;
    arena_clear(rp);
    if (in->pos == in->end && !cogen_parser_more(ps))
        return NULL; /* the input ended between replies */
    slot s = {rp, &rp->root};
    read_value(ps, in, &s);
    rp->have_reply = true;
    return &rp->root;
}

cogen_resp_parser *cogen_resp_parser_new(const cogen_resp_limits *limits)
{
    cogen_resp_parser *rp = cogen__calloc(1, sizeof *rp);
    if (!rp)
        return NULL;
    rp->lim = (cogen_resp_limits){DEFAULT_MAX_BULK, DEFAULT_MAX_LINE, DEFAULT_MAX_ELEMS,
                                  DEFAULT_MAX_DEPTH};
    if (limits) {
        if (limits->max_bulk)
            rp->lim.max_bulk = limits->max_bulk;
        if (limits->max_line)
            rp->lim.max_line = limits->max_line;
        if (limits->max_elems)
            rp->lim.max_elems = limits->max_elems;
        if (limits->max_depth)
            rp->lim.max_depth = limits->max_depth;
    }
    cogen_parser_opts o = {"resp", 0, 0};
    rp->ps = cogen_parser_new(read_reply, rp, &o);
    if (!rp->ps) {
        free(rp);
        errno = ENOMEM;
        return NULL;
    }
    return rp;
}

void cogen_resp_parser_free(cogen_resp_parser *rp)
{
    if (!rp)
        return;
    cogen_parser_free(rp->ps);
    arena_clear(rp);
    free(rp->blocks);
    free(rp);
}

static int track(cogen_resp_parser *rp, int r)
{
    if (r != COGEN_PARSE_DONE)
        rp->have_reply = false;
    return r;
}

int cogen_resp_feed(cogen_resp_parser *rp, const void *buf, size_t len, size_t *used)
{
    if (!rp) {
        errno = EINVAL;
        return COGEN_ERROR;
    }
    return track(rp, cogen_parser_feed(rp->ps, buf, len, used, NULL));
}

int cogen_resp_finish(cogen_resp_parser *rp)
{
    if (!rp) {
        errno = EINVAL;
        return COGEN_ERROR;
    }
    return track(rp, cogen_parser_finish(rp->ps, NULL));
}

int cogen_resp_read(cogen_resp_parser *rp, int fd)
{
    if (!rp) {
        errno = EINVAL;
        return COGEN_ERROR;
    }
    return track(rp, cogen_parser_read(rp->ps, fd, NULL));
}

const cogen_resp_value *cogen_resp_reply(const cogen_resp_parser *rp)
{
    return rp && rp->have_reply ? &rp->root : NULL;
}

const cogen_err *cogen_resp_error(const cogen_resp_parser *rp)
{
    return rp ? cogen_parser_error(rp->ps) : NULL;
}

unsigned long long cogen_resp_error_offset(const cogen_resp_parser *rp)
{
    return rp ? cogen_parser_error_offset(rp->ps) : 0;
}

int cogen_resp_reset(cogen_resp_parser *rp)
{
    if (!rp) {
        errno = EINVAL;
        return COGEN_ERROR;
    }
    rp->have_reply = false;
    return cogen_parser_reset(rp->ps);
}
