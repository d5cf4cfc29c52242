/* SPDX-License-Identifier: MIT */
/* Thread rules: each thread has its own current generator; a suspended
 * generator may be resumed from another thread; two threads resuming one
 * generator at once get one run and one "already executing". */
#include "harness.h"
#include "shared.h"
#include "tls_access.h"

#include <cogen.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* ---- two threads taking turns, with nothing between them but cogen */

enum { TURNS = 4000 };
static atomic_int turns_taken;

/* Keeps its state in plain memory on its own stack, read and written by
 * whichever thread resumes it: only the library's claim and publish order
 * those accesses (ThreadSanitizer reports a race if a publish is relaxed). */
static void *counter_body(cogen *self, void *arg)
{
    unsigned long n = 0, sum = 0;
    void *got = NULL;
    (void)arg;
    for (;;) {
        n++;
        cogen_yield(self, V(n), &got);
        sum += (unsigned long)(uintptr_t)got;
        if (!got) /* the last send: report what was received */
            cogen_return(self, (void *)(uintptr_t)(sum * 1000000u + n));
    }
}

typedef struct turn_taker {
    cogen *g;
    uintptr_t id;
    unsigned long ok, busy;
} turn_taker;

static void *take_turns(void *arg)
{
    turn_taker *t = arg;
    uintptr_t last = 0;
    /* relaxed: counts turns without ordering anything between the threads */
    while (atomic_load_explicit(&turns_taken, memory_order_relaxed) < TURNS) {
        void *out = NULL;
        int rc = cogen_send(t->g, V(t->id), &out);
        if (rc == COGEN_YIELDED) {
            CHECK((uintptr_t)out > last); /* the body's count only grows */
            last = (uintptr_t)out;
            t->ok++;
            atomic_fetch_add_explicit(&turns_taken, 1, memory_order_relaxed);
            sched_yield(); /* let the other thread have its turn */
        } else {
            CHECK_EQ_INT(rc, COGEN_ERROR);
            CHECK_EQ_INT(cogen_last_error(t->g)->code, COGEN_EBUSY);
            t->busy++;
        }
    }
    return NULL;
}

