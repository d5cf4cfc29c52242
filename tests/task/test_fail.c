/* SPDX-License-Identifier: MIT */
/*
 * Every failure point of the task layer, walked.
 *
 * walk() runs a scenario with the k-th fallible operation from its start
 * made to fail (an allocation or a system call of this layer, or of the
 * core below it: stacks, cleanup lists), for k = 0, 1, ... until a run
 * meets no injected failure. Each run must end in the complete result (a
 * failure the layer absorbs, such as an interrupted epoll_wait) or in a
 * clean error: a code the injected failure explains, every task ended,
 * every fd closed, nothing leaked (ASan and valgrind run this too).
 */
#include <cogen/task.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "walk.h"
#include "shared.h"

/* Codes an injected failure may surface as. */
static bool injected(int code)
{
    return code == COGEN_ENOMEM || code == COGEN_ESYS || code == COGEN_ECONNRESET ||
           code == COGEN_EEOF || code == COGEN_EFDCLOSED;
}

typedef struct run {
    int failure; /* the first error code seen, 0 if none */
    int lfd;
    uint16_t port;
} run;

static void note(run *r, int code)
{
    if (!injected(code))
        fprintf(stderr, "unexpected code %d (%s)\n", code, cogen_strerror(code));
    CHECK(injected(code));
    if (!r->failure)
        r->failure = code;
}

static void close_fd(void *arg)
{
    cogen_fd_close(cogen_sched_current(), (int)(intptr_t)arg);
}

/* Echoes one line back on its connection. */
static void *server(cogen *self, void *arg)
{
    run *r = arg;
    int fd;
    int rc = cogen_accept(self, r->lfd, &fd, cogen_deadline_ms(5000));
    /* Closing the listening socket resets a connection still queued on
     * it, so the client never waits for a server that gave up. */
    cogen_fd_close(cogen_sched_current(), r->lfd);
    r->lfd = -1;
    if (rc != 0) {
        note(r, rc);
        return NULL;
    }
    if (cogen_defer(self, close_fd, (void *)(intptr_t)fd) != 0) {
        cogen_fd_close(cogen_sched_current(), fd);
        note(r, COGEN_ENOMEM);
        return NULL;
    }
    cogen_reader *rd = cogen_reader_new(fd, 64);
    if (!rd) {
        note(r, COGEN_ENOMEM);
        return NULL;
    }
    const char *line;
    size_t len;
    rc = cogen_read_line(self, rd, &line, &len, cogen_deadline_ms(5000));
    if (rc == 0)
        rc = cogen_write_all(self, fd, line, len, NULL, cogen_deadline_ms(5000));
    cogen_reader_free(rd);
    if (rc != 0)
        note(r, rc);
    return NULL;
}

static void job(void *arg)
{
    *(int *)arg = 7;
}

/* Each step stops the scenario at its first failure. */
static int client_steps(cogen *self, run *r)
{
    cogen_sched *s = cogen_sched_current();
    int rc = cogen_listen_tcp("127.0.0.1", 0, 8, 0, &r->lfd, &r->port);
    if (rc != 0)
        return rc;
    cogen_tid srv = cogen_spawn(s, server, r, NULL);
    if (srv < 0)
        return (int)srv;
    int fd;
    if ((rc = cogen_connect_tcp(self, "127.0.0.1", r->port, &fd, cogen_deadline_ms(5000))) != 0)
        return rc;
    char buf[16];
    size_t got = 0, n;
    rc = cogen_write_all(self, fd, "hello\n", 6, NULL, cogen_deadline_ms(5000));
    while (rc == 0 && got < 6) {
        rc = cogen_read(self, fd, buf + got, sizeof buf - got, &n, cogen_deadline_ms(5000));
        got += rc == 0 ? n : 0;
    }
    cogen_fd_close(s, fd);
    if (rc != 0)
        return rc;
    CHECK(memcmp(buf, "hello\n", 6) == 0);
    cogen_task_end end;
    if ((rc = cogen_task_join(self, srv, cogen_deadline_ms(5000), &end)) != 0)
        return rc;

    /* Channels: an unbounded one that grows, a select of five that parks. */
    cogen_chan *c[5] = {0};
    for (int i = 0; i < 5 && rc == 0; i++)
        if (!(c[i] = cogen_chan_new(i == 0 ? COGEN_UNBOUNDED : 1)))
            rc = COGEN_ENOMEM;
    for (int i = 0; i < 20 && rc == 0; i++)
        rc = cogen_chan_send(self, c[0], V(i), 0);
    void *v;
    for (int i = 0; i < 20 && rc == 0; i++)
        rc = cogen_chan_recv(self, c[0], &v, 0);
    if (rc == 0) {
        cogen_sel ops[5];
        for (int i = 0; i < 5; i++)
            ops[i] = (cogen_sel){COGEN_SEL_RECV, c[i], NULL, -1};
        size_t which;
        rc = cogen_select(self, ops, 5, cogen_deadline_ms(1), &which);
        rc = rc == COGEN_ETIMEDOUT ? 0 : rc;
    }
    for (int i = 0; i < 5; i++)
        cogen_chan_free(c[i]);
    if (rc != 0)
        return rc;

    int out = 0;
    if ((rc = cogen_task_offload(self, job, &out, NULL, cogen_deadline_ms(5000))) != 0)
        return rc;
    CHECK_EQ_INT(out, 7);
    return cogen_sleep(self, cogen_deadline_ms(1));
}

static void *client(cogen *self, void *arg)
{
    run *r = arg;
    int rc = client_steps(self, r);
    if (rc != 0)
        note(r, rc);
    if (r->lfd >= 0)
        cogen_fd_close(cogen_sched_current(), r->lfd);
    return NULL;
}

static outcome everything(void)
{
    errno = 0;
    cogen_sched *s = cogen_sched_new(NULL);
    if (!s) {
        CHECK(errno == ENOMEM || errno == EMFILE);
        return FAILED_CLEANLY;
    }
    run r = {0, -1, 0};
    cogen_tid id = cogen_spawn(s, client, &r, NULL);
    if (id < 0) {
        CHECK_EQ_INT(id, COGEN_ENOMEM);
        cogen_sched_free(s);
        return FAILED_CLEANLY;
    }
    int rc = cogen_sched_run(s);
    CHECK(rc == 0 || rc == COGEN_ESYS);
    cogen_sched_free(s);
    return rc == 0 && r.failure == 0 ? RESULT_RIGHT : FAILED_CLEANLY;
}

TEST(walk_every_failure_point)
{
    long points = walk(everything);
    /* The scheduler, its poller and eventfd, tasks and their stacks, the
     * timer heap, the fd table, fcntl and epoll_ctl per fd, socket, bind,
     * connect, accept, reads and writes, channels, select's waiters, the
     * helper pool, its thread and job. Fewer means a fallible operation
     * stopped asking the failure injector. */
    CHECK(points >= 51);
}
