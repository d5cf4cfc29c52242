/* SPDX-License-Identifier: MIT */
/* Incremental parsers: a body that asks for bytes with a yield, fed by a
 * caller (push) or reading an fd itself (pull).
 *
 * The body runs inside `driver`, a generator that parses one message after
 * another and never ends by itself. It yields only two markers: "more"
 * (from cogen_parser_more, when the chunk is used up) and "done" (a
 * message is complete, its result is in ps->result). Sub-parsers run
 * through cogen_yield_from, so their "more" reaches the feeder directly
 * and the feeder's next resume goes straight to them. */
#include "event_internal.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_READ_BUF ((size_t)16 * 1024)

static char more_mark, done_mark, item_mark;

/* Makes [buf, buf+len) the current chunk, counting what was used of the
 * previous one into the message offset. */
static void set_chunk(cogen_parser *ps, const char *buf, size_t len)
{
    ps->base += (unsigned long long)(ps->in.pos - ps->chunk_start);
    ps->chunk_start = ps->in.pos = buf;
    ps->in.end = buf + len;
}

/* After a feed returns, the caller's chunk is gone: keep no pointer into
 * it that a later call could read. */
static void drop_chunk(cogen_parser *ps)
{
    ps->in.end = ps->in.pos;
}

static void *driver(cogen *self, void *arg)
{
    cogen_parser *ps = arg;
    for (;;) {
        ps->base = 0;
        ps->chunk_start = ps->in.pos;
        ps->result = ps->fn(ps, &ps->in, ps->arg);
        if (cogen_yield(self, &done_mark, NULL) != COGEN_SENT)
            return NULL; /* closed between messages */
    }
}

static int make_generator(cogen_parser *ps)
{
    cogen_opts o = {ps->stack_size, ps->name, 0};
    ps->gen = cogen_new(driver, ps, &o);
    return ps->gen ? 0 : -1;
}

static void set_error(cogen_parser *ps, int code, const char *fmt, ...) COGEN_PRINTF(3, 4);

static void set_error(cogen_parser *ps, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cogen__errbuf_setv(&ps->e, code, ps->name, fmt, ap);
    va_end(ap);
}

cogen_parser *cogen_parser_new(cogen_parse_fn fn, void *arg, const cogen_parser_opts *opts)
{
    if (!fn) {
        errno = EINVAL;
        return NULL;
    }
    cogen_parser *ps = cogen__calloc(1, sizeof *ps);
    if (!ps)
        return NULL;
    ps->fn = fn;
    ps->arg = arg;
    ps->fd = -1;
    ps->in.pos = ps->in.end = ps->chunk_start = ps->empty;
    cogen__copy_str(ps->name, sizeof ps->name, opts && opts->name ? opts->name : "parser");
    ps->stack_size = opts ? opts->stack_size : 0;
    ps->rcap = opts && opts->bufsize ? opts->bufsize : DEFAULT_READ_BUF;
    cogen__errbuf_clear(&ps->e);
    if (make_generator(ps) < 0) {
        free(ps);
        errno = ENOMEM;
        return NULL;
    }
    return ps;
}

void cogen_parser_free(cogen_parser *ps)
{
    if (!ps)
        return;
    cogen_free(ps->gen);
    free(ps->rbuf);
    free(ps);
}

/* A call from the body (or a sub-parser) into its own parser: refused,
 * nothing changed. */
static bool busy(cogen_parser *ps)
{
    if (COGEN_LIKELY(!ps->busy))
        return false;
    set_error(ps, COGEN_EBUSY, "the parser was called from its own body");
    return true;
}

/* Runs the body until it wants more or completes a message. Inlined into
 * each caller: a resume costs mispredicted returns on both sides of the
 * switch, one per call level, so the levels are kept few. */
static inline int resume(cogen_parser *ps, void **result)
{
    if (COGEN_UNLIKELY(ps->failed))
        return COGEN_ERROR;
    void *mark = NULL;
    ps->busy = true;
    int r = cogen_send(ps->gen, NULL, &mark);
    ps->busy = false;
    if (COGEN_LIKELY(r == COGEN_YIELDED)) {
        if (mark == &more_mark)
            return COGEN_PARSE_MORE;
        if (mark == &done_mark || mark == &item_mark) {
            if (result)
                *result = ps->result;
            return mark == &done_mark ? COGEN_PARSE_DONE : COGEN_PARSE_ITEM;
        }
    }
    ps->failed = true;
    if (r == COGEN_ERROR)
        cogen__errbuf_copy(&ps->e, cogen_last_error(ps->gen));
    else
        set_error(ps, COGEN_EINVAL, "the parser body yielded on its own or ended");
    return COGEN_ERROR;
}

int cogen_parser_feed(cogen_parser *ps, const void *buf, size_t len, size_t *used, void **result)
{
    if (used)
        *used = 0;
    if (result)
        *result = NULL;
    if (!ps) {
        errno = EINVAL;
        return COGEN_ERROR;
    }
    if (!buf && len) {
        set_error(ps, COGEN_EINVAL, "NULL chunk");
        return COGEN_ERROR;
    }
    if (busy(ps))
        return COGEN_ERROR;
    const char *b = buf ? (const char *)buf : ps->empty;
    ps->fd = -1;
    set_chunk(ps, b, len);
    int r = resume(ps, result);
    if (used)
        *used = (size_t)(ps->in.pos - b);
    drop_chunk(ps);
    return r;
}

int cogen_parser_finish(cogen_parser *ps, void **result)
{
    if (result)
        *result = NULL;
    if (!ps) {
        errno = EINVAL;
        return COGEN_ERROR;
    }
    if (busy(ps))
        return COGEN_ERROR;
    ps->fd = -1;
    ps->eof = true;
    set_chunk(ps, ps->empty, 0);
    int r = resume(ps, result);
    return r;
}

