/* SPDX-License-Identifier: MIT */
/*
 * fds: the table of what the scheduler knows about each fd, waits, and the
 * helpers that read like blocking code (read, write_all, accept, connect,
 * read_line).
 *
 * Each fd is registered with the poller once, for both directions,
 * edge-triggered. The table keeps the readiness the poller reported and
 * nobody has consumed yet; a helper first tries its system call, and waits
 * only on EAGAIN. As the scheduler polls only between resumes, no edge can
 * fall between a helper's EAGAIN and its wait.
 */
#include "task_internal.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static cogen__fdent *entry(cogen_sched *s, int fd)
{
    if (fd < 0)
        return NULL;
    if ((size_t)fd >= s->nfds) {
        size_t n = s->nfds ? s->nfds : 64;
        while (n <= (size_t)fd)
            n *= 2;
        cogen__fdent *f = cogen__realloc(s->fds, n * sizeof *f);
        if (!f)
            return NULL;
        memset(f + s->nfds, 0, (n - s->nfds) * sizeof *f);
        s->fds = f;
        s->nfds = n;
    }
    return &s->fds[fd];
}

static uint64_t token(int fd, const cogen__fdent *e)
{
    return (uint64_t)(uint32_t)fd | (uint64_t)e->gen << 32;
}

/* Makes fd known: non-blocking and registered. 0, COGEN_ENOMEM or
 * COGEN_ESYS (errno). */
