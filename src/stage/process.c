/* SPDX-License-Identifier: MIT */
/*
 * The process stage: a primed generator that encodes items into frames on
 * an AF_UNIX stream socket to a forked child, which runs the downstream
 * pipeline (cogen_stage_feed_frames) and answers the end of stream with
 * its result.
 *
 * The answer is what makes a short result impossible to miss: the child
 * reports how many items it received and how its pipeline ended, and the
 * stage compares the count with what it sent. A child that dies, exits or
 * stops reading shows up as EPIPE on a write or end of file where the
 * answer should be; the stage then reaps it and names its exit status or
 * signal. Every way out of the body goes through xstage_end, which closes
 * the socket and reaps the child (killing it first if it does not end
 * within the timeout), so no path leaves a zombie.
 */
#include "stage_internal.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_PROC_BUF ((size_t)64 * 1024)

typedef struct xstage {
    cogen_stage_proc proc;
    int fd;
    pid_t pid;
    bool reaped;
    bool live; /* bufsize 1: every frame written at once */
    int status;
    unsigned char *buf;
    size_t n, cap;
    unsigned long long sent;
    cogen *self;
} xstage;

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Waits for the child to end, at most timeout_ms (0: forever), then kills
 * it; always reaps it. */
static void reap(xstage *x)
{
    if (x->reaped)
        return;
    long waited = 0;
    pid_t r;
    while (x->proc.timeout_ms > 0) {
        r = waitpid(x->pid, &x->status, WNOHANG);
        if (r == x->pid || (r < 0 && errno != EINTR))
            break;
        if (waited >= x->proc.timeout_ms) {
            (void)kill(x->pid, SIGKILL);
            break;
        }
        sleep_ms(5);
        waited += 5;
    }
    if (x->proc.timeout_ms <= 0 || r != x->pid) {
        do
            r = waitpid(x->pid, &x->status, 0);
        while (r < 0 && errno == EINTR);
    }
    if (r != x->pid)
        x->status = 0;
    x->reaped = true;
}

/* "exited with status N" / "was killed by signal N (NAME)". */
static void describe(const xstage *x, char *out, size_t cap)
{
    if (WIFSIGNALED(x->status)) {
        int sig = WTERMSIG(x->status);
        const char *abbrev = sigabbrev_np(sig);
        (void)snprintf(out, cap, "was killed by signal %d (SIG%s)", sig, abbrev ? abbrev : "?");
    } else {
        (void)snprintf(out, cap, "exited with status %d", WEXITSTATUS(x->status));
    }
}

/* The child went away before answering: reap it and say how it ended. */
static COGEN_NORETURN void raise_child_gone(xstage *x, const char *when)
{
    char how[64];
    (void)close(x->fd);
    x->fd = -1;
    reap(x);
    describe(x, how, sizeof how);
    cogen_raise(x->self, COGEN_ECHILD, "child process %d %s %s", (int)x->pid, how, when);
}

static COGEN_NORETURN void raise_io(xstage *x, const char *what)
{
    if (errno == EPIPE || errno == ECONNRESET)
        raise_child_gone(x, "before the end of the stream");
    if (errno == ETIMEDOUT) {
        (void)kill(x->pid, SIGKILL);
        cogen_raise(x->self, COGEN_ETIMEDOUT, "child process %d did not %s within %d ms",
                    (int)x->pid, what, x->proc.timeout_ms);
    }
    cogen_raise(x->self, COGEN_EIO, "%s failed: %s", what, strerror(errno));
}

static void write_or_raise(xstage *x, const void *p, size_t n)
{
    if (cogen__stage_write_full(x->fd, p, n, x->proc.timeout_ms) != 0)
        raise_io(x, "read its input");
}

static void flush_buf(xstage *x)
{
    if (x->n > 0)
        write_or_raise(x, x->buf, x->n);
    x->n = 0;
}

static void put_frame(xstage *x, int type, const void *data, size_t len)
{
    unsigned char pre[FRAME_PREFIX];
    cogen__frame_prefix(pre, len, type);
    if (x->cap - x->n < FRAME_PREFIX + len) {
        flush_buf(x);
        if (x->cap < FRAME_PREFIX + len) { /* too big to buffer: straight out */
            write_or_raise(x, pre, sizeof pre);
            if (len)
                write_or_raise(x, data, len);
            return;
        }
    }
    memcpy(x->buf + x->n, pre, sizeof pre);
    if (len)
        memcpy(x->buf + x->n + FRAME_PREFIX, data, len);
    x->n += FRAME_PREFIX + len;
}

static void send_item(xstage *x, void *item)
{
    const void *data;
    size_t len;
    if (x->proc.encode) {
        if (x->proc.encode(item, &data, &len, x->proc.ud) != 0)
            cogen_raise(x->self, COGEN_EINVAL, "could not encode an item");
    } else {
        const cogen_str *l = item;
        data = l->ptr;
        len = l->len;
    }
    if (len > COGEN_FRAME_MAX)
        cogen_raise(x->self, COGEN_EINVAL, "item of %zu bytes is over the frame limit", len);
    put_frame(x, FRAME_DATA, data, len);
    x->sent++;
    if (x->live)
        flush_buf(x);
}

