/* SPDX-License-Identifier: MIT */
/* The scheduler: tasks, ids, spawn, join, kill, fairness, time. */
#include <cogen/task.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "shared.h"

static cogen_sched *new_sched(void)
{
    cogen_sched_opts o = {0};
    o.grace_ms = 200;
    cogen_sched *s = cogen_sched_new(&o);
    CHECK(s != NULL);
    return s;
}

static const cogen_opts small = {COGEN_STACK_MIN, "task", 0};

/* ---- spawn, ids, join */

static void *returns_arg_times_two(cogen *self, void *arg)
{
    (void)self;
    return V(I(arg) * 2);
}

static void *joins_children(cogen *self, void *arg)
{
    cogen_sched *s = cogen_sched_current();
    int sum = 0;
    for (int i = 1; i <= 3; i++) {
        cogen_tid id = cogen_spawn(s, returns_arg_times_two, V(i), NULL);
        CHECK(id > cogen_task_self());
        cogen_task_end end;
        CHECK_EQ_INT(cogen_task_join(self, id, COGEN_NEVER, &end), 0);
        CHECK_EQ_INT(end.code, 0);
        sum += I(end.value);
        /* Collected: a second join finds nothing. */
        CHECK_EQ_INT(cogen_task_join(self, id, COGEN_NEVER, &end), COGEN_ENOTASK);
    }
    CHECK_EQ_INT(cogen_task_join(self, cogen_task_self(), COGEN_NEVER, NULL), COGEN_EINVAL);
    CHECK_EQ_INT(cogen_task_join(self, 999, COGEN_NEVER, NULL), COGEN_ENOTASK);
    *(int *)arg = sum;
    return NULL;
}

TEST(spawn_from_inside_and_join_return_values)
{
    cogen_sched *s = new_sched();
    int sum = 0;
    cogen_tid id = cogen_spawn(s, joins_children, &sum, NULL);
    CHECK_EQ_INT(id, 1);
    CHECK_EQ_INT(cogen_sched_tasks(s), 1);
    CHECK_EQ_INT(cogen_sched_run(s), 0);
    CHECK_EQ_INT(sum, 2 + 4 + 6);
    CHECK_EQ_INT(cogen_sched_tasks(s), 0);
    cogen_sched_free(s);
}

static void *raises(cogen *self, void *arg)
{
    (void)arg;
    cogen_raise(self, 42, "bad %s", "thing");
}

static void *joins_a_raiser(cogen *self, void *arg)
{
    cogen_task_end end;
    CHECK_EQ_INT(cogen_task_join(self, (cogen_tid)(intptr_t)arg, COGEN_NEVER, &end), 0);
    CHECK_EQ_INT(end.code, 42);
    CHECK_STR(end.msg, "bad thing");
    return V(1);
}

TEST(join_reports_the_error_a_task_raised)
{
    cogen_sched *s = new_sched();
    cogen_tid r = cogen_spawn(s, raises, NULL, NULL);
    cogen_tid j = cogen_spawn(s, joins_a_raiser, (void *)(intptr_t)r, NULL);
    CHECK(r > 0 && j > r);
    CHECK_EQ_INT(cogen_sched_run(s), 0);
    cogen_sched_free(s);
}

TEST(misuse_is_reported)
{
    cogen_sched *s = new_sched();
    CHECK_EQ_INT(cogen_spawn(NULL, returns_arg_times_two, NULL, NULL), COGEN_EINVAL);
    CHECK_EQ_INT(cogen_spawn(s, NULL, NULL, NULL), COGEN_EINVAL);
    cogen_opts primed = {0, NULL, COGEN_PRIMED};
    CHECK_EQ_INT(cogen_spawn(s, returns_arg_times_two, NULL, &primed), COGEN_EINVAL);
    /* Outside a task. */
    CHECK_EQ_INT(cogen_task_self(), 0);
    CHECK_EQ_INT(cogen_sleep(NULL, 0), COGEN_EINVAL);
    CHECK_EQ_INT(cogen_task_yield(NULL), COGEN_EINVAL);
    CHECK_EQ_INT(cogen_task_join(NULL, 1, 0, NULL), COGEN_EINVAL);
    CHECK_EQ_INT(cogen_task_kill(NULL, 1), COGEN_EINVAL);
    CHECK_EQ_INT(cogen_sched_kill(s, 77), COGEN_ENOTASK);
    CHECK_EQ_INT(cogen_sched_run(NULL), COGEN_EINVAL);
    cogen_sched_opts bad = {0};
    bad.helper_threads = 1000;
    CHECK(cogen_sched_new(&bad) == NULL);
    /* No task: run returns at once. */
    CHECK_EQ_INT(cogen_sched_run(s), 0);
    cogen_sched_free(s);
    cogen_sched_free(NULL);
}

