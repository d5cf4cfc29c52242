/* SPDX-License-Identifier: MIT */
/* The task layer's I/O: fd waits, read/write/accept/connect/read-line,
 * EOF and resets, fds closed while waited on, deadlines and kills on each
 * blocking call, helper threads, two schedulers on two threads. Servers
 * listen on 127.0.0.1 only; every loop is bounded. */
#include <cogen/task.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"

static cogen_sched *new_sched(void)
{
    cogen_sched_opts o = {0};
    o.grace_ms = 200;
    cogen_sched *s = cogen_sched_new(&o);
    CHECK(s != NULL);
    return s;
}

/* ---- an echo server and its clients in one scheduler */

typedef struct server {
    int lfd;
    uint16_t port;
    int clients_left;
} server;

static void *echo_conn(cogen *self, void *arg)
{
    int fd = (int)(intptr_t)arg;
    char buf[512];
    size_t got;
    int rc;
    while ((rc = cogen_read(self, fd, buf, sizeof buf, &got, cogen_deadline_ms(5000))) == 0) {
        if (cogen_write_all(self, fd, buf, got, NULL, cogen_deadline_ms(5000)) != 0)
            break;
    }
    CHECK(rc == COGEN_EEOF || rc == COGEN_ECONNRESET || rc == COGEN_EXIT);
    cogen_fd_close(cogen_sched_current(), fd);
    return NULL;
}

static void *acceptor(cogen *self, void *arg)
{
    server *sv = arg;
    for (;;) {
        int fd;
        int rc = cogen_accept(self, sv->lfd, &fd, COGEN_NEVER);
        if (rc == COGEN_EXIT || rc == COGEN_EFDCLOSED)
            return NULL;
        CHECK_EQ_INT(rc, 0);
        cogen_opts o = {0, "conn", COGEN_DETACHED};
        CHECK(cogen_spawn(cogen_sched_current(), echo_conn, (void *)(intptr_t)fd, &o) > 0);
    }
}

static void *client(cogen *self, void *arg)
{
    server *sv = arg;
    int fd;
    CHECK_EQ_INT(cogen_connect_tcp(self, "127.0.0.1", sv->port, &fd, cogen_deadline_ms(5000)), 0);
    cogen_reader *r = cogen_reader_new(fd, 128);
    CHECK(r != NULL);
    for (int i = 0; i < 50; i++) {
        char msg[64];
        int n =
            snprintf(msg, sizeof msg, "line %d from task %lld\n", i, (long long)cogen_task_self());
        CHECK_EQ_INT(cogen_write_all(self, fd, msg, (size_t)n, NULL, cogen_deadline_ms(5000)), 0);
        const char *line;
        size_t len;
        CHECK_EQ_INT(cogen_read_line(self, r, &line, &len, cogen_deadline_ms(5000)), 0);
        CHECK_EQ_INT(len, n);
        CHECK(memcmp(line, msg, len) == 0);
    }
    cogen_reader_free(r);
    cogen_fd_close(cogen_sched_current(), fd);
    if (--sv->clients_left == 0)
        cogen_fd_close(cogen_sched_current(), sv->lfd); /* wakes the acceptor */
    return NULL;
}

TEST(echo_server_and_clients_in_one_scheduler)
{
    cogen_sched *s = new_sched();
    server sv = {0};
    CHECK_EQ_INT(cogen_listen_tcp("127.0.0.1", 0, 64, 0, &sv.lfd, &sv.port), 0);
    CHECK(sv.port != 0);
    sv.clients_left = 20;
    cogen_spawn(s, acceptor, &sv, NULL);
    for (int i = 0; i < 20; i++)
        cogen_spawn(s, client, &sv, NULL);
    CHECK_EQ_INT(cogen_sched_run(s), 0);
    CHECK_EQ_INT(cogen_sched_tasks(s), 0);
    cogen_sched_free(s);
}

/* ---- EOF, reset, closed while waited on */

static void *expects_eof(cogen *self, void *arg)
{
    int fd = *(int *)arg;
    char buf[8];
    size_t got;
    CHECK_EQ_INT(cogen_read(self, fd, buf, sizeof buf, &got, cogen_deadline_ms(5000)), 0);
    CHECK_EQ_INT(got, 2);
    CHECK_EQ_INT(cogen_read(self, fd, buf, sizeof buf, &got, cogen_deadline_ms(5000)), COGEN_EEOF);
    CHECK_EQ_INT(got, 0);
    return NULL;
}

