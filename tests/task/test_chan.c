/* SPDX-License-Identifier: MIT */
/* Channels and select: order, capacity, close under senders and
 * receivers, select over channels and fds, fairness. */
#include <cogen/task.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static cogen_sched *new_sched(void)
{
    cogen_sched *s = cogen_sched_new(NULL);
    CHECK(s != NULL);
    return s;
}

typedef struct pc {
    cogen_chan *c;
    int n;
    int got[256];
    int ngot;
    int end; /* what the receiver saw at the end */
} pc;

static void *producer(cogen *self, void *arg)
{
    pc *p = arg;
    for (int i = 1; i <= p->n; i++)
        CHECK_EQ_INT(cogen_chan_send(self, p->c, V(i), cogen_deadline_ms(5000)), 0);
    CHECK_EQ_INT(cogen_chan_close(p->c), 0);
    CHECK_EQ_INT(cogen_chan_close(p->c), COGEN_ECLOSED);
    CHECK_EQ_INT(cogen_chan_send(self, p->c, V(0), COGEN_NEVER), COGEN_ECLOSED);
    return NULL;
}

static void *consumer(cogen *self, void *arg)
{
    pc *p = arg;
    void *v;
    int rc;
    while ((rc = cogen_chan_recv(self, p->c, &v, cogen_deadline_ms(5000))) == 0)
        p->got[p->ngot++] = I(v);
    p->end = rc;
    return NULL;
}

static void run_pc(size_t cap, int n)
{
    cogen_sched *s = new_sched();
    pc p = {0};
    p.c = cogen_chan_new(cap);
    p.n = n;
    CHECK(p.c != NULL);
    cogen_spawn(s, consumer, &p, NULL);
    cogen_spawn(s, producer, &p, NULL);
    CHECK_EQ_INT(cogen_sched_run(s), 0);
    CHECK_EQ_INT(p.ngot, n);
    for (int i = 0; i < n; i++)
        CHECK_EQ_INT(p.got[i], i + 1);
    CHECK_EQ_INT(p.end, COGEN_ECLOSED);
    cogen_chan_free(p.c);
    cogen_sched_free(s);
}

TEST(values_arrive_in_order_at_every_capacity)
{
    run_pc(0, 100);
    run_pc(1, 100);
    run_pc(7, 100);
    run_pc(COGEN_UNBOUNDED, 200);
}

static void *fills_unbounded(cogen *self, void *arg)
{
    cogen_chan *c = arg;
    for (int i = 0; i < 1000; i++)
        CHECK_EQ_INT(cogen_chan_send(self, c, V(i), 0), 0); /* never waits */
    CHECK_EQ_INT(cogen_chan_len(c), 1000);
    cogen_chan_close(c);
    /* Receivers drain what is left after close. */
    void *v;
    for (int i = 0; i < 1000; i++) {
        CHECK_EQ_INT(cogen_chan_recv(self, c, &v, 0), 0);
        CHECK_EQ_INT(I(v), i);
    }
    CHECK_EQ_INT(cogen_chan_recv(self, c, &v, 0), COGEN_ECLOSED);
    return NULL;
}

TEST(unbounded_never_waits_and_drains_after_close)
{
    cogen_sched *s = new_sched();
    cogen_chan *c = cogen_chan_new(COGEN_UNBOUNDED);
    cogen_spawn(s, fills_unbounded, c, NULL);
    CHECK_EQ_INT(cogen_sched_run(s), 0);
    cogen_chan_free(c);
    cogen_sched_free(s);
}

static int closed_seen;

static void *sends_until_closed(cogen *self, void *arg)
{
    int rc;
    while ((rc = cogen_chan_send(self, arg, V(1), cogen_deadline_ms(5000))) == 0)
        ;
    CHECK_EQ_INT(rc, COGEN_ECLOSED);
    closed_seen++;
    return NULL;
}

static void *receives_until_closed(cogen *self, void *arg)
{
    void *v;
    CHECK_EQ_INT(cogen_chan_recv(self, arg, &v, cogen_deadline_ms(5000)), COGEN_ECLOSED);
    closed_seen++;
    return NULL;
}

static void *closes_after_yields(cogen *self, void *arg)
{
    for (int i = 0; i < 3; i++)
        cogen_task_yield(self);
    CHECK_EQ_INT(cogen_chan_close(arg), 0);
    return NULL;
}

TEST(close_wakes_blocked_senders_and_receivers)
{
    cogen_sched *s = new_sched();
    cogen_chan *full = cogen_chan_new(2), *empty = cogen_chan_new(2);
    closed_seen = 0;
    for (int i = 0; i < 3; i++) {
        cogen_spawn(s, sends_until_closed, full, NULL);
        cogen_spawn(s, receives_until_closed, empty, NULL);
    }
    cogen_spawn(s, closes_after_yields, full, NULL);
    cogen_spawn(s, closes_after_yields, empty, NULL);
    CHECK_EQ_INT(cogen_sched_run(s), 0);
    CHECK_EQ_INT(closed_seen, 6);
    CHECK_EQ_INT(cogen_chan_len(full), 2); /* kept for receivers */
    cogen_chan_free(full);
    cogen_chan_free(empty);
    cogen_sched_free(s);
}