/* ---- fairness */

static char order[4096];
static size_t order_len;

static void *yields_logging(cogen *self, void *arg)
{
    for (int i = 0; i < 3; i++) {
        order[order_len++] = *(const char *)arg;
        CHECK_EQ_INT(cogen_task_yield(self), 0);
    }
    return NULL;
}

TEST(yielding_tasks_take_turns)
{
    cogen_sched *s = new_sched();
    order_len = 0;
    cogen_spawn(s, yields_logging, "a", NULL);
    cogen_spawn(s, yields_logging, "b", NULL);
    cogen_spawn(s, yields_logging, "c", NULL);
    CHECK_EQ_INT(cogen_sched_run(s), 0);
    order[order_len] = '\0';
    CHECK_STR(order, "abcabcabc");
    cogen_sched_free(s);
}

static volatile int spin_stop;
static int spins;

/* Yields for ever (a plain cogen_yield, the course's trap) until told. */
static void *spins_until_told(cogen *self, void *arg)
{
    (void)arg;
    while (!spin_stop) {
        spins++;
        if (cogen_yield(self, NULL, NULL) == COGEN_EXIT)
            return NULL;
    }
    return NULL;
}

static void *sleeps_then_stops_spinner(cogen *self, void *arg)
{
    (void)arg;
    CHECK_EQ_INT(cogen_sleep(self, cogen_deadline_ms(2)), 0);
    spin_stop = 1;
    return NULL;
}

static void *reads_a_pipe(cogen *self, void *arg)
{
    int fd = *(int *)arg;
    char c;
    size_t got;
    CHECK_EQ_INT(cogen_read(self, fd, &c, 1, &got, COGEN_NEVER), 0);
    CHECK_EQ_INT(c, 'x');
    spin_stop = 1;
    return NULL;
}

TEST(a_task_that_always_yields_starves_neither_timers_nor_io)
{
    cogen_sched *s = new_sched();
    spin_stop = 0;
    spins = 0;
    cogen_spawn(s, spins_until_told, NULL, NULL);
    cogen_spawn(s, sleeps_then_stops_spinner, NULL, NULL);
    CHECK_EQ_INT(cogen_sched_run(s), 0);
    CHECK(spins > 0);

    int p[2];
    CHECK(pipe(p) == 0);
    spin_stop = 0;
    cogen_spawn(s, spins_until_told, NULL, NULL);
    cogen_spawn(s, reads_a_pipe, &p[0], NULL);
    CHECK(write(p[1], "x", 1) == 1);
    CHECK_EQ_INT(cogen_sched_run(s), 0);
    cogen_fd_close(s, p[0]);
    close(p[1]);
    cogen_sched_free(s);
}

/* ---- time */

static int woke[8];
static int nwoke;

static cogen_time sleep_base;

/* Sleeps until base + arg * 10 ms: deadlines taken from one base, far
 * enough apart that a slow first round (sanitizers) cannot reorder them. */
static void *sleeps_n_ms(cogen *self, void *arg)
{
    CHECK_EQ_INT(cogen_sleep(self, sleep_base + (cogen_time)I(arg) * 10000000), 0);
    woke[nwoke++] = I(arg);
    return NULL;
}

TEST(timers_fire_in_deadline_order)
{
    cogen_sched *s = new_sched();
    static const int ms[] = {7, 1, 5, 3, 0, 6, 2, 4};
    nwoke = 0;
    sleep_base = cogen_now() + 20000000;
    for (int i = 0; i < 8; i++)
        cogen_spawn(s, sleeps_n_ms, V(ms[i]), NULL);
    CHECK_EQ_INT(cogen_sched_run(s), 0);
    CHECK(cogen_now() >= sleep_base + 70000000);
    for (int i = 0; i < 8; i++)
        CHECK_EQ_INT(woke[i], i);
    cogen_sched_free(s);
}