static void *writes_then_closes(cogen *self, void *arg)
{
    int fd = *(int *)arg;
    CHECK_EQ_INT(cogen_sleep(self, cogen_deadline_ms(1)), 0);
    CHECK_EQ_INT(cogen_write_all(self, fd, "hi", 2, NULL, COGEN_NEVER), 0);
    CHECK_EQ_INT(cogen_fd_close(cogen_sched_current(), fd), 0);
    return NULL;
}

TEST(eof_is_a_clear_result)
{
    cogen_sched *s = new_sched();
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    cogen_spawn(s, expects_eof, &sv[0], NULL);
    cogen_spawn(s, writes_then_closes, &sv[1], NULL);
    CHECK_EQ_INT(cogen_sched_run(s), 0);
    cogen_fd_close(s, sv[0]);
    cogen_sched_free(s);
}

typedef struct reset_case {
    int lfd;
    uint16_t port;
} reset_case;

static void *resets_its_connection(cogen *self, void *arg)
{
    reset_case *rc = arg;
    int fd;
    CHECK_EQ_INT(cogen_accept(self, rc->lfd, &fd, cogen_deadline_ms(5000)), 0);
    /* Unread data in the receive queue plus SO_LINGER 0: close sends RST. */
    char c;
    size_t got;
    CHECK_EQ_INT(cogen_read(self, fd, &c, 1, &got, cogen_deadline_ms(5000)), 0);
    struct linger lg = {1, 0};
    CHECK(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) == 0);
    cogen_fd_close(cogen_sched_current(), fd);
    return NULL;
}

static void *sees_reset(cogen *self, void *arg)
{
    reset_case *rc = arg;
    int fd;
    CHECK_EQ_INT(cogen_connect_tcp(self, "127.0.0.1", rc->port, &fd, cogen_deadline_ms(5000)), 0);
    CHECK_EQ_INT(cogen_write_all(self, fd, "ab", 2, NULL, cogen_deadline_ms(5000)), 0);
    char buf[8];
    size_t got;
    int r = cogen_read(self, fd, buf, sizeof buf, &got, cogen_deadline_ms(5000));
    CHECK_EQ_INT(r, COGEN_ECONNRESET);
    /* Writing to a reset connection is a reset too, never SIGPIPE. */
    int w = 0;
    for (int i = 0; i < 10 && w == 0; i++)
        w = cogen_write_all(self, fd, "x", 1, NULL, cogen_deadline_ms(5000));
    CHECK(w == COGEN_ECONNRESET);
    cogen_fd_close(cogen_sched_current(), fd);
    return NULL;
}

TEST(connection_reset_is_a_clear_result)
{
    cogen_sched *s = new_sched();
    reset_case rc;
    CHECK_EQ_INT(cogen_listen_tcp("127.0.0.1", 0, 8, 0, &rc.lfd, &rc.port), 0);
    cogen_spawn(s, resets_its_connection, &rc, NULL);
    cogen_spawn(s, sees_reset, &rc, NULL);
    CHECK_EQ_INT(cogen_sched_run(s), 0);
    cogen_fd_close(s, rc.lfd);
    cogen_sched_free(s);
}

static void *reads_until_closed(cogen *self, void *arg)
{
    int fd = *(int *)arg;
    char c;
    size_t got;
    CHECK_EQ_INT(cogen_read(self, fd, &c, 1, &got, COGEN_NEVER), COGEN_EFDCLOSED);
    return NULL;
}

static void *closes_it(cogen *self, void *arg)
{
    CHECK_EQ_INT(cogen_task_yield(self), 0);
    CHECK_EQ_INT(cogen_fd_close(cogen_sched_current(), *(int *)arg), 0);
    return NULL;
}

TEST(an_fd_closed_while_waited_on_wakes_its_task)
{
    cogen_sched *s = new_sched();
    int p[2];
    CHECK(pipe(p) == 0);
    cogen_spawn(s, reads_until_closed, &p[0], NULL);
    cogen_spawn(s, closes_it, &p[0], NULL);
    CHECK_EQ_INT(cogen_sched_run(s), 0);
    close(p[1]);
    cogen_sched_free(s);
}