int cogen__fd_prepare(cogen_sched *s, int fd)
{
    cogen__fdent *e = entry(s, fd);
    if (!e)
        return fd < 0 ? COGEN_EINVAL : COGEN_ENOMEM;
    if (COGEN_LIKELY(e->registered))
        return 0;
    int fl = cogen__inject(EBADF) ? -1 : fcntl(fd, F_GETFL);
    if (fl < 0 || (!(fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0))
        return COGEN_ESYS;
    if (cogen__poll_add(s->poller, fd, token(fd, e)) < 0)
        return errno == ENOMEM ? COGEN_ENOMEM : COGEN_ESYS;
    e->registered = true;
    e->rready = e->wready = false;
    return 0;
}

/* Parks w on its fd, or reports it ready at once. 1 parked, 0 ready, or a
 * negative code. */
int cogen__fd_park(cogen_sched *s, cogen__waiter *w)
{
    int rc = cogen__fd_prepare(s, w->fd);
    if (rc < 0)
        return rc;
    cogen__fdent *e = &s->fds[w->fd];
    bool *ready = w->dir == COGEN_READABLE ? &e->rready : &e->wready;
    cogen__waiter **slot = w->dir == COGEN_READABLE ? &e->reader : &e->writer;
    if (*ready) {
        *ready = false;
        return 0;
    }
    if (*slot)
        return COGEN_EBUSY;
    *slot = w;
    s->fd_waiters++;
    return 1;
}

void cogen__fd_unpark(cogen_sched *s, cogen__waiter *w)
{
    if (w->fd < 0 || (size_t)w->fd >= s->nfds)
        return;
    cogen__fdent *e = &s->fds[w->fd];
    cogen__waiter **slot = w->dir == COGEN_READABLE ? &e->reader : &e->writer;
    if (*slot == w) {
        *slot = NULL;
        s->fd_waiters--;
    }
}

void cogen__fd_serve(cogen_sched *s, cogen__task *t, cogen__trap *tr)
{
    tr->u.fd.task = t;
    int rc = cogen__fd_park(s, &tr->u.fd);
    if (rc == 1) {
        t->state = COGEN__BLOCKED;
        return;
    }
    tr->result = rc;
    cogen__task_ready(t);
}

/* Wakes the waiter in *slot, or remembers the readiness for the next one. */
static void ready(cogen_sched *s, cogen__waiter **slot, bool *flag, int result)
{
    cogen__waiter *w = *slot;
    if (!w) {
        *flag = true;
        return;
    }
    *slot = NULL;
    s->fd_waiters--;
    if (w->task->waiting && w->task->waiting->kind == COGEN__TRAP_SELECT)
        w->task->waiting->u.sel.fired = w->index;
    cogen__task_wake(w->task, result);
}

void cogen__fd_event(cogen_sched *s, uint64_t tok, unsigned what)
{
    int fd = (int)(uint32_t)tok;
    if ((size_t)fd >= s->nfds)
        return;
    cogen__fdent *e = &s->fds[fd];
    if (!e->registered || e->gen != (uint32_t)(tok >> 32))
        return; /* an event for an fd closed since */
    if (what & (COGEN__POLL_IN | COGEN__POLL_HUP | COGEN__POLL_ERR))
        ready(s, &e->reader, &e->rready, 0);
    if (what & (COGEN__POLL_OUT | COGEN__POLL_HUP | COGEN__POLL_ERR))
        ready(s, &e->writer, &e->wready, 0);
}

void cogen__fd_free_table(cogen_sched *s)
{
    free(s->fds);
    s->fds = NULL;
    s->nfds = 0;
}

int cogen_fd_close(cogen_sched *s, int fd)
{
    if (!s || fd < 0)
        return COGEN_EINVAL;
    if (cogen__sched_here() != s && atomic_load(&s->running))
        return COGEN_EBUSY; /* s runs on another thread */
    if ((size_t)fd < s->nfds && s->fds[fd].registered) {
        cogen__fdent *e = &s->fds[fd];
        bool unused;
        ready(s, &e->reader, &unused, COGEN_EFDCLOSED);
        ready(s, &e->writer, &unused, COGEN_EFDCLOSED);
        cogen__poll_del(s->poller, fd); /* in case fd was duplicated */
        e->registered = false;
        e->rready = e->wready = false;
        e->gen++;
    }
    /* Closed whatever happens (an injected failure too: no fd leaks). */
    int closed = close(fd);
    if (cogen__inject(EIO) || closed < 0)
        return COGEN_ESYS;
    return 0;
}

static int wait_fd(cogen *self, cogen__task *t, int fd, unsigned dir, cogen_time deadline)
{
    cogen__trap tr = {.kind = COGEN__TRAP_FD, .deadline = deadline};
    tr.u.fd.fd = fd;
    tr.u.fd.dir = dir;
    return cogen__task_trap(self, t, &tr);
}

int cogen_fd_wait(cogen *self, int fd, unsigned events, cogen_time deadline)
{
    cogen__task *t = cogen__task_of(self);
    if (!t || fd < 0 || (events != COGEN_READABLE && events != COGEN_WRITABLE))
        return COGEN_EINVAL;
    return wait_fd(self, t, fd, events, deadline);
}

/* The result of a failed read or write: 1 to wait and retry, 2 to retry at
 * once, or the code to return. */
static int classify(int err)
{
    switch (err) {
    case EAGAIN:
#if EWOULDBLOCK != EAGAIN
    case EWOULDBLOCK:
#endif
        return 1;
    case EINTR: return 2;
    case ECONNRESET:
    case EPIPE: return COGEN_ECONNRESET;
    default: return COGEN_ESYS;
    }
}

int cogen_read(cogen *self, int fd, void *buf, size_t cap, size_t *got, cogen_time deadline)
{
    cogen__task *t = cogen__task_of(self);
    if (got)
        *got = 0;
    if (!t || !buf || !got || cap == 0)
        return COGEN_EINVAL;
    int rc = cogen__fd_prepare(t->sched, fd);
    if (rc < 0)
        return rc;
    for (;;) {
        ssize_t n = cogen__inject(EIO) ? -1 : read(fd, buf, cap);
        if (n > 0) {
            *got = (size_t)n;
            return cogen__task_spend(self, t);
        }
        if (n == 0)
            return COGEN_EEOF;
        int what = classify(errno);
        if (what == 1 && (rc = wait_fd(self, t, fd, COGEN_READABLE, deadline)) != 0)
            return rc;
        if (what < 0)
            return what;
    }
}

static ssize_t send_some(int fd, const char *p, size_t n)
{
    if (cogen__inject(EIO))
        return -1;
    ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
    if (k < 0 && errno == ENOTSOCK)
        k = write(fd, p, n);
    return k;
}

int cogen_write_all(cogen *self, int fd, const void *buf, size_t n, size_t *written,
                    cogen_time deadline)
{
    cogen__task *t = cogen__task_of(self);
    if (written)
        *written = 0;
    if (!t || (!buf && n))
        return COGEN_EINVAL;
    int rc = cogen__fd_prepare(t->sched, fd);
    if (rc < 0)
        return rc;
    const char *p = buf;
    size_t done = 0;
    while (done < n) {
        ssize_t k = send_some(fd, p + done, n - done);
        if (k >= 0) {
            done += (size_t)k;
            if (written)
                *written = done;
            continue;
        }
        int what = classify(errno);
        if (what == 1 && (rc = wait_fd(self, t, fd, COGEN_WRITABLE, deadline)) != 0)
            return rc;
        if (what < 0)
            return what;
    }
    return cogen__task_spend(self, t);
}

int cogen_accept(cogen *self, int lfd, int *cfd, cogen_time deadline)
{
    cogen__task *t = cogen__task_of(self);
    if (cfd)
        *cfd = -1;
    if (!t || !cfd)
        return COGEN_EINVAL;
    int rc = cogen__fd_prepare(t->sched, lfd);
    if (rc < 0)
        return rc;
    for (;;) {
        int fd =
            cogen__inject(EMFILE) ? -1 : accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            *cfd = fd;
            return cogen__task_spend(self, t);
        }
        if (errno == ECONNABORTED || errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return COGEN_ESYS;
        if ((rc = wait_fd(self, t, lfd, COGEN_READABLE, deadline)) != 0)
            return rc;
    }
}

static int ipv4(const char *ip, uint16_t port, struct sockaddr_in *a)
{
    memset(a, 0, sizeof *a);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    return ip && inet_pton(AF_INET, ip, &a->sin_addr) == 1 ? 0 : COGEN_EINVAL;
}

int cogen_connect_tcp(cogen *self, const char *ip, uint16_t port, int *fdp, cogen_time deadline)
{
    cogen__task *t = cogen__task_of(self);
    struct sockaddr_in a;
    if (fdp)
        *fdp = -1;
    if (!t || !fdp || ipv4(ip, port, &a) < 0)
        return COGEN_EINVAL;
    int fd =
        cogen__inject(EMFILE) ? -1 : socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return COGEN_ESYS;
    int rc = 0;
    if (cogen__inject(ECONNREFUSED) || connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        if (errno != EINPROGRESS) {
            rc = COGEN_ESYS;
        } else if ((rc = cogen__fd_prepare(t->sched, fd)) == 0 &&
                   (rc = wait_fd(self, t, fd, COGEN_WRITABLE, deadline)) == 0) {
            int err = 0;
            socklen_t len = sizeof err;
            if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0) {
                errno = err ? err : errno;
                rc = COGEN_ESYS;
            }
        }
    }
    if (rc != 0) {
        int e = errno;
        cogen_fd_close(t->sched, fd);
        errno = e;
        return rc;
    }
    *fdp = fd;
    return 0;
}

