/* SPDX-License-Identifier: MIT */
/* Thread and parallel stages: ordering, backpressure, close while busy,
 * errors coming back, every failure point. Run under TSan in CI. */
#include <cogen.h>
#include <cogen/pipe.h>
#include <cogen/stage.h>

#include "harness.h"
#include "walk.h"
#include "shared.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

static void sleep_us(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

/* ---- a recording target: integers in order, the thread it ran on */

typedef struct recorder {
    long got[4096];
    size_t n;
    pthread_t thread;
    bool other_thread; /* every item arrived on a thread not the creator's */
    bool closed;
    long slow_us; /* sleep per item */
    long fail_at; /* raise 42 at this item (-1: never) */
    long end_at;  /* return at this item (-1: never) */
} recorder;

static void *recorder_body(cogen *self, void *arg)
{
    recorder *r = arg;
    r->other_thread = true;
    for (;;) {
        void *v;
        int k = cogen_yield(self, NULL, &v);
        if (k == COGEN_EXIT) {
            r->closed = true;
            return NULL;
        }
        if (k != COGEN_SENT)
            cogen_reraise(self);
        if (pthread_equal(pthread_self(), r->thread))
            r->other_thread = false;
        if (r->slow_us)
            sleep_us(r->slow_us);
        if ((long)r->n == r->fail_at)
            cogen_raise(self, 42, "recorder failed at item %zu", r->n);
        if ((long)r->n == r->end_at)
            return NULL;
        if (r->n < sizeof r->got / sizeof r->got[0])
            r->got[r->n] = (long)(intptr_t)v;
        r->n++;
    }
}

static cogen *new_recorder(recorder *r, const char *name)
{
    memset(r, 0, sizeof *r);
    r->thread = pthread_self();
    r->fail_at = r->end_at = -1;
    cogen_opts o = {0, name, COGEN_PRIMED};
    cogen *g = cogen_new(recorder_body, r, &o);
    CHECK(g != NULL);
    return g;
}

static const cogen_stage_opts by_value = {0, 0, NULL, NULL, NULL, COGEN_STAGE_BY_VALUE};

static void send_ints(cogen *g, long from, long to)
{
    for (long i = from; i < to; i++)
        CHECK_EQ_INT(cogen_send(g, V(i), NULL), COGEN_YIELDED);
}

TEST(thread_stage_keeps_order_and_closes_target_on_its_thread)
{
    recorder r;
    cogen *target = new_recorder(&r, "recorder");
    cogen_stage_opts o = by_value;
    o.capacity = 16;
    o.batch = 5;
    cogen *t = cogen_stage_thread("worker", target, &o);
    CHECK(t != NULL);
    CHECK_EQ_INT(cogen_getstate(t), COGEN_SUSPENDED);
    CHECK_STR(cogen_name(t), "worker");
    send_ints(t, 0, 3000);
    CHECK_EQ_INT(cogen_close(t), 0);
    /* Joined: everything delivered, in order, on the worker; target closed
     * there. */
    CHECK_EQ_INT(r.n, 3000);
    for (long i = 0; i < 3000; i++)
        CHECK_EQ_INT(r.got[i], i);
    CHECK(r.other_thread);
    CHECK(r.closed);
    CHECK_EQ_INT(cogen_getstate(target), COGEN_CLOSED);
    cogen_free(t);
    cogen_free(target);
}

TEST(thread_stage_copies_lines_by_default)
{
    cogen_pipe *p = cogen_pipe_new(), *down = cogen_pipe_new();
    cogen_strlist got = {0};
    cogen *c = cogen_pipe_collect(down, "collect", &got);
    cogen *t = cogen_stage_thread(NULL, c, NULL);
    CHECK(t != NULL);
    CHECK_STR(cogen_name(t), "thread");
    static const char text[] = "alpha\nbeta\n\ngamma\r\nlast";
    /* A batch of 2 lines per send: the stage copies each line. */
    cogen *ub = cogen_pipe_unbatch(p, "unbatch", t);
    cogen_source_opts so = {0};
    so.batch = 2;
    CHECK_EQ_INT(cogen_pipe_feed_mem(p, text, sizeof text - 1, ub, &so), 5);
    CHECK_EQ_INT(cogen_getstate(t), COGEN_CLOSED);
    CHECK_EQ_INT(got.n, 5);
    const char *want[] = {"alpha", "beta", "", "gamma", "last"};
    for (size_t i = 0; i < 5; i++)
        CHECK_STR(got.v[i].ptr, want[i]);
    cogen_pipe_free(p);
    cogen_free(t);
    cogen_pipe_free(down);
    cogen_strlist_free(&got);
}

/* ---- counting copies: how many item copies are alive at once */

typedef struct counter {
    atomic_long live, max_live, copies;
} counter;

static void *count_copy(void *item, void *ud)
{
    counter *c = ud;
    long now = atomic_fetch_add(&c->live, 1) + 1;
    long m = atomic_load(&c->max_live);
    while (now > m && !atomic_compare_exchange_weak(&c->max_live, &m, now))
        ;
    atomic_fetch_add(&c->copies, 1);
    return item;
}

static void count_release(void *item, void *ud)
{
    (void)item;
    counter *c = ud;
    atomic_fetch_sub(&c->live, 1);
}

TEST(thread_stage_backpressure_bounds_memory_with_a_slow_consumer)
{
    recorder r;
    cogen *target = new_recorder(&r, "slow");
    r.slow_us = 100;
    counter cnt = {0};
    cogen_stage_opts o = {8, 2, count_copy, count_release, &cnt, 0};
    cogen *t = cogen_stage_thread("bounded", target, &o);
    CHECK(t != NULL);
    send_ints(t, 1, 401); /* not 0: a NULL copy means out of memory */
    CHECK_EQ_INT(cogen_close(t), 0);
    CHECK_EQ_INT(r.n, 400);
    for (long i = 0; i < 400; i++)
        CHECK_EQ_INT(r.got[i], i + 1);
    /* capacity + the sender's batch + the worker's batch */
    CHECK(atomic_load(&cnt.max_live) <= 8 + 2 + 2);
    /* The consumer is ~100x slower than the sender: the queue filled up
     * (the bound above was reached through waiting, not by luck). */
    CHECK(atomic_load(&cnt.max_live) >= 8);
    CHECK_EQ_INT(atomic_load(&cnt.live), 0);
    CHECK_EQ_INT(atomic_load(&cnt.copies), 400);
    cogen_free(t);
    cogen_free(target);
}

TEST(thread_stage_close_while_the_worker_is_busy_delivers_everything)
{
    recorder r;
    cogen *target = new_recorder(&r, "busy");
    r.slow_us = 2000;
    cogen_stage_opts o = by_value;
    o.batch = 1;
    cogen *t = cogen_stage_thread("busy-stage", target, &o);
    send_ints(t, 0, 30);
    /* The worker is inside its first sends: close waits for the rest. */
    CHECK_EQ_INT(cogen_close(t), 0);
    CHECK_EQ_INT(r.n, 30);
    CHECK(r.closed);
    /* Freeing without closing closes (and joins) too. */
    recorder r2;
    cogen *target2 = new_recorder(&r2, "busy2");
    r2.slow_us = 1000;
    cogen *t2 = cogen_stage_thread("freed", target2, &o);
    send_ints(t2, 0, 10);
    cogen_free(t2);
    CHECK_EQ_INT(r2.n, 10);
    CHECK(r2.closed);
    cogen_free(t);
    cogen_free(target);
    cogen_free(target2);
}

TEST(thread_stage_error_in_target_comes_back_with_the_stage_name)
{
    cogen_pipe *p = cogen_pipe_new();
    recorder r;
    cogen *target = new_recorder(&r, "recorder");
    r.fail_at = 10;
    cogen_stage_opts o = {4, 2, NULL, NULL, NULL, 0}; /* lines, copied */
    cogen *t = cogen_stage_thread("worker", target, &o);
    cogen *g = cogen_pipe_grep(p, "grep", "", t);
    static char text[8000];
    for (int i = 0; i < 1000; i++)
        memcpy(text + 8 * i, "line-xx\n", 8);
    CHECK_EQ_INT(cogen_pipe_feed_mem(p, text, sizeof text, g, NULL), COGEN_ERROR);
    const cogen_err *e = cogen_pipe_error(p);
    CHECK_EQ_INT(e->code, 42);
    CHECK_STR(e->where, "worker");
    CHECK(strstr(e->msg, "recorder failed at item 10") != NULL);
    CHECK(strstr(e->msg, "'recorder'") != NULL);
    /* The pipeline stopped: the worker did not go on after the error. */
    CHECK_EQ_INT(r.n, 10);
    CHECK_EQ_INT(cogen_getstate(t), COGEN_CLOSED);
    CHECK_EQ_INT(cogen_getstate(g), COGEN_CLOSED);
    CHECK_EQ_INT(cogen_last_error(t)->code, 42);
    cogen_pipe_free(p);
    cogen_free(t);
    cogen_free(target);
}

TEST(thread_stage_reports_a_target_that_ended_and_an_error_at_close)
{
    recorder r;
    cogen *target = new_recorder(&r, "short");
    r.end_at = 3;
    cogen_stage_opts o = by_value;
    o.batch = 1;
    cogen *t = cogen_stage_thread("s", target, &o);
    int rc = COGEN_YIELDED;
    for (long i = 0; i < 100000 && rc == COGEN_YIELDED; i++)
        rc = cogen_send(t, V(i), NULL);
    if (rc == COGEN_YIELDED) /* the error may wait for the close */
        rc = cogen_close(t);
    CHECK_EQ_INT(rc, COGEN_ERROR);
    CHECK_EQ_INT(cogen_last_error(t)->code, COGEN_EPIPE);
    CHECK_STR(cogen_last_error(t)->where, "s");
    cogen_free(t);
    cogen_free(target);

    /* A sink whose flush fails: the close of the stage fails with it. */
    recorder r2;
    cogen *target2 = new_recorder(&r2, "late");
    r2.fail_at = 2;
    cogen *t2 = cogen_stage_thread("s2", target2, &o);
    send_ints(t2, 0, 2);
    CHECK_EQ_INT(cogen_send(t2, V(2), NULL), COGEN_YIELDED); /* fails on the worker */
    CHECK_EQ_INT(cogen_close(t2), COGEN_ERROR);
    CHECK_EQ_INT(cogen_last_error(t2)->code, 42);
    cogen_free(t2);
    cogen_free(target2);
}

TEST(thread_stage_rejects_bad_arguments)
{
    errno = 0;
    CHECK(cogen_stage_thread("x", NULL, NULL) == NULL);
    CHECK_EQ_INT(errno, EINVAL);
    errno = 0;
    CHECK(cogen_stage_parallel("x", 0, NULL, NULL, NULL, NULL, NULL) == NULL);
    CHECK_EQ_INT(errno, EINVAL);
}

/* ---- parallel */

static void *square_slowly(void *item, void *ud)
{
    (void)ud;
    long v = (long)(intptr_t)item;
    if (v % 7 == 0)
        sleep_us(200);   /* some items take longer: workers overtake */
    return V(v * v + 1); /* never NULL */
}

TEST(parallel_ordered_keeps_the_order_of_the_items)
{
    recorder r;
    cogen *target = new_recorder(&r, "recorder");
    cogen_stage_opts o = by_value;
    o.capacity = 16;
    o.flags |= COGEN_STAGE_ORDERED;
    cogen *ps = cogen_stage_parallel("squares", 3, square_slowly, NULL, NULL, target, &o);
    CHECK(ps != NULL);
    send_ints(ps, 0, 2000);
    CHECK_EQ_INT(cogen_close(ps), 0);
    CHECK_EQ_INT(r.n, 2000);
    for (long i = 0; i < 2000; i++)
        CHECK_EQ_INT(r.got[i], i * i + 1);
    /* Results are sent on the sender's thread. */
    CHECK(!r.other_thread);
    CHECK(r.closed);
    cogen_free(ps);
    cogen_free(target);
}

/* Item 0 finishes only once the result of item 1 has reached the target:
 * possible only if results are not held back for order. */
typedef struct overtake {
    atomic_bool one_delivered;
    bool waited_out;
} overtake;

static void *wait_for_one(void *item, void *ud)
{
    overtake *ov = ud;
    if (item == V(0)) {
        for (int i = 0; i < 10000 && !atomic_load(&ov->one_delivered); i++)
            sleep_us(1000);
        ov->waited_out = !atomic_load(&ov->one_delivered);
    }
    return V((long)(intptr_t)item + 100);
}

static void *overtake_sink(cogen *self, void *arg)
{
    overtake *ov = arg;
    void *v;
    long order[2], n = 0;
    while (cogen_yield(self, NULL, &v) == COGEN_SENT) {
        if (v == V(101))
            atomic_store(&ov->one_delivered, true);
        if (n < 2)
            order[n] = (long)(intptr_t)v;
        n++;
    }
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(order[0], 101);
    CHECK_EQ_INT(order[1], 100);
    return NULL;
}

TEST(parallel_unordered_does_not_hold_results_back)
{
    overtake ov = {0};
    cogen_opts go = {0, "sink", COGEN_PRIMED};
    cogen *sink = cogen_new(overtake_sink, &ov, &go);
    cogen *ps = cogen_stage_parallel("free", 2, wait_for_one, NULL, &ov, sink, &by_value);
    send_ints(ps, 0, 2);
    CHECK_EQ_INT(cogen_close(ps), 0);
    CHECK(!ov.waited_out);
    CHECK_EQ_INT(cogen_getstate(sink), COGEN_CLOSED);
    cogen_free(ps);
    cogen_free(sink);
}

static void *upper_line(void *item, void *ud)
{
    counter *c = ud;
    const cogen_str *l = item;
    char *s = malloc(l->len + 1);
    CHECK(s != NULL);
    for (size_t i = 0; i < l->len; i++)
        s[i] = (char)(l->ptr[i] >= 'a' && l->ptr[i] <= 'z' ? l->ptr[i] - 32 : l->ptr[i]);
    s[l->len] = '\0';
    cogen_str *out = malloc(sizeof *out);
    CHECK(out != NULL);
    *out = (cogen_str){s, l->len};
    if (c)
        atomic_fetch_add(&c->live, 1);
    return out;
}

static void free_upper(void *result, void *ud)
{
    counter *c = ud;
    cogen_str *s = result;
    free((void *)s->ptr);
    free(s);
    if (c)
        atomic_fetch_sub(&c->live, 1);
}

TEST(parallel_unordered_delivers_every_result_of_copied_lines)
{
    cogen_pipe *p = cogen_pipe_new(), *down = cogen_pipe_new();
    cogen_strlist got = {0};
    cogen *c = cogen_pipe_collect(down, "collect", &got);
    counter results = {0};
    cogen *ps = cogen_stage_parallel("upper", 4, upper_line, free_upper, &results, c, NULL);
    CHECK(ps != NULL);
    char text[4000];
    size_t len = 0;
    for (int i = 0; i < 300; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, "l%d\n", i);
    CHECK_EQ_INT(cogen_pipe_feed_mem(p, text, len, ps, NULL), 300);
    CHECK_EQ_INT(got.n, 300);
    bool seen[300] = {0};
    for (size_t i = 0; i < got.n; i++) {
        int k = atoi(got.v[i].ptr + 1);
        CHECK(got.v[i].ptr[0] == 'L' && k >= 0 && k < 300 && !seen[k]);
        seen[k] = true;
    }
    CHECK_EQ_INT(atomic_load(&results.live), 0);
    cogen_pipe_free(p);
    cogen_free(ps);
    cogen_pipe_free(down);
    cogen_strlist_free(&got);
}

TEST(parallel_backpressure_bounds_items_in_flight)
{
    recorder r;
    cogen *target = new_recorder(&r, "recorder");
    counter cnt = {0};
    cogen_stage_opts o = {4, 0, count_copy, count_release, &cnt, COGEN_STAGE_ORDERED};
    cogen *ps = cogen_stage_parallel("bounded", 2, square_slowly, NULL, NULL, target, &o);
    send_ints(ps, 1, 501);
    CHECK_EQ_INT(cogen_close(ps), 0);
    CHECK_EQ_INT(r.n, 500);
    /* capacity in flight, plus the copy made before waiting for room */
    CHECK(atomic_load(&cnt.max_live) <= 4 + 1);
    CHECK_EQ_INT(atomic_load(&cnt.live), 0);
    cogen_free(ps);
    cogen_free(target);
}

static void *fail_at_77(void *item, void *ud)
{
    (void)ud;
    if (item == V(77))
        cogen_raise(cogen_current(), 77, "cannot take item %d", 77);
    return item == V(0) ? NULL : item; /* NULL results are dropped */
}

TEST(parallel_error_in_a_worker_comes_back_and_closes_the_target)
{
    for (unsigned flags = 0; flags <= COGEN_STAGE_ORDERED; flags += COGEN_STAGE_ORDERED) {
        recorder r;
        cogen *target = new_recorder(&r, "recorder");
        cogen_stage_opts o = by_value;
        o.flags |= flags;
        o.capacity = 8;
        cogen *ps = cogen_stage_parallel("workers", 3, fail_at_77, NULL, NULL, target, &o);
        int rc = COGEN_YIELDED;
        for (long i = 0; i < 100000 && rc == COGEN_YIELDED; i++)
            rc = cogen_send(ps, V(i), NULL);
        if (rc == COGEN_YIELDED)
            rc = cogen_close(ps);
        CHECK_EQ_INT(rc, COGEN_ERROR);
        const cogen_err *e = cogen_last_error(ps);
        CHECK_EQ_INT(e->code, 77);
        CHECK_STR(e->where, "workers");
        CHECK(strstr(e->msg, "cannot take item 77") != NULL);
        CHECK(r.closed);
        for (size_t i = 0; flags && i < r.n; i++)
            CHECK_EQ_INT(r.got[i], (long)i + 1); /* in order, 0 dropped */
        cogen_free(ps);
        cogen_free(target);
    }
}

/* ---- every failure point */

static bool injected(int code)
{
    return code == COGEN_ENOMEM || code == COGEN_EIO;
}

static outcome thread_everything(void)
{
    static const char text[] = "a\nbb\nccc\ndddd\ne\nf\ng\n";
    cogen_pipe *p = cogen_pipe_new();
    cogen_pipe *down = cogen_pipe_new();
    if (!p || !down) {
        cogen_pipe_free(p);
        cogen_pipe_free(down);
        return FAILED_CLEANLY;
    }
    cogen_strlist got = {0};
    outcome o = RESULT_RIGHT;
    cogen *c = cogen_pipe_collect(down, "collect", &got);
    cogen_stage_opts so = {4, 2, NULL, NULL, NULL, 0};
    errno = ENOMEM;
    cogen *t = c ? cogen_stage_thread("t", c, &so) : NULL;
    if (!t) {
        if (getenv("WALK_TRACE"))
            fprintf(stderr, "constructor: %s\n", strerror(errno));
        CHECK(errno == ENOMEM || errno == EAGAIN);
        o = FAILED_CLEANLY;
    } else {
        long long n = cogen_pipe_feed_mem(p, text, sizeof text - 1, t, NULL);
        if (n < 0) {
            CHECK(injected(cogen_pipe_error(p)->code));
            o = FAILED_CLEANLY;
        } else {
            CHECK_EQ_INT(n, 7);
            CHECK_EQ_INT(got.n, 7);
            CHECK_STR(got.v[3].ptr, "dddd");
            CHECK_EQ_INT(cogen_getstate(t), COGEN_CLOSED);
        }
    }
    cogen_pipe_free(p);
    cogen_free(t);
    cogen_pipe_free(down);
    cogen_strlist_free(&got);
    return o;
}

TEST(thread_stage_walk_every_failure_point)
{
    /* The stage's three arrays and its struct, the thread, its generator's
     * stack and cleanup, the line copies, the collect stage and the
     * pipes: fewer means a site stopped asking the injector. */
    CHECK(walk(thread_everything) >= 18);
}

static void *keep(void *item, void *ud)
{
    (void)ud;
    return item;
}

static outcome parallel_everything(void)
{
    recorder r;
    memset(&r, 0, sizeof r);
    r.thread = pthread_self();
    r.fail_at = r.end_at = -1;
    cogen_opts go = {0, "recorder", COGEN_PRIMED};
    cogen *target = cogen_new(recorder_body, &r, &go);
    if (!target)
        return FAILED_CLEANLY;
    cogen_stage_opts o = by_value;
    o.capacity = 4;
    o.flags = COGEN_STAGE_BY_VALUE | COGEN_STAGE_ORDERED;
    errno = 0;
    cogen *ps = cogen_stage_parallel("par", 2, keep, NULL, NULL, target, &o);
    outcome out = RESULT_RIGHT;
    if (!ps) {
        CHECK(errno == ENOMEM || errno == EAGAIN);
        out = FAILED_CLEANLY;
    } else {
        send_ints(ps, 1, 20);
        CHECK_EQ_INT(cogen_close(ps), 0);
        CHECK_EQ_INT(r.n, 19);
        for (long i = 0; i < 19; i++)
            CHECK_EQ_INT(r.got[i], i + 1);
    }
    cogen_free(ps);
    cogen_free(target);
    return out;
}

TEST(parallel_walk_every_failure_point)
{
    /* The struct, its four arrays, the two worker threads, the recorder's
     * and the stage's generators (stacks come from the warm per-thread
     * cache, which does not fail). */
    CHECK(walk(parallel_everything) >= 7);
}