/* ---- select */

typedef struct two {
    cogen_chan *a, *b;
    int from_a, from_b;
} two;

static void *feeds(cogen *self, void *arg)
{
    for (int i = 0; i < 1000; i++)
        if (cogen_chan_send(self, arg, V(i), cogen_deadline_ms(5000)) != 0)
            return NULL;
    return NULL;
}

static void *selects_both(cogen *self, void *arg)
{
    two *t = arg;
    for (int i = 0; i < 1000; i++) {
        cogen_sel ops[2] = {{COGEN_SEL_RECV, t->a, NULL, -1}, {COGEN_SEL_RECV, t->b, NULL, -1}};
        size_t which = 9;
        CHECK_EQ_INT(cogen_select(self, ops, 2, cogen_deadline_ms(5000), &which), 0);
        CHECK(which < 2);
        if (which == 0)
            t->from_a++;
        else
            t->from_b++;
    }
    cogen_chan_close(t->a);
    cogen_chan_close(t->b);
    return NULL;
}

TEST(select_picks_ready_operations_in_turn)
{
    cogen_sched *s = new_sched();
    two t = {cogen_chan_new(16), cogen_chan_new(16), 0, 0};
    cogen_spawn(s, feeds, t.a, NULL);
    cogen_spawn(s, feeds, t.b, NULL);
    cogen_spawn(s, selects_both, &t, NULL);
    CHECK_EQ_INT(cogen_sched_run(s), 0);
    /* Both always ready: neither may starve. */
    CHECK(t.from_a >= 300 && t.from_b >= 300);
    cogen_chan_free(t.a);
    cogen_chan_free(t.b);
    cogen_sched_free(s);
}

typedef struct mixed {
    cogen_chan *c;
    int rfd, wfd;
} mixed;

static void *selects_chan_or_fd(cogen *self, void *arg)
{
    mixed *m = arg;
    cogen_sel ops[3] = {{COGEN_SEL_RECV, m->c, NULL, -1},
                        {COGEN_SEL_READABLE, NULL, NULL, m->rfd},
                        {COGEN_SEL_SEND, m->c, V(7), -1}};
    size_t which;
    /* The channel has no room and no value, the pipe is empty: waits
     * until the pipe gets a byte. */
    CHECK_EQ_INT(cogen_select(self, ops, 2, cogen_deadline_ms(5000), &which), 0);
    CHECK_EQ_INT(which, 1);
    CHECK_EQ_INT(cogen_select(self, ops, 2, cogen_deadline_ms(1), &which), COGEN_ETIMEDOUT);
    cogen_sel bad = {99, NULL, NULL, -1};
    CHECK_EQ_INT(cogen_select(self, &bad, 1, 0, &which), COGEN_EINVAL);
    (void)ops[2];
    return NULL;
}

static void *writes_a_byte(cogen *self, void *arg)
{
    mixed *m = arg;
    CHECK_EQ_INT(cogen_sleep(self, cogen_deadline_ms(1)), 0);
    CHECK_EQ_INT(cogen_write_all(self, m->wfd, "z", 1, NULL, COGEN_NEVER), 0);
    return NULL;
}

TEST(select_over_a_channel_and_an_fd)
{
    cogen_sched *s = new_sched();
    int p[2];
    CHECK(pipe(p) == 0);
    mixed m = {cogen_chan_new(0), p[0], p[1]};
    cogen_spawn(s, selects_chan_or_fd, &m, NULL);
    cogen_spawn(s, writes_a_byte, &m, NULL);
    CHECK_EQ_INT(cogen_sched_run(s), 0);
    cogen_fd_close(s, p[0]);
    cogen_fd_close(s, p[1]);
    cogen_chan_free(m.c);
    cogen_sched_free(s);
}

/* A channel freed (closed) with a receiver still parked on it: the
 * receiver gets "closed", never a dangling wait. */
static void *receives_from_global(cogen *self, void *arg)
{
    void *v;
    CHECK_EQ_INT(cogen_chan_recv(self, arg, &v, COGEN_NEVER), COGEN_ECLOSED);
    closed_seen++;
    return NULL;
}

TEST(freeing_a_channel_wakes_its_waiters)
{
    cogen_sched *s = new_sched();
    cogen_chan *c = cogen_chan_new(1);
    closed_seen = 0;
    cogen_spawn(s, receives_from_global, c, NULL);
    CHECK_EQ_INT(cogen_sched_run(s), COGEN_EDEADLOCK);
    cogen_chan_free(c);
    CHECK_EQ_INT(cogen_sched_run(s), 0);
    CHECK_EQ_INT(closed_seen, 1);
    cogen_sched_free(s);
}