int cogen_listen_tcp(const char *ip, uint16_t port, int backlog, unsigned flags, int *fdp,
                     uint16_t *bound)
{
    struct sockaddr_in a;
    if (fdp)
        *fdp = -1;
    if (!fdp || (flags & ~COGEN_REUSEPORT) || ipv4(ip, port, &a) < 0)
        return COGEN_EINVAL;
    int fd =
        cogen__inject(EMFILE) ? -1 : socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return COGEN_ESYS;
    int one = 1;
    socklen_t len = sizeof a;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        ((flags & COGEN_REUSEPORT) &&
         setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0) ||
        cogen__inject(EADDRINUSE) || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
        listen(fd, backlog > 0 ? backlog : SOMAXCONN) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return COGEN_ESYS;
    }
    if (bound)
        *bound = ntohs(a.sin_port);
    *fdp = fd;
    return 0;
}

/* ----------------------------------------------------------- lines */

struct cogen_reader {
    int fd;
    bool eof, broken;
    size_t max;
    size_t start, end, cap; /* unread bytes: buf[start, end) */
    size_t scanned;         /* bytes after start known to hold no '\n' */
    char *buf;
};

cogen_reader *cogen_reader_new(int fd, size_t max_line)
{
    if (fd < 0) {
        errno = EINVAL;
        return NULL;
    }
    cogen_reader *r = cogen__calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->fd = fd;
    r->max = max_line ? max_line : (size_t)64 * 1024;
    r->cap = r->max < 4096 ? r->max : 4096;
    r->buf = cogen__malloc(r->cap);
    if (!r->buf) {
        free(r);
        return NULL;
    }
    return r;
}

void cogen_reader_free(cogen_reader *r)
{
    if (!r)
        return;
    free(r->buf);
    free(r);
}

/* Room to read more: moves the unread bytes to the front, or grows the
 * buffer up to max. */
static int make_room(cogen_reader *r)
{
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    if (r->end < r->cap)
        return 0;
    if (r->cap >= r->max)
        return COGEN_ELINE;
    size_t cap = r->cap * 2 > r->max ? r->max : r->cap * 2;
    char *b = cogen__realloc(r->buf, cap);
    if (!b)
        return COGEN_ENOMEM;
    r->buf = b;
    r->cap = cap;
    return 0;
}

int cogen_read_line(cogen *self, cogen_reader *r, const char **line, size_t *len,
                    cogen_time deadline)
{
    if (!r || !line || !len)
        return COGEN_EINVAL;
    *line = NULL;
    *len = 0;
    if (r->broken)
        return COGEN_ELINE;
    for (;;) {
        char *from = r->buf + r->start + r->scanned;
        char *nl = memchr(from, '\n', r->end - r->start - r->scanned);
        if (nl || (r->eof && r->end > r->start)) {
            size_t n = nl ? (size_t)(nl - (r->buf + r->start)) + 1 : r->end - r->start;
            *line = r->buf + r->start;
            *len = n;
            r->start += n;
            r->scanned = 0;
            return 0;
        }
        if (r->eof)
            return COGEN_EEOF;
        r->scanned = r->end - r->start;
        int rc = make_room(r);
        if (rc == 0) {
            size_t got;
            rc = cogen_read(self, r->fd, r->buf + r->end, r->cap - r->end, &got, deadline);
            if (rc == 0) {
                r->end += got;
            } else if (rc == COGEN_EEOF) {
                r->eof = true;
                rc = 0;
            }
        }
        if (rc == COGEN_ELINE)
            r->broken = true;
        if (rc != 0)
            return rc;
    }
}