int cogen_parser_read(cogen_parser *ps, int fd, void **result)
{
    if (result)
        *result = NULL;
    if (!ps) {
        errno = EINVAL;
        return COGEN_ERROR;
    }
    if (fd < 0) {
        set_error(ps, COGEN_EINVAL, "bad file descriptor %d", fd);
        return COGEN_ERROR;
    }
    if (busy(ps))
        return COGEN_ERROR;
    if (!ps->pulled) /* a fed chunk is not ours to read again */
        set_chunk(ps, ps->empty, 0);
    ps->fd = fd;
    ps->pulled = true;
    return resume(ps, result);
}

cogen_str cogen_parser_buffered(const cogen_parser *ps)
{
    cogen_str s = {NULL, 0};
    if (ps && ps->pulled) {
        s.ptr = ps->in.pos;
        s.len = (size_t)(ps->in.end - ps->in.pos);
    }
    return s;
}

void cogen_parser_consume(cogen_parser *ps, size_t n)
{
    if (!ps || !ps->pulled)
        return;
    size_t have = (size_t)(ps->in.end - ps->in.pos);
    ps->in.pos += n < have ? n : have;
}

int cogen_parser_reset(cogen_parser *ps)
{
    if (!ps) {
        errno = EINVAL;
        return COGEN_ERROR;
    }
    if (busy(ps))
        return COGEN_ERROR;
    cogen_free(ps->gen);
    ps->gen = NULL;
    ps->in.pos = ps->in.end = ps->chunk_start = ps->empty;
    ps->base = 0;
    ps->eof = ps->pulled = false;
    ps->fd = -1;
    ps->err_offset = 0;
    cogen__errbuf_clear(&ps->e);
    ps->failed = false;
    if (make_generator(ps) < 0) {
        ps->failed = true;
        set_error(ps, COGEN_ENOMEM, "out of memory");
        return COGEN_ERROR;
    }
    return 0;
}

const cogen_err *cogen_parser_error(const cogen_parser *ps)
{
    return ps ? &ps->e.err : NULL;
}

unsigned long long cogen_parser_error_offset(const cogen_parser *ps)
{
    return ps ? ps->err_offset : 0;
}

unsigned long long cogen_parser_offset(const cogen_parser *ps)
{
    if (!ps)
        return 0;
    return ps->base + (unsigned long long)(ps->in.pos - ps->chunk_start);
}

/* Leaves the body when its parser is being closed (freed or reset) while
 * it waits for input. */
static COGEN_NORETURN void leave(cogen *self)
{
    cogen_reraise(self);
}

/* Pull: reads the next chunk into the parser's buffer. Returns false when
 * the fd has nothing now (non-blocking). */
static bool fill_from_fd(cogen_parser *ps)
{
    if (!ps->rbuf) {
        ps->rbuf = cogen__malloc(ps->rcap);
        if (!ps->rbuf)
            cogen_parser_fail(ps, COGEN_ENOMEM, cogen_parser_offset(ps), "out of memory");
    }
    ssize_t n;
    do {
        if (cogen__inject(EIO))
            n = -1;
        else
            n = read(ps->fd, ps->rbuf, ps->rcap);
    } while (n < 0 && errno == EINTR);
    if (n > 0) {
        set_chunk(ps, ps->rbuf, (size_t)n);
        return true;
    }
    if (n == 0) {
        ps->eof = true;
        return true;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK)
        return false;
    cogen_parser_fail(ps, COGEN_EIO, cogen_parser_offset(ps), "read: %s", strerror(errno));
}

bool cogen_parser_more(cogen_parser *ps)
{
    if (!ps)
        return false;
    cogen *self = cogen_current();
    for (;;) {
        if (ps->in.pos < ps->in.end)
            return true;
        if (ps->eof)
            return false;
        if (ps->fd >= 0 && fill_from_fd(ps))
            continue;
        if (cogen_yield(self, &more_mark, NULL) != COGEN_SENT)
            leave(self);
    }
}

void cogen_parser_emit(cogen_parser *ps, void *item)
{
    if (!ps)
        return;
    cogen *self = cogen_current();
    ps->result = item;
    if (cogen_yield(self, &item_mark, NULL) != COGEN_SENT)
        leave(self);
}

void cogen_parser_fail(cogen_parser *ps, int code, unsigned long long offset, const char *fmt, ...)
{
    cogen__errbuf b;
    va_list ap;
    va_start(ap, fmt);
    cogen__errbuf_setv(&b, code, ps->name, fmt, ap);
    va_end(ap);
    ps->err_offset = offset;
    cogen_raise(cogen_current(), code, "%s", b.err.msg);
}

typedef struct sub_call {
    cogen_parser *ps;
    cogen_parse_fn fn;
    void *arg;
} sub_call;

static void *sub_body(cogen *self, void *arg)
{
    (void)self;
    sub_call *c = arg;
    return c->fn(c->ps, &c->ps->in, c->arg);
}

void *cogen_parser_call(cogen_parser *ps, cogen_parse_fn fn, void *arg)
{
    cogen *self = cogen_current();
    sub_call c = {ps, fn, arg};
    cogen_opts o = {ps->stack_size, ps->name, 0};
    cogen *sub = cogen_new(sub_body, &c, &o);
    if (!sub)
        cogen_parser_fail(ps, COGEN_ENOMEM, cogen_parser_offset(ps), "out of memory");
    void *result = NULL;
    int r = cogen_yield_from(self, sub, &result);
    cogen_free(sub);
    if (r == COGEN_RETURNED)
        return result;
    if (r == COGEN_EXIT)
        cogen_raise(self, COGEN_EEXIT, "closed");
    cogen_reraise(self);
}
