/* SPDX-License-Identifier: MIT */
/* expat's callbacks as events. One parse loop (run_fd, run_mem) serves
 * both styles; only `emit` differs: the push sources send each event into
 * a target from the caller's stack, the reader's generator yields it from
 * inside the callback, so expat itself runs on the generator's stack and
 * is suspended mid-parse between events. */
#include "event_internal.h"

#include <cogen/pipe.h>
#include <cogen/xml.h>

#include <expat.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_XML_BUF ((size_t)64 * 1024)

typedef struct xml_run xml_run;
/* Delivers one event, or a batch of them; false stops the parse. */
typedef bool (*emit_fn)(xml_run *x, const void *item);

struct xml_run {
    XML_Parser xp;
    emit_fn emit;
    void *ctx;
    char *text; /* character data gathered since the last tag */
    size_t tlen, tcap;
    bool stopped; /* emit said stop, or out of memory: no more events */
    bool nomem;
    long long count;
    cogen_xml_error *err;
    const char *name;
    /* batching (batch > 0): events copied into bev, their strings into
     * bdata, emitted as one cogen_xml_batch */
    size_t batch, bn, bused, bcap;
    cogen_xml_event *bev;
    char *bdata;
    cogen_xml_batch out;
    cogen_pipe *pipe; /* push: where stage errors are recorded, or NULL */
};

static void *xml_malloc(size_t n)
{
    return cogen__malloc(n);
}

static void *xml_realloc(void *p, size_t n)
{
    return cogen__realloc(p, n);
}

static const XML_Memory_Handling_Suite xml_memory = {xml_malloc, xml_realloc, free};

static void set_err(cogen_xml_error *e, int code, const char *where, const char *fmt, ...)
    COGEN_PRINTF(4, 5);

static void set_err(cogen_xml_error *e, int code, const char *where, const char *fmt, ...)
{
    if (!e || e->code)
        return; /* keep the first */
    cogen__errbuf b;
    va_list ap;
    va_start(ap, fmt);
    cogen__errbuf_setv(&b, code, where, fmt, ap);
    va_end(ap);
    e->code = code;
    cogen__copy_str(e->where, sizeof e->where, b.err.where);
    cogen__copy_str(e->msg, sizeof e->msg, b.err.msg);
}

static void stop(xml_run *x)
{
    if (!x->stopped) {
        x->stopped = true;
        XML_StopParser(x->xp, XML_FALSE);
    }
}

static void out_of_memory(xml_run *x)
{
    x->nomem = true;
    stop(x);
}

/* Emits the events gathered so far as one batch. */
static void send_batch(xml_run *x)
{
    if (x->bn == 0 || x->stopped)
        return;
    x->out = (cogen_xml_batch){x->bev, x->bn};
    x->bn = 0;
    x->bused = 0;
    if (!x->emit(x, &x->out))
        stop(x);
}

/* Room for n bytes of strings, 8-byte aligned, in the batch. NULL when out
 * of memory or stopped by the target while making room. */
static char *batch_room(xml_run *x, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    if (x->bused + n > x->bcap || x->bn == x->batch)
        send_batch(x);
    if (x->stopped)
        return NULL;
    if (n > x->bcap) { /* the batch is empty here: nothing points into bdata */
        char *d = cogen__realloc(x->bdata, n * 2);
        if (!d) {
            out_of_memory(x);
            return NULL;
        }
        x->bdata = d;
        x->bcap = n * 2;
    }
    char *p = x->bdata + x->bused;
    x->bused += n;
    return p;
}

static char *copy_str(char **at, const char *s, size_t n)
{
    char *d = *at;
    memcpy(d, s, n);
    d[n] = '\0';
    *at += n + 1;
    return d;
}

/* Copies ev, its name, attributes and text, into the batch. */
static void add_to_batch(xml_run *x, const cogen_xml_event *ev)
{
    size_t name_len = ev->name ? strlen(ev->name) : 0, nattr = 0, need = name_len + 1 + ev->len + 1;
    for (const char **a = ev->attrs; a && *a; a++, nattr++)
        need += strlen(*a) + 1;
    size_t ptrs = ev->attrs ? (nattr + 1) * sizeof(char *) : 0;
    char *room = batch_room(x, ptrs + need);
    if (!room)
        return;
    cogen_xml_event *e = &x->bev[x->bn++];
    *e = *ev;
    char *at = room + ptrs;
    if (ev->attrs) {
        const char **attrs = (const char **)(void *)room;
        for (size_t i = 0; i < nattr; i++)
            attrs[i] = copy_str(&at, ev->attrs[i], strlen(ev->attrs[i]));
        attrs[nattr] = NULL;
        e->attrs = attrs;
    }
    e->name = ev->name ? copy_str(&at, ev->name, name_len) : NULL;
    e->text = ev->text ? copy_str(&at, ev->text, ev->len) : NULL;
}