TEST(deadline_helpers)
{
    cogen_time a = cogen_now();
    cogen_time d = cogen_deadline_ms(10);
    CHECK(d >= a + 10000000);
    CHECK(cogen_deadline_ms(-1) == COGEN_NEVER);
    CHECK(cogen_deadline_ms(INT64_MAX) == COGEN_NEVER);
}

/* 100,000 tasks, each asleep on its own timer at the same time, in a
 * scattered order. */
static long done_count;
static cogen_time last_due;

static void *sleeps_until(cogen *self, void *arg)
{
    cogen_time due = *(cogen_time *)arg;
    CHECK_EQ_INT(cogen_sleep(self, due), 0);
    CHECK(due >= last_due); /* timers fire in order, passed or not */
    last_due = due;
    done_count++;
    return NULL;
}

#if defined(__SANITIZE_THREAD__)
#define TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TSAN 1
#endif
#endif

TEST(hundred_thousand_sleeping_tasks)
{
#ifdef TSAN
    /* ThreadSanitizer counts each generator as a thread (a fiber) and
     * stops at 8,128 of them. */
    enum { N = 5000 };
#else
    enum { N = 100000 };
#endif
    long n = N;
    cogen_free(cogen_new(returns_arg_times_two, NULL, NULL)); /* carve a stack */
    if (cogen__guards_by_mprotect())
        n = 2000; /* valgrind: two mappings per stack; its segment table is small */
    cogen_sched *s = new_sched();
    cogen_time *due = malloc(N * sizeof *due);
    CHECK(due != NULL);
    cogen_time base = cogen_now() + 20000000;
    cogen_opts o = small;
    o.flags = COGEN_DETACHED;
    for (long i = 0; i < n; i++) {
        due[i] = base + (cogen_time)((i * 7919) % n) * 1000; /* 0..100 ms, scattered */
        CHECK(cogen_spawn(s, sleeps_until, &due[i], &o) > 0);
    }
    done_count = 0;
    last_due = 0;
    CHECK_EQ_INT(cogen_sched_run(s), 0);
    CHECK_EQ_INT(done_count, n);
    cogen_sched_free(s);
    free(due);
}

/* ---- kill */

/* Stops the scheduler once the others have had `arg` rounds to block. */
static void *stops_after(cogen *self, void *arg)
{
    for (int i = 0; i < I(arg); i++)
        CHECK_EQ_INT(cogen_task_yield(self), 0);
    cogen_sched_stop(cogen_sched_current());
    return NULL;
}

static int cleanups;

static void count_cleanup(void *arg)
{
    (void)arg;
    cleanups++;
}

static int deep(cogen *self, int depth)
{
    if (depth > 0)
        return deep(self, depth - 1) + 0;
    return cogen_sleep(self, COGEN_NEVER);
}

static void *sleeps_deep_for_ever(cogen *self, void *arg)
{
    (void)arg;
    cogen_defer(self, count_cleanup, NULL);
    int rc = deep(self, 10);
    CHECK_EQ_INT(rc, COGEN_EXIT);
    return NULL;
}

static void *sub_sleeps_for_ever(cogen *self, void *arg)
{
    (void)arg;
    cogen_defer(self, count_cleanup, NULL);
    tlogf("sub-sleeps ");
    CHECK_EQ_INT(cogen_sleep(self, COGEN_NEVER), COGEN_EXIT);
    tlogf("sub-exit ");
    return NULL;
}

static void *delegates(cogen *self, void *arg)
{
    (void)arg;
    cogen *sub = cogen_new(sub_sleeps_for_ever, NULL, NULL);
    CHECK(sub != NULL);
    int rc = cogen_yield_from(self, sub, NULL);
    tlogf("outer-%s ", rc == COGEN_EXIT ? "exit" : "other");
    cogen_free(sub);
    return NULL;
}

