/* SPDX-License-Identifier: MIT */
/*
 * The framing between a process stage and its child (format in
 * include/cogen/stage.h), full reads and writes with timeouts, and the
 * child's side: cogen_stage_feed_frames.
 */
#include "stage_internal.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const unsigned char MAGIC[4] = {'C', 'G', 'S', 'T'};

static void put_u32(unsigned char *p, unsigned long v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static unsigned long get_u32(const unsigned char *p)
{
    unsigned long v = 0;
    for (int i = 0; i < 4; i++)
        v |= (unsigned long)p[i] << (8 * i);
    return v;
}

static void put_u64(unsigned char *p, unsigned long long v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static unsigned long long get_u64(const unsigned char *p)
{
    unsigned long long v = 0;
    for (int i = 0; i < 8; i++)
        v |= (unsigned long long)p[i] << (8 * i);
    return v;
}

void cogen__frame_header(unsigned char out[FRAME_HEADER])
{
    memcpy(out, MAGIC, 4);
    out[4] = COGEN_FRAME_VERSION;
    out[5] = out[6] = out[7] = 0;
}

void cogen__frame_prefix(unsigned char out[FRAME_PREFIX], size_t len, int type)
{
    put_u32(out, (unsigned long)len);
    out[4] = (unsigned char)type;
}

void cogen__frame_parse_prefix(const unsigned char in[FRAME_PREFIX], size_t *len, int *type)
{
    *len = (size_t)get_u32(in);
    *type = in[4];
}

size_t cogen__frame_result(unsigned char *out, const cogen_err *e, unsigned long long items)
{
    size_t wl = strnlen(e->where, COGEN__NAME_CAP - 1);
    size_t ml = strnlen(e->msg, COGEN__MSG_CAP - 1);
    unsigned char *p = out + FRAME_PREFIX;
    put_u32(p, (unsigned long)(unsigned)e->code);
    put_u64(p + 4, items);
    p[12] = (unsigned char)wl;
    memcpy(p + 13, e->where, wl);
    memcpy(p + 13 + wl, e->msg, ml);
    size_t len = 13 + wl + ml;
    cogen__frame_prefix(out, len, FRAME_RESULT);
    return FRAME_PREFIX + len;
}

bool cogen__frame_parse_result(const unsigned char *in, size_t len, cogen__errbuf *b,
                               unsigned long long *items)
{
    if (len < 13 || in[12] >= COGEN__NAME_CAP || len - 13 < in[12] ||
        len - 13 - in[12] >= COGEN__MSG_CAP)
        return false;
    size_t wl = in[12], ml = len - 13 - wl;
    char where[COGEN__NAME_CAP], msg[COGEN__MSG_CAP];
    memcpy(where, in + 13, wl);
    where[wl] = '\0';
    memcpy(msg, in + 13 + wl, ml);
    msg[ml] = '\0';
    cogen__errbuf_set(b, (int)(unsigned)get_u32(in), where, "%s", msg);
    *items = get_u64(in + 4);
    return true;
}

/* Waits until fd is ready for `events`: 1, or 0 with errno ETIMEDOUT, or
 * -1 with errno. */
static int wait_fd(int fd, short events, int timeout_ms)
{
    if (timeout_ms <= 0)
        return 1;
    struct pollfd pfd = {fd, events, 0};
    int rc;
    do
        rc = cogen__inject(EIO) ? -1 : poll(&pfd, 1, timeout_ms);
    while (rc < 0 && errno == EINTR);
    if (rc == 0)
        errno = ETIMEDOUT;
    return rc;
}

int cogen__stage_read_full(int fd, void *buf, size_t n, int timeout_ms)
{
    size_t got = 0;
    while (got < n) {
        if (wait_fd(fd, POLLIN, timeout_ms) <= 0)
            return -1;
        ssize_t r = cogen__inject(EIO) ? -1 : read(fd, (char *)buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            return got == 0 ? 0 : -2;
        got += (size_t)r;
    }
    return 1;
}

int cogen__stage_write_full(int fd, const void *buf, size_t n, int timeout_ms)
{
    size_t done = 0;
    bool sock = true;
    while (done < n) {
        if (wait_fd(fd, POLLOUT, timeout_ms) <= 0)
            return -1;
        const char *p = (const char *)buf + done;
        ssize_t w;
        if (cogen__inject(EIO))
            w = -1;
        else if (sock)
            w = send(fd, p, n - done, MSG_NOSIGNAL);
        else
            w = write(fd, p, n - done);
        if (w < 0 && errno == ENOTSOCK && sock) {
            sock = false;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        done += (size_t)w;
    }
    return 0;
}

/* ------------------------------------------------------- the child's side */

/* The child reads through a buffer: a frame of a short line costs a
 * fraction of a read instead of two. */
#define FEED_BUF ((size_t)64 * 1024)

typedef struct feeder {
    int fd;
    cogen *target;
    void *(*decode)(const void *, size_t, void *);
    void *ud;
    unsigned char *buf; /* bytes [at, end) read and not yet used */
    size_t cap, at, end;
    unsigned long long items;
    cogen__errbuf *e;
} feeder;

static _Thread_local cogen__errbuf feed_err;

static bool fail(feeder *f, int code, const char *msg)
{
    cogen__errbuf_set(f->e, code, "feed_frames", "%s", msg);
    return false;
}

static bool fail_io(feeder *f)
{
    cogen__errbuf_set(f->e, COGEN_EIO, "feed_frames", "read failed: %s", strerror(errno));
    return false;
}

/* Makes n bytes available at f->buf + f->at. Returns 1, 0 (end of stream
 * with nothing buffered), -2 (end of stream inside), -1 (errno; ENOMEM
 * when the buffer could not grow). */
static int fill(feeder *f, size_t n)
{
    if (f->cap < n || !f->buf) {
        size_t cap = n > FEED_BUF ? n : FEED_BUF;
        unsigned char *b = cogen__realloc(f->buf, cap);
        if (!b)
            return -1;
        f->buf = b;
        f->cap = cap;
    }
    if (f->cap - f->at < n) {
        memmove(f->buf, f->buf + f->at, f->end - f->at);
        f->end -= f->at;
        f->at = 0;
    }
    while (f->end - f->at < n) {
        ssize_t r = cogen__inject(EIO) ? -1 : read(f->fd, f->buf + f->end, f->cap - f->end);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            return f->end == f->at ? 0 : -2;
        f->end += (size_t)r;
    }
    return 1;
}

/* fill, turning its failures into f->e. */
static bool need(feeder *f, size_t n, const char *at_eof)
{
    int rc = fill(f, n);
    if (rc == 1)
        return true;
    if (rc == -1 && errno == ENOMEM)
        return fail(f, COGEN_ENOMEM, "out of memory for a frame");
    if (rc == -1)
        return fail_io(f);
    if (rc == 0)
        return fail(f, COGEN_EIO, at_eof);
    return fail(f, COGEN_EFRAME, "stream ended inside a frame");
}

static bool deliver(feeder *f, size_t len)
{
    const unsigned char *data = f->buf + f->at;
    f->at += len;
    cogen_str line = {(const char *)data, len};
    void *item = &line;
    if (f->decode) {
        item = f->decode(data, len, f->ud);
        if (!item)
            return fail(f, COGEN_EINVAL, "could not decode a frame");
    }
    int rc = cogen_send(f->target, item, NULL);
    if (rc == COGEN_YIELDED) {
        f->items++;
        return true;
    }
    if (rc == COGEN_ERROR) {
        cogen__errbuf_copy(f->e, cogen_last_error(f->target));
        return false;
    }
    cogen__errbuf_set(f->e, COGEN_EPIPE, cogen_name(f->target), "target '%s' has already ended",
                      cogen_name(f->target));
    return false;
}

static bool check_header(feeder *f)
{
    unsigned char want[FRAME_HEADER];
    if (!need(f, FRAME_HEADER, "stream ended before its header"))
        return false;
    const unsigned char *h = f->buf + f->at;
    f->at += FRAME_HEADER;
    cogen__frame_header(want);
    if (memcmp(h, want, 4) != 0)
        return fail(f, COGEN_EFRAME, "not a cogen frame stream (bad magic)");
    if (h[4] != COGEN_FRAME_VERSION) {
        cogen__errbuf_set(f->e, COGEN_EFRAME, "feed_frames", "unsupported frame version %u",
                          (unsigned)h[4]);
        return false;
    }
    return true;
}

/* Reads frames until 'E' (true) or a failure (false, f->e says why). */
static bool read_stream(feeder *f)
{
    if (!check_header(f))
        return false;
    for (;;) {
        if (!need(f, FRAME_PREFIX, "stream ended without end of stream"))
            return false;
        size_t len;
        int type;
        cogen__frame_parse_prefix(f->buf + f->at, &len, &type);
        f->at += FRAME_PREFIX;
        if (len > COGEN_FRAME_MAX)
            return fail(f, COGEN_EFRAME, "frame too long");
        if (type == FRAME_END)
            return len == 0 ? true : fail(f, COGEN_EFRAME, "end frame with a payload");
        if (type != FRAME_DATA) {
            cogen__errbuf_set(f->e, COGEN_EFRAME, "feed_frames", "unknown frame type 0x%02x",
                              (unsigned)type);
            return false;
        }
        if (len > 0 && !need(f, len, "stream ended inside a frame"))
            return false;
        if (!deliver(f, len))
            return false;
    }
}

long long cogen_stage_feed_frames(int fd, cogen *target,
                                  void *(*decode)(const void *data, size_t len, void *ud), void *ud,
                                  cogen_err *err)
{
    feeder f = {fd, target, decode, ud, NULL, 0, 0, 0, 0, &feed_err};
    cogen__errbuf_clear(&feed_err);
    if (fd < 0 || !target) {
        cogen__errbuf_set(&feed_err, COGEN_EINVAL, "feed_frames", "invalid argument");
        if (err)
            *err = feed_err.err;
        return COGEN_ERROR;
    }
    bool ok = read_stream(&f);
    free(f.buf);
    /* Closing flushes what is downstream, on success and on failure. */
    if (cogen_close(target) != 0 && ok) {
        cogen__errbuf_copy(&feed_err, cogen_last_error(target));
        ok = false;
    }
    unsigned char r[FRAME_PREFIX + FRAME_RESULT_MAX];
    size_t n = cogen__frame_result(r, &feed_err.err, f.items);
    (void)cogen__stage_write_full(fd, r, n, 0); /* the parent may be gone */
    if (err)
        *err = feed_err.err;
    return ok ? (long long)f.items : COGEN_ERROR;
}