static void deliver(xml_run *x, const cogen_xml_event *ev)
{
    if (x->stopped)
        return; /* expat may call back once more after a stop */
    x->count++;
    if (x->batch)
        add_to_batch(x, ev);
    else if (!x->emit(x, ev))
        stop(x);
}

static void flush_text(xml_run *x)
{
    if (x->tlen == 0)
        return;
    x->text[x->tlen] = '\0';
    cogen_xml_event ev = {COGEN_XML_TEXT, NULL, NULL, x->text, x->tlen};
    x->tlen = 0;
    deliver(x, &ev);
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
    xml_run *x = ud;
    flush_text(x);
    cogen_xml_event ev = {COGEN_XML_START, name, attrs, NULL, 0};
    deliver(x, &ev);
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    xml_run *x = ud;
    flush_text(x);
    cogen_xml_event ev = {COGEN_XML_END, name, NULL, NULL, 0};
    deliver(x, &ev);
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    xml_run *x = ud;
    if (x->stopped || len <= 0)
        return;
    size_t n = (size_t)len;
    if (x->tlen + n + 1 > x->tcap) {
        size_t cap = x->tcap ? x->tcap : 256;
        while (cap < x->tlen + n + 1)
            cap *= 2;
        char *t = cogen__realloc(x->text, cap);
        if (!t) {
            out_of_memory(x);
            return;
        }
        x->text = t;
        x->tcap = cap;
    }
    memcpy(x->text + x->tlen, s, n);
    x->tlen += n;
}

static XML_Parser make_parser(void)
{
    XML_Parser xp = XML_ParserCreate_MM(NULL, &xml_memory, NULL);
    return xp;
}

/* Sets x up; 0, or -1 when out of memory for the batch. */
static int run_init(xml_run *x, XML_Parser xp, emit_fn emit, void *ctx, cogen_xml_error *err,
                    const char *name, size_t batch)
{
    memset(x, 0, sizeof *x);
    if (batch) {
        x->batch = batch;
        x->bcap = (size_t)64 * 1024;
        x->bev = cogen__malloc(batch * sizeof *x->bev);
        x->bdata = x->bev ? cogen__malloc(x->bcap) : NULL;
        if (!x->bdata) {
            free(x->bev);
            x->bev = NULL;
            return -1;
        }
    }
    x->xp = xp;
    x->emit = emit;
    x->ctx = ctx;
    x->err = err;
    x->name = name;
    XML_SetUserData(xp, x);
    XML_SetElementHandler(xp, on_start, on_end);
    XML_SetCharacterDataHandler(xp, on_text);
    return 0;
}

static void run_free(xml_run *x)
{
    free(x->text);
    free(x->bev);
    free(x->bdata);
}

/* Records expat's error, or the reason the parse was stopped. */
static void parse_failed(xml_run *x, bool final)
{
    if (x->nomem) {
        set_err(x->err, COGEN_ENOMEM, x->name, "out of memory");
        return;
    }
    if (x->stopped)
        return; /* emit has recorded why */
    enum XML_Error e = XML_GetErrorCode(x->xp);
    if (e == XML_ERROR_NO_MEMORY) {
        set_err(x->err, COGEN_ENOMEM, x->name, "out of memory");
        return;
    }
    bool early = final && (e == XML_ERROR_NO_ELEMENTS || e == XML_ERROR_UNCLOSED_TOKEN ||
                           e == XML_ERROR_PARTIAL_CHAR || e == XML_ERROR_UNCLOSED_CDATA_SECTION);
    unsigned long line = (unsigned long)XML_GetCurrentLineNumber(x->xp);
    unsigned long col = (unsigned long)XML_GetCurrentColumnNumber(x->xp) + 1;
    set_err(x->err, early ? COGEN_ETRUNCATED : COGEN_ESYNTAX, x->name, "line %lu, column %lu: %s",
            line, col, XML_ErrorString(e));
    if (x->err) {
        x->err->line = line;
        x->err->column = col;
    }
    send_batch(x); /* what came before the error is delivered */
}

/* Parses a whole document from memory. Returns 0 or -1 (x->err says). */
static int run_mem(xml_run *x, const char *buf, size_t len)
{
    /* expat takes an int length: feed big documents in slices */
    const size_t slice = (size_t)1 << 30;
    do {
        size_t n = len < slice ? len : slice;
        bool final = n == len;
        if (XML_Parse(x->xp, buf, (int)n, final) != XML_STATUS_OK) {
            parse_failed(x, final);
            return -1;
        }
        buf += n;
        len -= n;
    } while (len);
    if (x->stopped) { /* stopped by the last callback */
        parse_failed(x, true);
        return -1;
    }
    flush_text(x);
    send_batch(x);
    return x->stopped ? -1 : 0;
}