/* ---- every blocking call under a deadline, and under kill */

typedef struct blocking {
    int lfd;      /* a listening socket nobody connects to */
    int full_lfd; /* one whose accept queue is full: connects wait */
    uint16_t full_port;
    int pending[4];      /* the connections filling it */
    cogen_reader *lines; /* reads rfd */
    int rfd, rfd_peer;   /* an empty pipe */
    int wfd, wfd_peer;   /* a full pipe */
    cogen_chan *empty, *full;
} blocking;

static int cleanups;

static void count_cleanup(void *arg)
{
    (void)arg;
    cleanups++;
}

static void slow_job(void *arg)
{
    (void)arg;
    usleep(20000);
}

/* Makes blocking call `which` with `deadline`; returns its result. */
static int block_in(cogen *self, blocking *b, int which, cogen_time deadline)
{
    char buf[8];
    size_t got;
    int fd;
    void *v;
    size_t at;
    cogen_sel two[2] = {{COGEN_SEL_RECV, b->empty, NULL, -1},
                        {COGEN_SEL_READABLE, NULL, NULL, b->rfd}};
    switch (which) {
    case 0: return cogen_read(self, b->rfd, buf, sizeof buf, &got, deadline);
    case 1: return cogen_write_all(self, b->wfd, "x", 1, NULL, deadline);
    case 2: return cogen_accept(self, b->lfd, &fd, deadline);
    case 3: return cogen_fd_wait(self, b->rfd, COGEN_READABLE, deadline);
    case 4: return cogen_task_join(self, 1, deadline, NULL); /* task 1 sleeps long */
    case 5: return cogen_chan_recv(self, b->empty, &v, deadline);
    case 6: return cogen_chan_send(self, b->full, NULL, deadline);
    case 7: return cogen_select(self, two, 2, deadline, &at);
    case 8: return cogen_task_offload(self, slow_job, NULL, NULL, deadline);
    case 9: {
        int rc = cogen_connect_tcp(self, "127.0.0.1", b->full_port, &fd, deadline);
        if (rc == 0)
            cogen_fd_close(cogen_sched_current(), fd);
        return rc;
    }
    case 10: {
        const char *line;
        size_t len;
        return cogen_read_line(self, b->lines, &line, &len, deadline);
    }
    default: return COGEN_EINVAL;
    }
}
enum { NCALLS = 11 };

static void *times_out(cogen *self, void *arg)
{
    blocking *b = arg;
    for (int which = 0; which < NCALLS; which++) {
        int rc = block_in(self, b, which, cogen_deadline_ms(2));
        if (rc != COGEN_ETIMEDOUT)
            fprintf(stderr, "blocking call %d: %s\n", which, cogen_strerror(rc));
        CHECK_EQ_INT(rc, COGEN_ETIMEDOUT);
    }
    /* A deadline already passed still times out, without waiting. */
    CHECK_EQ_INT(block_in(self, b, 0, 0), COGEN_ETIMEDOUT);
    return NULL;
}

typedef struct killed_in {
    blocking *b;
    int which;
} killed_in;

static void *blocks_until_killed(cogen *self, void *arg)
{
    killed_in *k = arg;
    cogen_defer(self, count_cleanup, NULL);
    CHECK_EQ_INT(block_in(self, k->b, k->which, COGEN_NEVER), COGEN_EXIT);
    return NULL;
}

static cogen_tid timing_out; /* kills_each waits for it: they share the fds */

static void *kills_each(cogen *self, void *arg)
{
    blocking *b = arg;
    cogen_sched *s = cogen_sched_current();
    CHECK_EQ_INT(cogen_task_join(self, timing_out, cogen_deadline_ms(10000), NULL), 0);
    for (int which = 0; which < NCALLS; which++) {
        killed_in k = {b, which};
        cogen_tid t = cogen_spawn(s, blocks_until_killed, &k, NULL);
        CHECK_EQ_INT(cogen_task_yield(self), 0); /* it blocks */
        CHECK_EQ_INT(cogen_task_yield(self), 0);
        CHECK_EQ_INT(cogen_task_kill(self, t), 0);
        cogen_task_end end;
        CHECK_EQ_INT(cogen_task_join(self, t, COGEN_NEVER, &end), 0);
        CHECK_EQ_INT(end.code, COGEN_EKILLED);
        CHECK_EQ_INT(cleanups, which + 1);
    }
    return NULL;
}