static void *kills_then_joins(cogen *self, void *arg)
{
    cogen_tid *victims = arg;
    CHECK_EQ_INT(cogen_task_yield(self), 0); /* let them block */
    for (int i = 0; victims[i]; i++) {
        CHECK_EQ_INT(cogen_task_kill(self, victims[i]), 0);
        cogen_task_end end;
        CHECK_EQ_INT(cogen_task_join(self, victims[i], COGEN_NEVER, &end), 0);
        CHECK_EQ_INT(end.code, COGEN_EKILLED);
        CHECK_EQ_INT(cogen_task_kill(self, victims[i]), COGEN_ENOTASK);
    }
    return NULL;
}

TEST(kill_delivers_exit_at_any_depth_and_through_yield_from)
{
    cogen_sched *s = new_sched();
    cleanups = 0;
    tlog[0] = '\0';
    cogen_tid v[3] = {cogen_spawn(s, sleeps_deep_for_ever, NULL, NULL),
                      cogen_spawn(s, delegates, NULL, NULL), 0};
    cogen_spawn(s, kills_then_joins, v, NULL);
    CHECK_EQ_INT(cogen_sched_run(s), 0);
    CHECK_EQ_INT(cleanups, 2);
    CHECK_STR(tlog, "sub-sleeps sub-exit outer-exit ");
    cogen_sched_free(s);
}

static void *kills_itself(cogen *self, void *arg)
{
    (void)arg;
    cogen_defer(self, count_cleanup, NULL);
    CHECK_EQ_INT(cogen_task_kill(self, cogen_task_self()), COGEN_EXIT);
    return V(5);
}

static void *joins_arg(cogen *self, void *arg)
{
    cogen_task_end end;
    CHECK_EQ_INT(cogen_task_join(self, (cogen_tid)(intptr_t)arg, COGEN_NEVER, &end), 0);
    CHECK_EQ_INT(end.code, COGEN_EKILLED);
    return NULL;
}

TEST(a_task_can_kill_itself)
{
    cogen_sched *s = new_sched();
    cleanups = 0;
    cogen_tid k = cogen_spawn(s, kills_itself, NULL, NULL);
    cogen_spawn(s, joins_arg, (void *)(intptr_t)k, NULL);
    CHECK_EQ_INT(cogen_sched_run(s), 0);
    CHECK_EQ_INT(cleanups, 1);
    cogen_sched_free(s);
}

static void *joins_for_ever(cogen *self, void *arg)
{
    (void)arg;
    cogen_defer(self, count_cleanup, NULL);
    CHECK_EQ_INT(cogen_task_join(self, 1, COGEN_NEVER, NULL), COGEN_EXIT);
    return NULL;
}

static void *yields_for_ever(cogen *self, void *arg)
{
    (void)arg;
    cogen_defer(self, count_cleanup, NULL);
    while (cogen_task_yield(self) == 0)
        ;
    return NULL;
}

static void *cleans_up_slowly(cogen *self, void *arg)
{
    (void)arg;
    CHECK_EQ_INT(cogen_sleep(self, COGEN_NEVER), COGEN_EXIT);
    /* A blocking cleanup, well within the grace deadline. */
    CHECK_EQ_INT(cogen_sleep(self, cogen_deadline_ms(1)), 0);
    cleanups++;
    return NULL;
}

TEST(freeing_a_scheduler_kills_its_tasks)
{
    cogen_sched *s = new_sched();
    cleanups = 0;
    cogen_spawn(s, sleeps_deep_for_ever, NULL, NULL);
    cogen_spawn(s, yields_for_ever, NULL, NULL);
    cogen_spawn(s, joins_for_ever, NULL, NULL);
    cogen_spawn(s, cleans_up_slowly, NULL, NULL);
    cogen_spawn(s, stops_after, V(2), NULL);
    /* Run a little, then stop with four alive. */
    CHECK_EQ_INT(cogen_sched_run(s), 0);
    CHECK_EQ_INT(cogen_sched_tasks(s), 4);
    cogen_sched_free(s);
    CHECK_EQ_INT(cleanups, 4);
}

static int ignored_reports;

static void count_hook(const cogen *g, const char *context, const cogen_err *err)
{
    (void)g;
    (void)context;
    if (err->code == COGEN_EIGNORED)
        ignored_reports++;
}

