/* SPDX-License-Identifier: MIT */
/* CSV records (RFC 4180) as straight-line code: a loop over fields, each
 * either quoted or not, reading one byte at a time with
 * cogen_parser_getc, which waits for more input where a chunk ends. */
#include "event_internal.h"

#include <cogen/csv.h>

#include <stdint.h>
#include <string.h>

#define DEFAULT_MAX_RECORD ((size_t)1024 * 1024)
#define DEFAULT_MAX_FIELDS ((size_t)65536)

struct cogen_csv_parser {
    cogen_parser *ps;
    cogen_csv_opts o;
    char *buf; /* field data, each field followed by a NUL */
    size_t len, cap;
    cogen_str *fields; /* ptr holds the field's offset in buf until the record is done */
    size_t n, fcap;
    cogen_csv_record rec;
    bool have_rec;
};

static COGEN_NORETURN void fail_here(cogen_csv_parser *cp, int code, const char *msg)
{
    unsigned long long at = cogen_parser_offset(cp->ps);
    cogen_parser_fail(cp->ps, code, at ? at - 1 : 0, "%s", msg);
}

/* Appends a byte of field data (data) or a field's terminating NUL. */
static void put(cogen_csv_parser *cp, char c, bool data)
{
    if (data && cp->len - cp->n >= cp->o.max_record) /* the NULs so far: one per field */
        fail_here(cp, COGEN_ELIMIT, "record too large");
    if (cp->len == cp->cap) {
        size_t cap = cp->cap ? cp->cap * 2 : 256;
        char *b = cogen__realloc(cp->buf, cap);
        if (!b)
            fail_here(cp, COGEN_ENOMEM, "out of memory");
        cp->buf = b;
        cp->cap = cap;
    }
    cp->buf[cp->len++] = c;
}

static void end_field(cogen_csv_parser *cp, size_t start)
{
    if (cp->n == cp->o.max_fields)
        fail_here(cp, COGEN_ELIMIT, "too many fields");
    if (cp->n == cp->fcap) {
        size_t cap = cp->fcap ? cp->fcap * 2 : 16;
        cogen_str *f = cogen__realloc(cp->fields, cap * sizeof *f);
        if (!f)
            fail_here(cp, COGEN_ENOMEM, "out of memory");
        cp->fields = f;
        cp->fcap = cap;
    }
    cp->fields[cp->n++] = (cogen_str){(const char *)(uintptr_t)start, cp->len - start};
    put(cp, '\0', false);
}

/* A quoted field, its opening quote read; returns the byte after it. */
static int quoted(cogen_csv_parser *cp, cogen_input *in)
{
    for (;;) {
        int c = cogen_parser_getc(cp->ps, in);
        if (c < 0)
            cogen_parser_fail(cp->ps, COGEN_ETRUNCATED, cogen_parser_offset(cp->ps),
                              "input ended inside a quoted field");
        if (c == '"') {
            c = cogen_parser_getc(cp->ps, in);
            if (c != '"')
                return c;
        }
        put(cp, (char)c, true);
    }
}

/* The body: one record. */
static void *record(cogen_parser *ps, cogen_input *in, void *arg)
{
    cogen_csv_parser *cp = arg;
    int sep = (unsigned char)cp->o.sep;
    cp->have_rec = false;
    cp->len = cp->n = 0;
    int c = cogen_parser_getc(ps, in);
    if (c < 0)
        return NULL; /* the input ended between records */
    for (;;) {
        size_t start = cp->len;
        if (c == '"') {
            c = quoted(cp, in);
            if (c != sep && c != '\r' && c != '\n' && c >= 0)
                fail_here(cp, COGEN_ESYNTAX, "character after a closing quote");
        } else {
            while (c != sep && c != '\r' && c != '\n' && c >= 0) {
                if (c == '"')
                    fail_here(cp, COGEN_ESYNTAX, "quote inside an unquoted field");
                put(cp, (char)c, true);
                c = cogen_parser_getc(ps, in);
            }
        }
        end_field(cp, start);
        if (c != sep)
            break;
        c = cogen_parser_getc(ps, in);
    }
    if (c == '\r' && cogen_parser_getc(ps, in) != '\n')
        fail_here(cp, COGEN_ESYNTAX, "CR not followed by LF");
    for (size_t i = 0; i < cp->n; i++)
        cp->fields[i].ptr = cp->buf + (uintptr_t)cp->fields[i].ptr;
    cp->rec = (cogen_csv_record){cp->fields, cp->n};
    cp->have_rec = true;
    return &cp->rec;
}

cogen_csv_parser *cogen_csv_parser_new(const cogen_csv_opts *opts)
{
    cogen_csv_opts o = {',', DEFAULT_MAX_RECORD, DEFAULT_MAX_FIELDS};
    if (opts) {
        if (opts->sep)
            o.sep = opts->sep;
        if (opts->max_record)
            o.max_record = opts->max_record;
        if (opts->max_fields)
            o.max_fields = opts->max_fields;
    }
    if (o.sep == '"' || o.sep == '\r' || o.sep == '\n') {
        errno = EINVAL;
        return NULL;
    }
    cogen_csv_parser *cp = cogen__calloc(1, sizeof *cp);
    if (!cp)
        return NULL;
    cp->o = o;
    cogen_parser_opts po = {"csv", 0, 0};
    cp->ps = cogen_parser_new(record, cp, &po);
    if (!cp->ps) {
        free(cp);
        errno = ENOMEM;
        return NULL;
    }
    return cp;
}

void cogen_csv_parser_free(cogen_csv_parser *cp)
{
    if (!cp)
        return;
    cogen_parser_free(cp->ps);
    free(cp->buf);
    free(cp->fields);
    free(cp);
}

static int track(cogen_csv_parser *cp, int r)
{
    if (r != COGEN_PARSE_DONE)
        cp->have_rec = false;
    return r;
}

int cogen_csv_feed(cogen_csv_parser *cp, const void *buf, size_t len, size_t *used)
{
    if (!cp) {
        errno = EINVAL;
        return COGEN_ERROR;
    }
    return track(cp, cogen_parser_feed(cp->ps, buf, len, used, NULL));
}

int cogen_csv_finish(cogen_csv_parser *cp)
{
    if (!cp) {
        errno = EINVAL;
        return COGEN_ERROR;
    }
    return track(cp, cogen_parser_finish(cp->ps, NULL));
}

int cogen_csv_read(cogen_csv_parser *cp, int fd)
{
    if (!cp) {
        errno = EINVAL;
        return COGEN_ERROR;
    }
    return track(cp, cogen_parser_read(cp->ps, fd, NULL));
}

const cogen_csv_record *cogen_csv_record_of(const cogen_csv_parser *cp)
{
    return cp && cp->have_rec ? &cp->rec : NULL;
}

const cogen_err *cogen_csv_error(const cogen_csv_parser *cp)
{
    return cp ? cogen_parser_error(cp->ps) : NULL;
}

unsigned long long cogen_csv_error_offset(const cogen_csv_parser *cp)
{
    return cp ? cogen_parser_error_offset(cp->ps) : 0;
}

int cogen_csv_reset(cogen_csv_parser *cp)
{
    if (!cp) {
        errno = EINVAL;
        return COGEN_ERROR;
    }
    cp->have_rec = false;
    return cogen_parser_reset(cp->ps);
}