/* Parses a document read from fd, bufsize bytes at a time. */
static int run_fd(xml_run *x, int fd, size_t bufsize)
{
    for (;;) {
        void *b = XML_GetBuffer(x->xp, (int)bufsize);
        if (!b) {
            set_err(x->err, COGEN_ENOMEM, x->name, "out of memory");
            return -1;
        }
        ssize_t n;
        do {
            if (cogen__inject(EIO))
                n = -1;
            else
                n = read(fd, b, bufsize);
        } while (n < 0 && errno == EINTR);
        if (n < 0) {
            set_err(x->err, COGEN_EIO, x->name, "read: %s", strerror(errno));
            return -1;
        }
        if (XML_ParseBuffer(x->xp, (int)n, n == 0) != XML_STATUS_OK) {
            parse_failed(x, n == 0);
            return -1;
        }
        if (x->stopped) {
            parse_failed(x, n == 0);
            return -1;
        }
        if (n == 0)
            break;
    }
    flush_text(x);
    send_batch(x);
    return x->stopped ? -1 : 0;
}

static size_t bufsize_of(const cogen_xml_opts *o)
{
    size_t n = o && o->bufsize ? o->bufsize : DEFAULT_XML_BUF;
    return n > (size_t)1 << 30 ? (size_t)1 << 30 : n;
}

static const char *name_of(const cogen_xml_opts *o)
{
    return o && o->name ? o->name : "xml";
}

/* ------------------------------------------------------------------- push */

static bool send_event(xml_run *x, const void *item)
{
    cogen *target = x->ctx;
    int r = cogen_send(target, (void *)(uintptr_t)item, NULL);
    if (r == COGEN_YIELDED)
        return true;
    const cogen_err *pe = x->pipe ? cogen_pipe_error(x->pipe) : NULL;
    if (pe && pe->code) {
        set_err(x->err, pe->code, pe->where, "%s", pe->msg);
    } else if (r == COGEN_RETURNED) {
        set_err(x->err, COGEN_EPIPE, cogen_name(target), "target has already ended");
    } else {
        const cogen_err *e = cogen_last_error(target);
        set_err(x->err, e->code, e->where, "%s", e->msg);
    }
    return false;
}

static long long push(const char *buf, size_t len, int fd, cogen *target,
                      const cogen_xml_opts *opts, cogen_xml_error *err)
{
    cogen_xml_error local;
    if (!err)
        err = &local;
    memset(err, 0, sizeof *err);
    const char *name = name_of(opts);
    if (!target || (fd < 0 && !buf && len)) {
        set_err(err, COGEN_EINVAL, name, "invalid argument");
        return COGEN_ERROR;
    }
    XML_Parser xp = make_parser();
    if (!xp) {
        set_err(err, COGEN_ENOMEM, name, "out of memory");
        return COGEN_ERROR;
    }
    xml_run x;
    if (run_init(&x, xp, send_event, target, err, name, opts ? opts->batch : 0) < 0) {
        XML_ParserFree(xp);
        set_err(err, COGEN_ENOMEM, name, "out of memory");
        return COGEN_ERROR;
    }
    x.pipe = opts ? opts->pipe : NULL;
    int r = fd >= 0 ? run_fd(&x, fd, bufsize_of(opts)) : run_mem(&x, buf ? buf : "", len);
    XML_ParserFree(xp);
    run_free(&x);
    if (!(opts && (opts->flags & COGEN_XML_KEEP_OPEN)) && cogen_close(target) < 0) {
        const cogen_err *e = cogen_last_error(target);
        set_err(err, e->code, e->where, "%s", e->msg);
        r = -1;
    }
    return r < 0 ? COGEN_ERROR : x.count;
}

long long cogen_xml_feed_fd(int fd, cogen *target, const cogen_xml_opts *opts, cogen_xml_error *err)
{
    if (fd < 0) {
        if (err) {
            memset(err, 0, sizeof *err);
            set_err(err, COGEN_EINVAL, name_of(opts), "bad file descriptor %d", fd);
        }
        return COGEN_ERROR;
    }
    return push(NULL, 0, fd, target, opts, err);
}

long long cogen_xml_feed_mem(const void *buf, size_t len, cogen *target, const cogen_xml_opts *opts,
                             cogen_xml_error *err)
{
    return push(buf, len, -1, target, opts, err);
}