/* Close: end of stream, the child's answer, its exit. */
static void finish(xstage *x)
{
    put_frame(x, FRAME_END, NULL, 0);
    flush_buf(x);
    unsigned char pre[FRAME_PREFIX], payload[FRAME_RESULT_MAX];
    int rc = cogen__stage_read_full(x->fd, pre, sizeof pre, x->proc.timeout_ms);
    if (rc == 0 || rc == -2 || (rc < 0 && (errno == ECONNRESET || errno == EPIPE)))
        raise_child_gone(x, "without answering the end of the stream");
    if (rc < 0)
        raise_io(x, "answer the end of the stream");
    size_t len;
    int type;
    cogen__frame_parse_prefix(pre, &len, &type);
    if (type != FRAME_RESULT || len > sizeof payload)
        cogen_raise(x->self, COGEN_EFRAME, "child process %d answered with a bad frame",
                    (int)x->pid);
    rc = cogen__stage_read_full(x->fd, payload, len, x->proc.timeout_ms);
    if (rc != 1)
        raise_child_gone(x, "inside its answer");
    cogen__errbuf res;
    unsigned long long got;
    if (!cogen__frame_parse_result(payload, len, &res, &got))
        cogen_raise(x->self, COGEN_EFRAME, "child process %d answered with a bad frame",
                    (int)x->pid);
    (void)close(x->fd);
    x->fd = -1;
    reap(x);
    if (res.err.code != 0)
        cogen_raise(x->self, res.err.code, "%s (in '%s' in child process %d)", res.msg, res.where,
                    (int)x->pid);
    if (!WIFEXITED(x->status) || WEXITSTATUS(x->status) != 0) {
        char how[64];
        describe(x, how, sizeof how);
        cogen_raise(x->self, COGEN_ECHILD, "child process %d %s", (int)x->pid, how);
    }
    if (got != x->sent)
        cogen_raise(x->self, COGEN_ECHILD, "child process %d received %llu of %llu items",
                    (int)x->pid, got, x->sent);
}

static void xstage_free(xstage *x)
{
    if (x->fd >= 0)
        (void)close(x->fd);
    x->fd = -1;
    if (x->pid > 0)
        reap(x);
    free(x->buf);
    free(x);
}

/* However the body ends: closing the socket tells the child the stream
 * ended without 'E' (its pipeline closes and it exits); reap it. */
static void xstage_end(void *arg)
{
    xstage_free(arg);
}

static void *xstage_body(cogen *self, void *arg)
{
    xstage *x = arg;
    x->self = self;
    if (cogen_defer(self, xstage_end, x) != 0) {
        xstage_free(x);
        cogen_reraise(self);
    }
    for (;;) {
        void *item;
        int r = cogen_yield(self, NULL, &item);
        if (r == COGEN_SENT) {
            send_item(x, item);
        } else if (r == COGEN_EXIT) {
            finish(x);
            return NULL;
        } else {
            cogen_reraise(self);
        }
    }
}

static COGEN_NORETURN void run_child(const cogen_stage_proc *proc, int fd)
{
    int status = proc->child(fd, proc->ud);
    (void)fflush(NULL);
    _exit(status & 0xff);
}

/* Socket pair and fork; 0 or an errno value. In the child, never returns. */
static int spawn(xstage *x)
{
    int sv[2];
    if (cogen__inject(EMFILE) || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return errno;
    (void)fflush(stdout);
    (void)fflush(stderr);
    pid_t pid = cogen__inject(EAGAIN) ? -1 : fork();
    if (pid < 0) {
        int e = errno;
        (void)close(sv[0]);
        (void)close(sv[1]);
        return e;
    }
    if (pid == 0) {
        /* The child owns nothing of the stage: free its copy. */
        cogen_stage_proc proc = x->proc;
        (void)close(sv[0]);
        free(x->buf);
        free(x);
        run_child(&proc, sv[1]);
    }
    (void)close(sv[1]);
    x->fd = sv[0];
    x->pid = pid;
    return 0;
}

cogen *cogen_stage_process(const char *name, const cogen_stage_proc *proc)
{
    if (!proc || !proc->child || proc->timeout_ms < 0) {
        errno = EINVAL;
        return NULL;
    }
    xstage *x = cogen__calloc(1, sizeof *x);
    if (!x) {
        errno = ENOMEM;
        return NULL;
    }
    x->proc = *proc;
    x->fd = -1;
    x->cap = proc->bufsize ? proc->bufsize : DEFAULT_PROC_BUF;
    x->live = proc->bufsize == 1;
    x->buf = cogen__malloc(x->cap < FRAME_HEADER ? FRAME_HEADER : x->cap);
    if (!x->buf) {
        xstage_free(x);
        errno = ENOMEM;
        return NULL;
    }
    int rc = spawn(x);
    if (rc != 0) {
        xstage_free(x);
        errno = rc;
        return NULL;
    }
    /* The stream's header goes first, with the first frames. */
    cogen__frame_header(x->buf);
    x->n = FRAME_HEADER;
    if (x->cap < FRAME_HEADER)
        x->cap = FRAME_HEADER;
    cogen_opts o = {0, name ? name : "process", COGEN_PRIMED};
    cogen *g = cogen_new(xstage_body, x, &o);
    if (!g) {
        int e = errno;
        if (e != ECANCELED) /* else the body has freed x */
            xstage_free(x);
        errno = e == ECANCELED ? ENOMEM : e;
        return NULL;
    }
    return g;
}
