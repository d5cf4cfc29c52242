/* SPDX-License-Identifier: MIT */
/* Line sources: the line reader, fed into push stages (cogen_pipe_feed_fd,
 * cogen_pipe_feed_mem) or yielded from a pull stage (cogen_pipe_lines). */
#include "pipe_internal.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------- line reader */

/* Receives complete lines; returns true to stop reading. */
typedef bool (*emit_fn)(void *ctx, cogen_str *lines, size_t n);

typedef struct reader {
    int fd;
    const char *data; /* buf, or the caller's memory */
    char *buf;        /* owned read buffer (NULL for memory input) */
    size_t cap, start, end, scan;
    cogen_source_opts o;
    unsigned long long count;
    cogen_str *lines; /* split lines handed to emit */
    size_t maxn;
} reader;

enum { R_END = 0, R_STOPPED = 1, R_IOERR = -1, R_NOMEM = -2 };

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static bool follow_stop(const reader *r)
{
    return r->o.stop && *r->o.stop;
}

/* Takes what remains after the last newline as line lines[k]. */
static void take_tail(reader *r, size_t k)
{
    size_t len = r->end - r->start;
    if (r->data[r->end - 1] == '\r')
        len--;
    r->lines[k] = (cogen_str){r->data + r->start, len};
    r->start = r->scan = r->end;
    r->count++;
}

/* Emits what remains after the last newline as the last line. */
static int emit_tail(reader *r, emit_fn emit, void *ctx)
{
    if (r->start >= r->end)
        return R_END;
    take_tail(r, 0);
    return emit(ctx, r->lines, 1) ? R_STOPPED : R_END;
}

/* Reads all lines and emits them in groups of at most r->maxn. Everything
 * split from the buffer is emitted before the buffer is moved or refilled,
 * so emitted lines stay valid during their emit. */
static int read_lines(reader *r, emit_fn emit, void *ctx)
{
    long long last_data = r->o.idle_ms > 0 ? now_ms() : 0;
    int poll = r->o.poll_ms > 0 ? r->o.poll_ms : DEFAULT_POLL_MS;
    for (;;) {
        size_t k = 0;
        while (r->scan < r->end) {
            const char *nl = memchr(r->data + r->scan, '\n', r->end - r->scan);
            if (!nl) {
                r->scan = r->end;
                break;
            }
            size_t at = (size_t)(nl - r->data);
            size_t len = at - r->start;
            if (len && r->data[at - 1] == '\r')
                len--;
            r->lines[k++] = (cogen_str){r->data + r->start, len};
            r->start = r->scan = at + 1;
            r->count++;
            bool last = r->o.max_lines && r->count == r->o.max_lines;
            if (k == r->maxn || last) {
                if (emit(ctx, r->lines, k))
                    return R_STOPPED;
                k = 0;
                if (last)
                    return R_END;
            }
        }
        if (!r->buf) {
            /* Memory input: the unterminated last line joins the group. */
            if (r->start < r->end && k < r->maxn)
                take_tail(r, k++);
            if (k && emit(ctx, r->lines, k))
                return R_STOPPED;
            return emit_tail(r, emit, ctx);
        }
        if (k && emit(ctx, r->lines, k))
            return R_STOPPED;
        /* Everything before start has been emitted: keep the partial line. */
        if (r->start > 0) {
            memmove(r->buf, r->buf + r->start, r->end - r->start);
            r->end -= r->start;
            r->scan -= r->start;
            r->start = 0;
        }
        if (r->end == r->cap) {
            size_t ncap = r->cap ? r->cap * 2 : DEFAULT_BUF;
            char *nb = cogen__realloc(r->buf, ncap);
            if (!nb)
                return R_NOMEM;
            r->buf = nb;
            r->data = nb;
            r->cap = ncap;
        }
        ssize_t got = cogen__inject(EIO) ? -1 : read(r->fd, r->buf + r->end, r->cap - r->end);
        if (got > 0) {
            r->end += (size_t)got;
            if (r->o.idle_ms > 0)
                last_data = now_ms();
            continue;
        }
        if (got < 0) {
            if (errno == EINTR && !follow_stop(r))
                continue;
            if (errno != EINTR)
                return R_IOERR;
        }
        /* End of file (or interrupted by a stop). */
        if (!(r->o.flags & COGEN_SRC_FOLLOW) || follow_stop(r) ||
            (r->o.idle_ms > 0 && now_ms() - last_data >= r->o.idle_ms))
            return emit_tail(r, emit, ctx);
        sleep_ms(poll);
    }
}