/* ------------------------------------------------------------------- pull */

struct cogen_xml_reader {
    cogen *gen;
    xml_run x;
    int fd;
    const char *buf;
    size_t len, bufsize;
    bool ended;
    const cogen_xml_batch *cur; /* batching: the batch being handed out */
    size_t next;
    cogen_xml_error err;
    char name[COGEN__NAME_CAP];
};

static bool yield_event(xml_run *x, const void *item)
{
    (void)x;
    return cogen_yield(cogen_current(), (void *)(uintptr_t)item, NULL) == COGEN_SENT;
}

static void *reader_body(cogen *self, void *arg)
{
    cogen_xml_reader *r = arg;
    int rc = r->fd >= 0 ? run_fd(&r->x, r->fd, r->bufsize) : run_mem(&r->x, r->buf, r->len);
    if (rc < 0 && r->err.code)
        cogen_raise(self, r->err.code, "%s", r->err.msg);
    return NULL; /* the end, or closed while suspended in a callback */
}

static cogen_xml_reader *reader_new(int fd, const char *buf, size_t len, const cogen_xml_opts *opts)
{
    cogen_xml_reader *r = cogen__calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->fd = fd;
    r->buf = buf ? buf : "";
    r->len = len;
    r->bufsize = bufsize_of(opts);
    cogen__copy_str(r->name, sizeof r->name, name_of(opts));
    XML_Parser xp = make_parser();
    if (!xp) {
        free(r);
        errno = ENOMEM;
        return NULL;
    }
    if (run_init(&r->x, xp, yield_event, r, &r->err, r->name, opts ? opts->batch : 0) < 0) {
        XML_ParserFree(xp);
        free(r);
        errno = ENOMEM;
        return NULL;
    }
    cogen_opts go = {0, r->name, 0};
    r->gen = cogen_new(reader_body, r, &go);
    if (!r->gen) {
        cogen_xml_reader_free(r);
        errno = ENOMEM;
        return NULL;
    }
    return r;
}

cogen_xml_reader *cogen_xml_reader_fd(int fd, const cogen_xml_opts *opts)
{
    if (fd < 0) {
        errno = EINVAL;
        return NULL;
    }
    return reader_new(fd, NULL, 0, opts);
}

cogen_xml_reader *cogen_xml_reader_mem(const void *buf, size_t len, const cogen_xml_opts *opts)
{
    if (!buf && len) {
        errno = EINVAL;
        return NULL;
    }
    return reader_new(-1, buf, len, opts);
}

int cogen_xml_next(cogen_xml_reader *r, const cogen_xml_event **ev)
{
    if (ev)
        *ev = NULL;
    if (!r) {
        errno = EINVAL;
        return COGEN_ERROR;
    }
    if (r->err.code)
        return COGEN_ERROR;
    if (r->ended)
        return 0;
    if (r->cur && r->next < r->cur->n) {
        if (ev)
            *ev = &r->cur->events[r->next];
        r->next++;
        return 1;
    }
    void *out = NULL;
    int rc = cogen_next(r->gen, &out);
    if (rc == COGEN_YIELDED && r->x.batch) { /* a batch: never empty */
        r->cur = out;
        r->next = 1;
        if (ev)
            *ev = &r->cur->events[0];
        return 1;
    }
    if (rc == COGEN_YIELDED) {
        if (ev)
            *ev = out;
        return 1;
    }
    if (rc == COGEN_RETURNED) {
        r->ended = true;
        return 0;
    }
    const cogen_err *e = cogen_last_error(r->gen);
    set_err(&r->err, e->code, e->where, "%s", e->msg);
    return COGEN_ERROR;
}

cogen *cogen_xml_reader_generator(cogen_xml_reader *r)
{
    return r ? r->gen : NULL;
}

const cogen_xml_error *cogen_xml_reader_error(const cogen_xml_reader *r)
{
    return r ? &r->err : NULL;
}

void cogen_xml_reader_free(cogen_xml_reader *r)
{
    if (!r)
        return;
    cogen_free(r->gen); /* a body inside a callback returns through expat */
    XML_ParserFree(r->x.xp);
    run_free(&r->x);
    free(r);
}

bool cogen_xml_receive(cogen *self, cogen_xml_cursor *cur, const cogen_xml_event **ev)
{
    while (!cur->batch || cur->next == cur->batch->n) {
        void *item = NULL;
        if (cogen_yield(self, NULL, &item) != COGEN_SENT) {
            cur->batch = NULL;
            return false;
        }
        cur->batch = item;
        cur->next = 0;
        if (!item)
            continue;
    }
    *ev = &cur->batch->events[cur->next++];
    return true;
}