TEST(two_threads_take_turns_without_synchronising)
{
    cogen *g = cogen_new(counter_body, NULL, NULL);
    turn_taker a = {g, 1, 0, 0}, b = {g, 2, 0, 0};
    pthread_t ta, tb;
    void *out = NULL;
    atomic_store(&turns_taken, 0);
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    CHECK(pthread_create(&ta, NULL, take_turns, &a) == 0);
    CHECK(pthread_create(&tb, NULL, take_turns, &b) == 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    CHECK(a.ok > 0 && b.ok > 0);
    /* every yield the threads saw, and every value they sent, reached the
     * body exactly once: its counters agree with theirs */
    CHECK_EQ_INT(cogen_send(g, NULL, &out), COGEN_RETURNED);
    CHECK_EQ_INT((long)((uintptr_t)out % 1000000u), (long)(a.ok + b.ok + 1));
    CHECK_EQ_INT((long)((uintptr_t)out / 1000000u), (long)(a.ok * 1 + b.ok * 2));
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

/* ---- the same rules for chains of delegating generators */

/* Leaves yield three times and return 7; a chain is outer -> mid -> leaf,
 * where mid starts a new leaf each time one ends, so the chain's links
 * change all the time while two threads resume it through outer. */
static atomic_int chain_running, chain_max_running;
static atomic_long leaf_yields, leaves_made, leaves_cleaned, leaves_freed;

static void note_running(int delta)
{
    int now = atomic_fetch_add(&chain_running, delta) + delta;
    int seen = atomic_load(&chain_max_running);
    while (now > seen && !atomic_compare_exchange_weak(&chain_max_running, &seen, now))
        ;
}

static void leaf_cleanup(void *arg)
{
    (void)arg;
    atomic_fetch_add(&leaves_cleaned, 1);
}

static void *chain_leaf_body(cogen *self, void *arg)
{
    (void)arg;
    cogen_defer(self, leaf_cleanup, NULL);
    for (int i = 0; i < 3; i++) {
        note_running(1);
        for (volatile int spin = 0; spin < 100; spin++)
            ;
        note_running(-1);
        atomic_fetch_add(&leaf_yields, 1);
        if (cogen_yield(self, V(1), NULL) == COGEN_EXIT) /* a throw is handled */
            return NULL;
    }
    return V(7);
}

static void *chain_mid_body(cogen *self, void *arg)
{
    (void)arg;
    for (;;) {
        cogen *leaf = cogen_new(chain_leaf_body, NULL, NULL);
        void *r = NULL;
        int rc;
        if (!leaf)
            cogen_raise(self, 90, "no leaf");
        atomic_fetch_add(&leaves_made, 1);
        rc = cogen_yield_from(self, leaf, &r);
        cogen_free(leaf);
        atomic_fetch_add(&leaves_freed, 1);
        if (rc == COGEN_EXIT)
            return NULL;
        if (rc != COGEN_RETURNED || I(r) != 7)
            cogen_raise(self, 91, "leaf ended with %d (%d)", rc, I(r));
    }
}

static void *chain_outer_body(cogen *self, void *arg)
{
    cogen *mid = arg;
    int rc = cogen_yield_from(self, mid, NULL);
    if (rc == COGEN_EXIT || rc == COGEN_RETURNED) /* closed, or mid closed directly */
        return NULL;
    if (cogen_last_error(self)->code == 5) /* thrown in after mid was closed directly */
        cogen_reraise(self);
    cogen_raise(self, 92, "mid ended with %d", rc);
}

typedef struct chain_hammer {
    cogen *g;
    int rounds;
    long ok, busy, returned_after_close, other;
} chain_hammer;

static void *hammer_chain(void *arg)
{
    chain_hammer *h = arg;
    pthread_barrier_wait(&start_together);
    for (int i = 0; i < h->rounds; i++) {
        int rc = i % 7 == 3 ? cogen_throw(h->g, 5, "x", NULL) : cogen_next(h->g, NULL);
        if (rc == COGEN_YIELDED)
            h->ok++;
        else if (rc == COGEN_ERROR && cogen_last_error(h->g)->code == COGEN_EBUSY)
            h->busy++;
        else if (rc == COGEN_RETURNED && cogen_getstate(h->g) == COGEN_CLOSED)
            h->returned_after_close++;
        else if (rc == COGEN_ERROR && cogen_last_error(h->g)->code == 5 &&
                 cogen_getstate(h->g) == COGEN_CLOSED)
            h->returned_after_close++; /* thrown into the closed chain */
        else {
            h->other++;
        }
        (void)cogen_getstate(h->g); /* reads the links while they change */
    }
    return NULL;
}

static void reset_chain_counters(void)
{
    atomic_store(&chain_running, 0);
    atomic_store(&chain_max_running, 0);
    atomic_store(&leaf_yields, 0);
    atomic_store(&leaves_made, 0);
    atomic_store(&leaves_cleaned, 0);
    atomic_store(&leaves_freed, 0);
}

TEST(concurrent_resume_of_a_delegating_chain)
{
    cogen *mid, *outer;
    chain_hammer a = {NULL, 4000, 0, 0, 0, 0}, b = {NULL, 4000, 0, 0, 0, 0};
    pthread_t ta, tb;
    reset_chain_counters();
    mid = cogen_new(chain_mid_body, NULL, NULL);
    outer = cogen_new(chain_outer_body, mid, NULL);
    a.g = b.g = outer;
    CHECK_EQ_INT(cogen_next(outer, NULL), COGEN_YIELDED);
    pthread_barrier_init(&start_together, NULL, 2);
    CHECK(pthread_create(&ta, NULL, hammer_chain, &a) == 0);
    CHECK(pthread_create(&tb, NULL, hammer_chain, &b) == 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    pthread_barrier_destroy(&start_together);
    CHECK_EQ_INT(atomic_load(&chain_max_running), 1); /* never two runs at once */
    CHECK_EQ_INT(a.other + b.other + a.returned_after_close + b.returned_after_close, 0);
    CHECK_EQ_INT(a.ok + a.busy + b.ok + b.busy, 8000);
    /* every yield reached exactly one caller (the first one, this thread) */
    CHECK_EQ_INT(atomic_load(&leaf_yields), a.ok + b.ok + 1);
    CHECK_EQ_INT(cogen_getstate(outer), COGEN_SUSPENDED);
    CHECK_EQ_INT(cogen_getstate(mid), COGEN_SUSPENDED);
    CHECK_EQ_INT(cogen_close(outer), 0);
    CHECK_EQ_INT(cogen_getstate(mid), COGEN_CLOSED);
    CHECK_EQ_INT(atomic_load(&leaves_made), atomic_load(&leaves_freed));
    CHECK_EQ_INT(atomic_load(&leaves_made), atomic_load(&leaves_cleaned));
    cogen_free(outer);
    cogen_free(mid);
}

/* ---- a stale link to a freed sub never takes what its slot holds now
 *
 * A call addressed to a delegating chain reads the link to the chain's
 * innermost generator, then claims it. In between, that sub may end, be
 * freed, and its slot be given to an unrelated generator `h`. The call
 * must then leave h alone: h's own callers never see it taken, nor get
 * EBUSY because of it. The test stops the call (thread A) at that point
 * with a test hook and makes it happen: M ends the sub, which is freed,
 * and makes h in its slot. h is then biased to A (the call's own thread),
 * or shared by two threads, and the chain's middle may be what the call
 * is addressed to (the links are then read by take_slow). */
enum { STALE_OWNED_BY_CALLER, STALE_SHARED, STALE_THROUGH_THE_MIDDLE };

typedef struct stale_case {
    int variant;
    cogen *target; /* what A sends to */
    cogen *sub;    /* the chain's innermost when A read the link */
    cogen *h;      /* made in sub's slot once sub is freed */
    sem_t link_read, h_ready;
    int read_seen, probed, state_while_probed, other_result;
    pthread_t other;
} stale_case;

static stale_case *stale;
static _Thread_local int i_am_the_stale_caller;

static void *yields_until_exit(cogen *self, void *arg)
{
    while (cogen_yield(self, arg, NULL) != COGEN_EXIT)
        ;
    return NULL;
}

static void *yields_once(cogen *self, void *arg)
{
    cogen_yield(self, arg, NULL);
    return NULL;
}

static void *delegates_then_frees_its_sub(cogen *self, void *arg)
{
    stale_case *c = arg;
    cogen *sub = cogen_new(yields_once, NULL, NULL);
    c->sub = sub;
    CHECK_EQ_INT(cogen_yield_from(self, sub, NULL), COGEN_RETURNED);
    cogen_free(sub);
    cogen_yield(self, NULL, NULL);
    return NULL;
}

static void *delegates_to_a_middle(cogen *self, void *arg)
{
    stale_case *c = arg;
    cogen *middle = cogen_new(delegates_then_frees_its_sub, c, NULL);
    c->target = middle;
    cogen_yield_from(self, middle, NULL);
    cogen_free(middle);
    return NULL;
}

static void *resume_h(void *arg)
{
    stale_case *c = arg;
    c->other_result = cogen_next(c->h, NULL);
    return NULL;
}

static void on_stale_step(int step, const void *target, const void *leaf)
{
    stale_case *c = stale;
    if (!i_am_the_stale_caller || target != c->target)
        return;
    if (step == COGEN__STEP_LINK_READ && leaf == c->sub && !c->read_seen) {
        c->read_seen = 1;
        sem_post(&c->link_read);
        while (sem_wait(&c->h_ready) != 0)
            ;
        if (c->variant == STALE_OWNED_BY_CALLER) /* h's first resume biases it to A */
            CHECK_EQ_INT(cogen_next(c->h, NULL), COGEN_YIELDED);
    } else if (step == COGEN__STEP_PROBING && leaf == c->h) {
        /* A holds h as PROBING: it is not taken, and a resume of h waits
         * (the sleep gives it time to try) instead of failing */
        c->probed++;
        c->state_while_probed = cogen_getstate(c->h);
        CHECK(pthread_create(&c->other, NULL, resume_h, c) == 0);
        usleep(20000);
    }
}

static void *send_as_the_stale_caller(void *arg)
{
    stale_case *c = arg;
    i_am_the_stale_caller = 1;
    return V(cogen_send(c->target, NULL, NULL));
}

static void *resume_h_once(void *arg)
{
    return V(cogen_next(arg, NULL));
}

static void run_stale_case(int variant)
{
    stale_case c = {.variant = variant, .other_result = -1};
    long put_backs;
    void *a_result;
    pthread_t a, b;
    cogen *outer;
    sem_init(&c.link_read, 0, 0);
    sem_init(&c.h_ready, 0, 0);
    stale = &c;
    if (variant == STALE_THROUGH_THE_MIDDLE)
        outer = cogen_new(delegates_to_a_middle, &c, NULL);
    else
        outer = c.target = cogen_new(delegates_then_frees_its_sub, &c, NULL);
    CHECK_EQ_INT(cogen_next(outer, NULL), COGEN_YIELDED); /* chain to sub, sub yielded */
    cogen__on_chain_step(on_stale_step);
    put_backs = cogen__put_back_count();
    CHECK(pthread_create(&a, NULL, send_as_the_stale_caller, &c) == 0);
    while (sem_wait(&c.link_read) != 0)
        ;
    /* A holds a link to sub: end sub (the delegator frees it and yields)
     * and make h in its slot (this thread's stack cache gives it back) */
    CHECK_EQ_INT(cogen_send(c.target, NULL, NULL), COGEN_YIELDED);
    c.h = cogen_new(yields_until_exit, NULL, NULL);
    CHECK((void *)c.h == (void *)c.sub);
    if (variant != STALE_OWNED_BY_CALLER) {
        CHECK_EQ_INT(cogen_next(c.h, NULL), COGEN_YIELDED); /* biased to this thread */
        CHECK(pthread_create(&b, NULL, resume_h_once, c.h) == 0);
        pthread_join(b, &a_result); /* another thread's resume: shared now */
        CHECK_EQ_INT(I(a_result), COGEN_YIELDED);
    }
    sem_post(&c.h_ready);
    pthread_join(a, &a_result);
    cogen__on_chain_step(NULL);
    /* A's send went on to the chain as it is now: its delegator, which
     * returned */
    CHECK_EQ_INT(I(a_result), COGEN_RETURNED);
    if (variant == STALE_OWNED_BY_CALLER && cogen__claims_biased()) {
        /* checked before it was taken: never claimed, never put back */
        CHECK_EQ_INT(c.probed, 0);
        CHECK_EQ_INT(cogen__put_back_count(), put_backs);
    } else {
        CHECK_EQ_INT(c.probed, 1);
        CHECK_EQ_INT(c.state_while_probed, COGEN_SUSPENDED);
        pthread_join(c.other, NULL);
        CHECK_EQ_INT(c.other_result, COGEN_YIELDED);
        CHECK(cogen__put_back_count() > put_backs);
    }
    CHECK_EQ_INT(cogen_getstate(c.h), COGEN_SUSPENDED);
    CHECK_EQ_INT(cogen_close(c.h), 0);
    cogen_free(c.h);
    cogen_free(outer);
    sem_destroy(&c.link_read);
    sem_destroy(&c.h_ready);
    stale = NULL;
}

TEST(stale_link_never_takes_the_callers_own_generator)
{
    run_stale_case(STALE_OWNED_BY_CALLER);
}

TEST(stale_link_never_takes_a_shared_generator)
{
    run_stale_case(STALE_SHARED);
}

TEST(stale_link_read_through_the_middle_of_a_chain)
{
    run_stale_case(STALE_THROUGH_THE_MIDDLE);
}

/* The same race for cogen_getstate: it reads the link, then the state of
 * what the link led to, which by then may be a new generator in a freed
 * sub's slot. It must report the chain's state, never that one's. */
static void on_state_step(int step, const void *target, const void *leaf)
{
    stale_case *c = stale;
    if (!i_am_the_stale_caller || target != c->target || step != COGEN__STEP_STATE ||
        leaf != c->sub || c->read_seen)
        return;
    c->read_seen = 1;
    sem_post(&c->link_read);
    while (sem_wait(&c->h_ready) != 0)
        ;
}

static void *getstate_as_the_stale_caller(void *arg)
{
    stale_case *c = arg;
    i_am_the_stale_caller = 1;
    return V(cogen_getstate(c->target));
}

TEST(stale_link_never_reports_another_generators_state)
{
    stale_case c = {.variant = STALE_SHARED, .other_result = -1};
    void *a_result;
    pthread_t a;
    sem_init(&c.link_read, 0, 0);
    sem_init(&c.h_ready, 0, 0);
    stale = &c;
    c.target = cogen_new(delegates_then_frees_its_sub, &c, NULL);
    CHECK_EQ_INT(cogen_next(c.target, NULL), COGEN_YIELDED); /* chain to sub, sub yielded */
    cogen__on_chain_step(on_state_step);
    CHECK(pthread_create(&a, NULL, getstate_as_the_stale_caller, &c) == 0);
    while (sem_wait(&c.link_read) != 0)
        ;
    /* A read the link to sub: sub ends and is freed, h is made in its slot */
    CHECK_EQ_INT(cogen_send(c.target, NULL, NULL), COGEN_YIELDED);
    c.h = cogen_new(yields_until_exit, NULL, NULL);
    CHECK((void *)c.h == (void *)c.sub);
    sem_post(&c.h_ready);
    pthread_join(a, &a_result);
    cogen__on_chain_step(NULL);
    /* the chain's state (its delegator, suspended), not h's (created) */
    CHECK_EQ_INT(I(a_result), COGEN_SUSPENDED);
    cogen_free(c.h);
    cogen_free(c.target);
    sem_destroy(&c.link_read);
    sem_destroy(&c.h_ready);
    stale = NULL;
}

/* Closes (or throws EXIT into) the generator addressed, retrying while
 * it is busy; every refusal must be EBUSY. */
typedef struct chain_closer {
    cogen *g;
    int use_throw;
    long refused;
    int closed;
} chain_closer;

static void *close_chain(void *arg)
{
    chain_closer *c = arg;
    pthread_barrier_wait(&start_together);
    for (int i = 0; i < 100000 && !c->closed; i++) {
        int rc = c->use_throw ? cogen_throw(c->g, COGEN_EEXIT, NULL, NULL) : cogen_close(c->g);
        if (c->use_throw ? rc == COGEN_RETURNED : rc == 0)
            c->closed = 1;
        else if (rc == COGEN_ERROR && cogen_last_error(c->g)->code == COGEN_EBUSY) {
            c->refused++;
            sched_yield(); /* the other thread may have been preempted mid-run */
        } else {           /* a close refused for another reason, or half done */
            fprintf(stderr, "close of a chain: rc %d, code %d\n", rc, cogen_last_error(c->g)->code);
            CHECK(0);
        }
    }
    return NULL;
}

TEST(concurrent_close_of_a_delegating_chain)
{
    for (int round = 0; round < 60; round++) {
        cogen *mid, *outer;
        chain_hammer a = {NULL, 300, 0, 0, 0, 0};
        chain_closer c = {NULL, round % 2, 0, 0};
        pthread_t ta, tc;
        reset_chain_counters();
        mid = cogen_new(chain_mid_body, NULL, NULL);
        outer = cogen_new(chain_outer_body, mid, NULL);
        /* odd rounds address the middle of the chain */
        a.g = outer;
        c.g = round % 3 == 2 ? mid : outer;
        CHECK_EQ_INT(cogen_next(outer, NULL), COGEN_YIELDED);
        pthread_barrier_init(&start_together, NULL, 2);
        CHECK(pthread_create(&ta, NULL, hammer_chain, &a) == 0);
        CHECK(pthread_create(&tc, NULL, close_chain, &c) == 0);
        pthread_join(ta, NULL);
        pthread_join(tc, NULL);
        pthread_barrier_destroy(&start_together);
        CHECK_EQ_INT(c.closed, 1);
        CHECK_EQ_INT(atomic_load(&chain_max_running), 1);
        CHECK_EQ_INT(a.other, 0);
        CHECK_EQ_INT(atomic_load(&leaf_yields), a.ok + 1);
        CHECK_EQ_INT(cogen_getstate(c.g), COGEN_CLOSED);
        /* closing mid ended outer's yield_from behind its back: close it too */
        CHECK_EQ_INT(cogen_close(outer), 0);
        CHECK_EQ_INT(cogen_getstate(mid), COGEN_CLOSED);
        CHECK_EQ_INT(atomic_load(&leaves_made), atomic_load(&leaves_freed));
        CHECK_EQ_INT(atomic_load(&leaves_made), atomic_load(&leaves_cleaned));
        cogen_free(outer);
        cogen_free(mid);
    }
}

/* ---- freeing in a thread-specific-data destructor that runs after
 * cogen's own: the stack goes to the global pool, not to the dead
 * thread's cache. */
static pthread_key_t late_key;

static void free_late(void *g)
{
    cogen_free(g);
}

static void *frees_at_exit(void *arg)
{
    cogen *g;
    (void)arg;
    cogen_free(cogen_new(checks_current, NULL, NULL));    /* cogen's key exists now */
    CHECK(pthread_key_create(&late_key, free_late) == 0); /* so ours runs later */
    g = cogen_new(busy_body, NULL, NULL);
    CHECK(g != NULL);
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    pthread_setspecific(late_key, g);
    return NULL;
}

TEST(generator_freed_by_a_later_thread_destructor_returns_its_stack)
{
    pthread_t t;
    long before = cogen__stacks_pooled();
    CHECK(pthread_create(&t, NULL, frees_at_exit, NULL) == 0);
    pthread_join(t, NULL);
    CHECK_EQ_INT(cogen__stacks_pooled(), before + 1);
    pthread_key_delete(late_key);
}

/* ---- claims biased to one thread: the owner takes its generator without
 * a locked instruction until another thread revokes the bias (x86-64 with
 * membarrier; elsewhere, and in sanitizer builds, every claim is locked
 * and these tests check the same rules through that path). */

static atomic_int bodies_inside, overlaps;
static atomic_long segments_run;

/* Counts the segments it runs and any moment two threads run it at once. */
static void *guarded_body(cogen *self, void *arg)
{
    (void)arg;
    for (;;) {
        if (atomic_fetch_add(&bodies_inside, 1) != 0)
            atomic_store(&overlaps, 1);
        atomic_fetch_add(&segments_run, 1);
        for (volatile int i = 0; i < 50; i++) { /* widen the window */
        }
        atomic_fetch_sub(&bodies_inside, 1);
        if (cogen_yield(self, NULL, NULL) != COGEN_SENT)
            return NULL;
    }
}

enum { RACE_GENERATORS = 2000, RACE_SENDS = 200 };

typedef struct racer {
    cogen *_Atomic g;
    long yielded;
} racer;

static void *race_sends(void *arg)
{
    racer *r = arg;
    pthread_barrier_wait(&start_together);
    for (int i = 0; i < RACE_SENDS; i++) {
        int rc = cogen_send(atomic_load(&r->g), NULL, NULL);
        if (rc == COGEN_YIELDED) {
            r->yielded++;
        } else {
            CHECK_EQ_INT(rc, COGEN_ERROR);
            CHECK_EQ_INT(cogen_last_error(atomic_load(&r->g))->code, COGEN_EBUSY);
        }
    }
    return NULL;
}

/* The owner resumes its generator in a loop while another thread starts
 * resuming it too (revoking the bias mid-loop): every segment runs on one
 * thread at a time, and every YIELDED either thread saw is one segment. */
TEST(biased_owner_and_another_thread_resume_at_once)
{
    long revoked_before = cogen__bias_revocations();
    long total_yielded = 0;
    atomic_store(&overlaps, 0);
    for (int round = 0; round < RACE_GENERATORS; round++) {
        racer mine = {NULL, 0}, theirs = {NULL, 0};
        pthread_t t;
        cogen *g = cogen_new(guarded_body, NULL, NULL);
        CHECK(g != NULL);
        atomic_store(&segments_run, 0);
        CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED); /* biased to this thread */
        atomic_store(&mine.g, g);
        atomic_store(&theirs.g, g);
        pthread_barrier_init(&start_together, NULL, 2);
        CHECK(pthread_create(&t, NULL, race_sends, &theirs) == 0);
        (void)race_sends(&mine);
        pthread_join(t, NULL);
        pthread_barrier_destroy(&start_together);
        CHECK_EQ_INT(atomic_load(&segments_run), 1 + mine.yielded + theirs.yielded);
        total_yielded += theirs.yielded;
        CHECK_EQ_INT(cogen_close(g), 0);
        cogen_free(g);
    }
    CHECK_EQ_INT(atomic_load(&overlaps), 0);
    CHECK(total_yielded > 0);     /* the other thread did take its turns */
    if (cogen__claims_biased()) { /* at most once per generator (never if the
                                     other thread always found it running) */
        CHECK(cogen__bias_revocations() - revoked_before > 0);
        CHECK(cogen__bias_revocations() - revoked_before <= RACE_GENERATORS);
    } else
        CHECK_EQ_INT(cogen__bias_revocations(), 0);
}

static void *resume_once(void *arg)
{
    CHECK_EQ_INT(cogen_next(arg, NULL), COGEN_YIELDED);
    return NULL;
}

/* A generator biased to a thread that has exited: the next thread revokes
 * the bias (nobody is inside a claim) and goes on with locked claims. */
TEST(bias_of_an_exited_thread_is_revoked_by_the_next)
{
    pthread_t t;
    long revoked_before = cogen__bias_revocations();
    cogen *g = cogen_new(guarded_body, NULL, NULL);
    atomic_store(&segments_run, 0);
    CHECK(pthread_create(&t, NULL, resume_once, g) == 0); /* first resume: biased there */
    pthread_join(t, NULL);
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    CHECK_EQ_INT(atomic_load(&segments_run), 3);
    CHECK_EQ_INT(cogen__bias_revocations() - revoked_before, cogen__claims_biased() ? 1 : 0);
    cogen_free(g);
}

/* The first resume in the process asks the kernel for membarrier; when
 * that fails, generators are never biased and every claim is locked. */
TEST(claims_are_locked_when_membarrier_is_unavailable)
{
    pthread_t t;
    cogen *g = cogen_new(guarded_body, NULL, NULL);
    atomic_store(&segments_run, 0);
    cogen__fail_after(0); /* the first fallible operation of the first resume */
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    cogen__fail_after(-1);
    CHECK_EQ_INT(cogen__claims_biased(), 0);
    CHECK(pthread_create(&t, NULL, resume_once, g) == 0);
    pthread_join(t, NULL);
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    CHECK_EQ_INT(atomic_load(&segments_run), 3);
    CHECK_EQ_INT(cogen__bias_revocations(), 0);
    cogen_free(g);
}

/* A child made by fork() has only the forking thread: a generator biased
 * to another thread of the parent is revoked there like anywhere else
 * (membarrier's registration is inherited). Not under ThreadSanitizer:
 * it has no biased claims to test, and in a forked child it reports its
 * own fibers made before the fork as racing with the parent's threads. */
#if defined(__SANITIZE_THREAD__)
#define COGEN_TEST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define COGEN_TEST_TSAN 1
#endif
#endif
TEST(bias_is_revoked_in_a_forked_child)
{
#ifdef COGEN_TEST_TSAN
    return;
#else
    pthread_t t;
    pid_t child;
    int status = -1;
    cogen *g = cogen_new(guarded_body, NULL, NULL);
    atomic_store(&segments_run, 0);
    CHECK(pthread_create(&t, NULL, resume_once, g) == 0); /* biased to t */
    pthread_join(t, NULL);
    child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        long before = cogen__bias_revocations();
        int ok = cogen_next(g, NULL) == COGEN_YIELDED && atomic_load(&segments_run) == 2 &&
                 cogen__bias_revocations() - before == (cogen__claims_biased() ? 1 : 0);
        _exit(ok ? 0 : 1);
    }
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED); /* the parent's copy goes on */
    cogen_free(g);
#endif
}