static int reader_init(reader *r, int fd, const cogen_source_opts *o, size_t maxn)
{
    memset(r, 0, sizeof *r);
    if (o)
        r->o = *o;
    r->fd = fd;
    r->cap = r->o.bufsize ? r->o.bufsize : DEFAULT_BUF;
    r->maxn = maxn;
    r->lines = cogen__malloc(maxn * sizeof *r->lines);
    if (fd >= 0) {
        r->buf = cogen__malloc(r->cap);
        r->data = r->buf;
    }
    if (!r->lines || (fd >= 0 && !r->buf)) {
        free(r->lines);
        free(r->buf);
        r->lines = NULL;
        r->buf = NULL;
        return -1;
    }
    return 0;
}

static void reader_fini(reader *r)
{
    free(r->lines);
    free(r->buf);
    r->lines = NULL;
    r->buf = NULL;
}

/* ----------------------------------------------------------- push source */

typedef struct feed {
    cogen_pipe *p;
    cogen *target;
    const char *name;
    void **ptrs; /* batch mode */
    size_t batch;
    long long sent;
    bool failed;
} feed;

static bool feed_send(feed *f, void *item)
{
    int rc = cogen_send(f->target, item, NULL);
    if (rc == COGEN_YIELDED)
        return false;
    f->failed = true;
    if (rc == COGEN_ERROR)
        cogen__pipe_record_err(f->p, cogen_last_error(f->target));
    else
        cogen__pipe_record(f->p, COGEN_EPIPE, f->name, "target has already ended");
    return true;
}

static bool feed_emit(void *ctx, cogen_str *lines, size_t n)
{
    feed *f = ctx;
    if (f->batch) {
        for (size_t i = 0; i < n; i++)
            f->ptrs[i] = &lines[i];
        cogen_batch b = {f->ptrs, n};
        if (feed_send(f, &b))
            return true;
        f->sent += (long long)n;
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (feed_send(f, &lines[i]))
            return true;
        f->sent++;
    }
    return false;
}

static long long feed_run(cogen_pipe *p, int fd, const char *mem, size_t len, cogen *target,
                          const cogen_source_opts *opts)
{
    const char *name = opts && opts->name ? opts->name : "source";
    if (!p || !target) {
        errno = EINVAL;
        cogen__pipe_record(p, COGEN_EINVAL, name, "invalid argument");
        return COGEN_ERROR;
    }
    feed f = {p, target, name, NULL, opts ? opts->batch : 0, 0, false};
    reader r;
    if (reader_init(&r, fd, opts, f.batch ? f.batch : LINES_CHUNK) != 0) {
        cogen__pipe_record(p, COGEN_ENOMEM, name, "out of memory");
        errno = ENOMEM;
        return COGEN_ERROR;
    }
    if (f.batch && !(f.ptrs = cogen__malloc(f.batch * sizeof *f.ptrs))) {
        reader_fini(&r);
        cogen__pipe_record(p, COGEN_ENOMEM, name, "out of memory");
        errno = ENOMEM;
        return COGEN_ERROR;
    }
    if (fd < 0) {
        r.data = mem;
        r.end = r.cap = len;
    }
    int rc = read_lines(&r, feed_emit, &f);
    int err = errno;
    reader_fini(&r);
    free(f.ptrs);
    if (f.failed)
        return COGEN_ERROR; /* the failing stage has stopped the pipeline */
    if (rc == R_IOERR || rc == R_NOMEM) {
        char msg[COGEN__MSG_CAP];
        if (rc == R_IOERR)
            (void)snprintf(msg, sizeof msg, "read failed: %s", strerror(err));
        else
            (void)snprintf(msg, sizeof msg, "out of memory for a line");
        cogen__pipe_record(p, rc == R_IOERR ? COGEN_EIO : COGEN_ENOMEM, name, msg);
        (void)cogen__pipe_close_one(p, target); /* stop the pipeline */
        return COGEN_ERROR;
    }
    if (!(opts && (opts->flags & COGEN_SRC_KEEP_OPEN)) && cogen__pipe_close_one(p, target))
        return COGEN_ERROR;
    return f.sent;
}

