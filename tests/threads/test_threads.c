/* SPDX-License-Identifier: MIT */
/* Thread rules: each thread has its own current generator; a suspended
 * generator may be resumed from another thread; two threads resuming one
 * generator at once get one run and one "already executing". */
#include "harness.h"
#include "tls_access.h"

#include <cogen.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

/* ---- each thread's own current generator */

static pthread_barrier_t both_inside;

static void *checks_current(cogen *self, void *arg)
{
    (void)arg;
    CHECK(cogen_current() == self);
    pthread_barrier_wait(&both_inside); /* both bodies are running now */
    CHECK(cogen_current() == self);
    cogen_yield(self, V(1), NULL);
    return NULL;
}

static void *run_one(void *arg)
{
    cogen *g = cogen_new(checks_current, NULL, NULL);
    (void)arg;
    CHECK(g != NULL);
    CHECK(cogen_current() == NULL);
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    CHECK(cogen_current() == NULL);
    cogen_free(g);
    return NULL;
}

TEST(each_thread_has_its_own_current)
{
    pthread_t a, b;
    pthread_barrier_init(&both_inside, NULL, 2);
    CHECK(pthread_create(&a, NULL, run_one, NULL) == 0);
    CHECK(pthread_create(&b, NULL, run_one, NULL) == 0);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    pthread_barrier_destroy(&both_inside);
}

/* ---- moving a suspended generator between threads */

/* Each segment (between yields) records which thread ran it and checks
 * that errno and a _Thread_local variable, reached through the accessors,
 * are that thread's own. */
static void *wanderer(cogen *self, void *arg)
{
    void *got = NULL;
    int segments = 0;
    (void)arg;
    for (;;) {
        *tls_errno() = 1000 + segments; /* this thread's errno */
        if (*tls_tag() != I(got) && segments > 0)
            cogen_raise(self, 1, "segment %d: thread tag %d, resumer said %d", segments, *tls_tag(),
                        I(got));
        *tls_tag() += 100; /* the resumer checks its own tag moved */
        if (cogen_yield(self, V(segments), &got) != COGEN_SENT)
            return V(segments);
        /* maybe on another thread now */
        if (*tls_errno() != 7)
            cogen_raise(self, 2, "errno %d, expected the resumer's 7", *tls_errno());
        segments++;
    }
}

typedef struct hop {
    cogen *g;
    int tag;
    int expect_segment;
} hop;

static void *resume_here(void *arg)
{
    hop *h = arg;
    void *out;
    thread_tag = h->tag;
    errno = 7;
    CHECK_EQ_INT(cogen_send(h->g, V(h->tag), &out), COGEN_YIELDED);
    CHECK_EQ_INT(I(out), h->expect_segment);
    CHECK_EQ_INT(thread_tag, h->tag + 100); /* the body wrote our tag */
    CHECK_EQ_INT(errno, 1000 + h->expect_segment);
    return NULL;
}

TEST(suspended_generator_resumed_on_other_threads)
{
    cogen *g = cogen_new(wanderer, NULL, NULL);
    void *out;
    thread_tag = 1;
    CHECK_EQ_INT(cogen_next(g, &out), COGEN_YIELDED); /* segment 0 on this thread */
    CHECK_EQ_INT(thread_tag, 101);
    for (int i = 1; i <= 20; i++) {
        hop h = {g, 10 * i, i};
        pthread_t t;
        CHECK(pthread_create(&t, NULL, resume_here, &h) == 0);
        pthread_join(t, NULL); /* that thread is gone; the generator lives on */
    }
    CHECK_EQ_INT(cogen_close(g), 0);
    cogen_free(g);
}

/* ---- two threads resuming one generator at once */

static atomic_int running_bodies, max_running;

static void *busy_body(cogen *self, void *arg)
{
    (void)arg;
    for (;;) {
        int now = atomic_fetch_add(&running_bodies, 1) + 1;
        int seen = atomic_load(&max_running);
        while (now > seen && !atomic_compare_exchange_weak(&max_running, &seen, now))
            ;
        for (volatile int spin = 0; spin < 200; spin++)
            ;
        atomic_fetch_sub(&running_bodies, 1);
        if (cogen_yield(self, NULL, NULL) == COGEN_EXIT) /* a throw is handled */
            return NULL;
    }
}

typedef struct hammer {
    cogen *g;
    long ok, busy, other;
} hammer;

static pthread_barrier_t start_together;

static void *hammer_it(void *arg)
{
    hammer *h = arg;
    pthread_barrier_wait(&start_together);
    for (int i = 0; i < 5000; i++) {
        int rc = i % 10 == 9 ? cogen_throw(h->g, 5, "x", NULL) : cogen_next(h->g, NULL);
        if (rc == COGEN_YIELDED)
            h->ok++;
        else if (rc == COGEN_ERROR && cogen_last_error(h->g)->code == COGEN_EBUSY)
            h->busy++;
        else
            h->other++;
    }
    return NULL;
}

TEST(concurrent_resume_is_already_executing)
{
    cogen *g = cogen_new(busy_body, NULL, NULL);
    hammer a = {g, 0, 0, 0}, b = {g, 0, 0, 0};
    pthread_t ta, tb;
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    pthread_barrier_init(&start_together, NULL, 2);
    CHECK(pthread_create(&ta, NULL, hammer_it, &a) == 0);
    CHECK(pthread_create(&tb, NULL, hammer_it, &b) == 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    pthread_barrier_destroy(&start_together);
    CHECK_EQ_INT(atomic_load(&max_running), 1); /* never two runs at once */
    CHECK_EQ_INT(a.ok + a.busy + b.ok + b.busy, 10000);
    /* the body handles throws and keeps going: nothing but yields and busy */
    CHECK_EQ_INT(a.other + b.other, 0);
    CHECK_EQ_INT(cogen_getstate(g), COGEN_SUSPENDED);
    cogen_free(g);
}

static void *closer(void *arg)
{
    cogen *g = arg;
    pthread_barrier_wait(&start_together);
    for (int i = 0; i < 2000; i++) {
        int rc = cogen_close(g);
        if (rc == 0)
            return V(1);
        CHECK_EQ_INT(cogen_last_error(g)->code, COGEN_EBUSY);
    }
    return V(0);
}

TEST(concurrent_close_and_resume)
{
    for (int round = 0; round < 20; round++) {
        cogen *g = cogen_new(busy_body, NULL, NULL);
        hammer a = {g, 0, 0, 0};
        pthread_t ta, tc;
        void *closed;
        CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
        pthread_barrier_init(&start_together, NULL, 2);
        CHECK(pthread_create(&ta, NULL, hammer_it, &a) == 0);
        CHECK(pthread_create(&tc, NULL, closer, g) == 0);
        pthread_join(ta, NULL);
        pthread_join(tc, &closed);
        pthread_barrier_destroy(&start_together);
        /* whatever the interleaving: closed at the end, nothing else broke */
        CHECK_EQ_INT(cogen_close(g), 0);
        CHECK_EQ_INT(cogen_getstate(g), COGEN_CLOSED);
        cogen_free(g);
    }
}