static void *sleeps_long(cogen *self, void *arg)
{
    (void)arg;
    cogen_sleep(self, cogen_deadline_ms(60000));
    return NULL;
}

static void setup_blocking(blocking *b)
{
    uint16_t port;
    CHECK_EQ_INT(cogen_listen_tcp("127.0.0.1", 0, 8, 0, &b->lfd, &port), 0);
    int empty[2], full[2];
    CHECK(pipe(empty) == 0 && pipe(full) == 0);
    b->rfd = empty[0];
    b->rfd_peer = empty[1];
    b->wfd = full[1];
    b->wfd_peer = full[0];
    /* Fill the second pipe so that a write blocks. */
    char junk[4096] = {0};
    CHECK(fcntl(b->wfd, F_SETFL, O_NONBLOCK) == 0);
    while (write(b->wfd, junk, sizeof junk) > 0)
        ;
    b->empty = cogen_chan_new(4);
    b->full = cogen_chan_new(0);
    CHECK(b->empty && b->full);
    b->lines = cogen_reader_new(b->rfd, 0);
    CHECK(b->lines != NULL);
    /* A backlog of 1 holds two connections; the others' SYNs are dropped
     * and retried, so a connect made now waits. */
    CHECK_EQ_INT(cogen_listen_tcp("127.0.0.1", 0, 1, 0, &b->full_lfd, &b->full_port), 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons(b->full_port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int i = 0; i < 4; i++) {
        b->pending[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        CHECK(b->pending[i] >= 0);
        connect(b->pending[i], (struct sockaddr *)&a, sizeof a); /* EINPROGRESS or done */
    }
}

static void teardown_blocking(cogen_sched *s, blocking *b)
{
    cogen_fd_close(s, b->lfd);
    cogen_fd_close(s, b->rfd);
    cogen_fd_close(s, b->wfd);
    close(b->rfd_peer);
    close(b->wfd_peer);
    cogen_chan_free(b->empty);
    cogen_chan_free(b->full);
    cogen_reader_free(b->lines);
    for (int i = 0; i < 4; i++)
        close(b->pending[i]);
    cogen_fd_close(s, b->full_lfd);
}

static void *waits_for_both_then_ends_task_1(cogen *self, void *arg)
{
    CHECK_EQ_INT(cogen_task_join(self, *(cogen_tid *)arg, cogen_deadline_ms(10000), NULL), 0);
    CHECK_EQ_INT(cogen_task_kill(self, 1), 0);
    return NULL;
}

TEST(every_blocking_call_times_out_and_can_be_killed)
{
    cogen_sched *s = new_sched();
    blocking b;
    setup_blocking(&b);
    CHECK_EQ_INT(cogen_spawn(s, sleeps_long, NULL, NULL), 1);
    cleanups = 0;
    timing_out = cogen_spawn(s, times_out, &b, NULL);
    cogen_tid killer = cogen_spawn(s, kills_each, &b, NULL);
    cogen_spawn(s, waits_for_both_then_ends_task_1, &killer, NULL);
    CHECK_EQ_INT(cogen_sched_run(s), 0);
    CHECK_EQ_INT(cleanups, NCALLS);
    teardown_blocking(s, &b);
    cogen_sched_free(s);
}

/* ---- read_line */

static void *reads_lines(cogen *self, void *arg)
{
    int fd = *(int *)arg;
    cogen_reader *r = cogen_reader_new(fd, 8);
    CHECK(r != NULL);
    const char *line;
    size_t len;
    CHECK_EQ_INT(cogen_read_line(self, r, &line, &len, cogen_deadline_ms(5000)), 0);
    CHECK_EQ_INT(len, 3);
    CHECK(memcmp(line, "ab\n", 3) == 0);
    CHECK_EQ_INT(cogen_read_line(self, r, &line, &len, cogen_deadline_ms(5000)), 0);
    CHECK_EQ_INT(len, 1);
    CHECK_EQ_INT(cogen_read_line(self, r, &line, &len, cogen_deadline_ms(5000)), 0);
    CHECK_EQ_INT(len, 4); /* the last line, without its "\n" */
    CHECK(memcmp(line, "tail", 4) == 0);
    CHECK_EQ_INT(cogen_read_line(self, r, &line, &len, cogen_deadline_ms(5000)), COGEN_EEOF);
    cogen_reader_free(r);
    return NULL;
}

static void *reads_a_long_line(cogen *self, void *arg)
{
    int fd = *(int *)arg;
    cogen_reader *r = cogen_reader_new(fd, 8);
    const char *line;
    size_t len;
    CHECK_EQ_INT(cogen_read_line(self, r, &line, &len, cogen_deadline_ms(5000)), COGEN_ELINE);
    CHECK_EQ_INT(cogen_read_line(self, r, &line, &len, cogen_deadline_ms(5000)), COGEN_ELINE);
    cogen_reader_free(r);
    return NULL;
}

static void *writes_slowly(cogen *self, void *arg)
{
    int fd = *(int *)arg;
    static const char *const parts[] = {"a", "b\n\nta", "il"};
    for (int i = 0; i < 3; i++) {
        CHECK_EQ_INT(cogen_sleep(self, cogen_deadline_ms(1)), 0);
        CHECK_EQ_INT(cogen_write_all(self, fd, parts[i], strlen(parts[i]), NULL, COGEN_NEVER), 0);
    }
    cogen_fd_close(cogen_sched_current(), fd);
    return NULL;
}

TEST(read_line_in_pieces_with_limits)
{
    cogen_sched *s = new_sched();
    int p[2];
    CHECK(pipe(p) == 0);
    cogen_spawn(s, reads_lines, &p[0], NULL);
    cogen_spawn(s, writes_slowly, &p[1], NULL);
    CHECK_EQ_INT(cogen_sched_run(s), 0);
    cogen_fd_close(s, p[0]);
    CHECK(pipe(p) == 0);
    CHECK(write(p[1], "0123456789\n", 11) == 11);
    cogen_spawn(s, reads_a_long_line, &p[0], NULL);
    CHECK_EQ_INT(cogen_sched_run(s), 0);
    cogen_fd_close(s, p[0]);
    close(p[1]);
    cogen_sched_free(s);
}

/* ---- helper threads */

typedef struct job {
    pthread_t ran_on;
    int value;
} job;

static void job_fn(void *arg)
{
    job *j = arg;
    j->ran_on = pthread_self();
    j->value = 42;
}

static void *offloads(cogen *self, void *arg)
{
    (void)arg;
    job j = {0};
    CHECK_EQ_INT(cogen_task_offload(self, job_fn, &j, NULL, cogen_deadline_ms(5000)), 0);
    CHECK_EQ_INT(j.value, 42);
    CHECK(!pthread_equal(j.ran_on, pthread_self()));
    return NULL;
}

static int released;

static void release_job(void *arg)
{
    free(arg);
    __atomic_add_fetch(&released, 1, __ATOMIC_SEQ_CST);
}

static void *abandons_a_job(cogen *self, void *arg)
{
    (void)arg;
    void *mem = malloc(16);
    CHECK_EQ_INT(cogen_task_offload(self, slow_job, mem, release_job, cogen_deadline_ms(1)),
                 COGEN_ETIMEDOUT);
    return NULL;
}

TEST(blocking_calls_run_on_helper_threads)
{
    cogen_sched *s = new_sched();
    for (int i = 0; i < 4; i++)
        cogen_spawn(s, offloads, NULL, NULL);
    released = 0;
    cogen_spawn(s, abandons_a_job, NULL, NULL);
    CHECK_EQ_INT(cogen_sched_run(s), 0);
    cogen_sched_free(s); /* waits for the abandoned job */
    CHECK_EQ_INT(__atomic_load_n(&released, __ATOMIC_SEQ_CST), 1);
}

/* ---- two schedulers on two threads, one port (SO_REUSEPORT) each */

static void *serve_and_check(void *arg)
{
    (void)arg;
    cogen_sched *s = new_sched();
    server sv = {0};
    CHECK_EQ_INT(cogen_listen_tcp("127.0.0.1", 0, 64, COGEN_REUSEPORT, &sv.lfd, &sv.port), 0);
    sv.clients_left = 8;
    cogen_spawn(s, acceptor, &sv, NULL);
    for (int i = 0; i < 8; i++)
        cogen_spawn(s, client, &sv, NULL);
    CHECK_EQ_INT(cogen_sched_run(s), 0);
    cogen_sched_free(s);
    return NULL;
}

TEST(two_schedulers_on_two_threads)
{
    pthread_t a, b;
    CHECK(pthread_create(&a, NULL, serve_and_check, NULL) == 0);
    CHECK(pthread_create(&b, NULL, serve_and_check, NULL) == 0);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
}

static void *sleeps_n_ms_dummy(cogen *self, void *arg)
{
    (void)self;
    return arg;
}

static void *stops_other(void *arg)
{
    usleep(2000);
    /* Only stop may come from another thread while it runs. */
    CHECK_EQ_INT(cogen_spawn(arg, sleeps_n_ms_dummy, NULL, NULL), COGEN_EBUSY);
    CHECK_EQ_INT(cogen_fd_close(arg, 0), COGEN_EBUSY);
    CHECK_EQ_INT(cogen_sched_run(arg), COGEN_EBUSY);
    CHECK_EQ_INT(cogen_sched_kill(arg, 1), COGEN_EBUSY);
    cogen_sched_stop(arg);
    return NULL;
}

static pthread_t stopper;

/* Starts the thread that stops the scheduler once it is blocked. */
static void *sleeps_for_ever(cogen *self, void *arg)
{
    (void)arg;
    CHECK(pthread_create(&stopper, NULL, stops_other, cogen_sched_current()) == 0);
    cogen_sleep(self, COGEN_NEVER);
    return NULL;
}

TEST(stop_from_another_thread_wakes_a_waiting_scheduler)
{
    cogen_sched *s = new_sched();
    int p[2];
    CHECK(pipe(p) == 0);
    cogen_spawn(s, reads_until_closed, &p[0], NULL);
    cogen_spawn(s, sleeps_for_ever, NULL, NULL);
    CHECK_EQ_INT(cogen_sched_run(s), 0);
    pthread_join(stopper, NULL);
    CHECK_EQ_INT(cogen_sched_tasks(s), 2);
    cogen_fd_close(s, p[0]);
    close(p[1]);
    /* The reader ends; the sleeper can never wake. */
    CHECK_EQ_INT(cogen_sched_run(s), COGEN_EDEADLOCK);
    CHECK_EQ_INT(cogen_sched_tasks(s), 1);
    cogen_sched_free(s);
}

/* ---- a closed fd's number, reused, starts clean */

static void *sees_a_fresh_fd(cogen *self, void *arg)
{
    (void)arg;
    cogen_sched *s = cogen_sched_current();
    int a[2], b[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, a) == 0);
    CHECK(write(a[1], "x", 1) == 1);
    /* Registering a[0] reports it readable and writable; only the writer
     * waits, so "readable" stays remembered in its slot. */
    CHECK_EQ_INT(cogen_fd_wait(self, a[0], COGEN_WRITABLE, cogen_deadline_ms(5000)), 0);
    int number = a[0];
    CHECK_EQ_INT(cogen_fd_close(s, a[0]), 0);
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, b) == 0);
    CHECK_EQ_INT(b[0], number); /* the lowest free number comes back */
    /* Nothing to read on the new socket: the old readiness must not leak. */
    CHECK_EQ_INT(cogen_fd_wait(self, b[0], COGEN_READABLE, cogen_deadline_ms(5)), COGEN_ETIMEDOUT);
    cogen_fd_close(s, b[0]);
    close(b[1]);
    close(a[1]);
    return NULL;
}

TEST(a_reused_fd_number_starts_clean)
{
    cogen_sched *s = new_sched();
    cogen_spawn(s, sees_a_fresh_fd, NULL, NULL);
    CHECK_EQ_INT(cogen_sched_run(s), 0);
    cogen_sched_free(s);
}