long long cogen_pipe_feed_fd(cogen_pipe *p, int fd, cogen *target, const cogen_source_opts *opts)
{
    if (fd < 0) {
        errno = EINVAL;
        cogen__pipe_record(p, COGEN_EINVAL, opts && opts->name ? opts->name : "source", "bad fd");
        return COGEN_ERROR;
    }
    return feed_run(p, fd, NULL, 0, target, opts);
}

long long cogen_pipe_feed_mem(cogen_pipe *p, const char *buf, size_t len, cogen *target,
                              const cogen_source_opts *opts)
{
    cogen_source_opts o = {0};
    if (opts)
        o = *opts;
    o.flags &= ~COGEN_SRC_FOLLOW;
    o.idle_ms = 0;
    return feed_run(p, -1, buf ? buf : "", buf ? len : 0, target, &o);
}

/* ------------------------------------------------------- pull source */

static void reader_cleanup(void *arg)
{
    reader_fini(arg);
    free(arg);
}

static bool lines_emit(void *ctx, cogen_str *lines, size_t n)
{
    stage *s = ctx;
    for (size_t i = 0; i < n; i++) {
        int r = cogen_yield(s->self, &lines[i], NULL);
        if (r == COGEN_EXIT)
            return true;
        if (r != COGEN_SENT)
            cogen_reraise(s->self);
    }
    return false;
}

void *cogen__pipe_lines_body(cogen *self, void *arg)
{
    stage *s = arg;
    s->self = self;
    if (cogen_defer(self, cogen__pipe_stage_end, s) != 0)
        cogen_reraise(self);
    /* On the heap: cleanups run after this frame is gone. */
    reader *r = cogen__malloc(sizeof *r);
    if (!r || reader_init(r, s->fd, &s->opts, LINES_CHUNK) != 0) {
        free(r);
        cogen_raise(self, COGEN_ENOMEM, "out of memory for the read buffer");
    }
    if (cogen_defer(self, reader_cleanup, r) != 0) {
        reader_cleanup(r);
        cogen_reraise(self);
    }
    int rc = read_lines(r, lines_emit, s);
    if (rc == R_IOERR)
        cogen_raise(self, COGEN_EIO, "read failed: %s", strerror(errno));
    if (rc == R_NOMEM)
        cogen_raise(self, COGEN_ENOMEM, "out of memory for a line");
    s->ended_ok = true;
    return NULL;
}

cogen *cogen_pipe_lines(cogen_pipe *p, const char *name, int fd, const cogen_source_opts *opts)
{
    if (fd < 0) {
        errno = EINVAL;
        return NULL;
    }
    stage *s = cogen__pipe_stage_alloc(p, K_LINES);
    if (!s)
        return NULL;
    s->fd = fd;
    if (opts)
        s->opts = *opts;
    if (!name && opts)
        name = opts->name;
    s->opts.name = NULL; /* the stage's own name is used */
    return cogen__pipe_stage_start(s, name, "lines");
}