static void *ignores_exit(cogen *self, void *arg)
{
    (void)arg;
    cogen_defer(self, count_cleanup, NULL);
    for (;;)
        cogen_sleep(self, cogen_deadline_ms(1)); /* whatever it returns */
    return NULL;
}

static void *kills_stubborn(cogen *self, void *arg)
{
    cogen_tid victim = (cogen_tid)(intptr_t)arg;
    CHECK_EQ_INT(cogen_task_yield(self), 0);
    CHECK_EQ_INT(cogen_task_kill(self, victim), 0);
    cogen_task_end end;
    CHECK_EQ_INT(cogen_task_join(self, victim, cogen_deadline_ms(5000), &end), 0);
    CHECK_EQ_INT(end.code, COGEN_EIGNORED);
    return NULL;
}

TEST(a_task_ignoring_exit_is_forced_and_reported_never_a_hang)
{
    cogen_sched_opts o = {0};
    o.grace_ms = 5;
    cogen_sched *s = cogen_sched_new(&o);
    CHECK(s != NULL);
    cogen_unraisable_fn old = cogen_set_unraisable_hook(count_hook);
    cleanups = 0;
    ignored_reports = 0;
    cogen_tid v = cogen_spawn(s, ignores_exit, NULL, NULL);
    cogen_spawn(s, kills_stubborn, (void *)(intptr_t)v, NULL);
    CHECK_EQ_INT(cogen_sched_run(s), 0);
    CHECK_EQ_INT(cleanups, 1);
    CHECK(ignored_reports >= 1);
    /* The same when the scheduler is freed with it alive. */
    cleanups = 0;
    cogen_spawn(s, ignores_exit, NULL, NULL);
    cogen_spawn(s, stops_after, V(2), NULL);
    CHECK_EQ_INT(cogen_sched_run(s), 0);
    cogen_sched_free(s);
    CHECK_EQ_INT(cleanups, 1);
    cogen_set_unraisable_hook(old);
}

TEST(kill_from_outside_the_run)
{
    cogen_sched *s = new_sched();
    cleanups = 0;
    cogen_tid t = cogen_spawn(s, yields_for_ever, NULL, NULL);
    cogen_spawn(s, stops_after, V(2), NULL);
    CHECK_EQ_INT(cogen_sched_run(s), 0);
    CHECK_EQ_INT(cogen_sched_kill(s, t), 0);
    CHECK_EQ_INT(cleanups, 1);
    CHECK_EQ_INT(cogen_sched_tasks(s), 0);
    cogen_sched_free(s);
}

/* ---- deadlines and kills on join and sleep */

static void *join_times_out(cogen *self, void *arg)
{
    (void)arg;
    sleep_base = cogen_now();
    cogen_tid sleeper = cogen_spawn(cogen_sched_current(), sleeps_n_ms, V(5), NULL);
    CHECK_EQ_INT(cogen_task_join(self, sleeper, cogen_deadline_ms(1), NULL), COGEN_ETIMEDOUT);
    CHECK_EQ_INT(cogen_task_join(self, sleeper, COGEN_NEVER, NULL), 0);
    return NULL;
}

TEST(join_has_a_deadline)
{
    cogen_sched *s = new_sched();
    nwoke = 0;
    cogen_spawn(s, join_times_out, NULL, NULL);
    CHECK_EQ_INT(cogen_sched_run(s), 0);
    cogen_sched_free(s);
}

/* ---- deadlock */

static void *joins_the_other(cogen *self, void *arg)
{
    return V(cogen_task_join(self, (cogen_tid)(intptr_t)arg, COGEN_NEVER, NULL));
}

TEST(tasks_waiting_on_each_other_for_ever_are_a_deadlock)
{
    cogen_sched *s = new_sched();
    cogen_spawn(s, joins_the_other, V(2), NULL);
    cogen_spawn(s, joins_the_other, V(1), NULL);
    CHECK_EQ_INT(cogen_sched_run(s), COGEN_EDEADLOCK);
    CHECK_EQ_INT(cogen_sched_tasks(s), 2);
    cogen_sched_free(s);
}
