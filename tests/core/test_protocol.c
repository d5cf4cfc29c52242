/* SPDX-License-Identifier: MIT */
/* The generator protocol as CPython 3.11 behaves, one test per behaviour. */
#include "harness.h"

#include <cogen.h>
#include <errno.h>
#include <stdint.h>

static cogen *mk(cogen_fn fn, void *arg, const char *name)
{
    cogen_opts o = {0, name, 0};
    cogen *g = cogen_new(fn, arg, &o);
    CHECK(g != NULL);
    return g;
}

static void log_cleanup(void *arg)
{
    tlogf("cleanup:%s ", (const char *)arg);
}

/* Yields 1, 2, 3 ...; logs each value received. */
static void *counter(cogen *self, void *arg)
{
    void *got;
    (void)arg;
    tlogf("start ");
    for (intptr_t i = 1;; i++) {
        int k = cogen_yield(self, V(i), &got);
        if (k != COGEN_SENT)
            return V(-1);
        tlogf("got:%d ", I(got));
    }
}

TEST(creation_runs_no_code)
{
    cogen *g = mk(counter, NULL, "c");
    CHECK_STR(tlog, "");
    CHECK_EQ_INT(cogen_getstate(g), COGEN_CREATED);
    cogen_free(g);
    CHECK_STR(tlog, "");
}

TEST(first_next_runs_to_first_yield)
{
    cogen *g = mk(counter, NULL, "c");
    void *out = V(99);
    CHECK_EQ_INT(cogen_next(g, &out), COGEN_YIELDED);
    CHECK_EQ_INT(I(out), 1);
    CHECK_STR(tlog, "start ");
    CHECK_EQ_INT(cogen_getstate(g), COGEN_SUSPENDED);
    cogen_free(g);
}

TEST(send_non_null_to_created_is_error)
{
    cogen *g = mk(counter, NULL, "fresh");
    void *out = V(5);
    CHECK_EQ_INT(cogen_send(g, V(7), &out), COGEN_ERROR);
    CHECK_EQ_INT(cogen_last_error(g)->code, COGEN_EFRESH);
    CHECK_STR(cogen_last_error(g)->where, "fresh");
    CHECK(cogen_last_error(g)->msg[0] != '\0');
    CHECK_STR(tlog, "");                              /* no code ran */
    CHECK_EQ_INT(cogen_getstate(g), COGEN_CREATED);   /* unchanged */
    CHECK_EQ_INT(cogen_next(g, &out), COGEN_YIELDED); /* and still works */
    CHECK_EQ_INT(I(out), 1);
    cogen_free(g);
}

static void *returns_at_once(cogen *self, void *arg)
{
    (void)self;
    tlogf("ran ");
    return arg;
}

TEST(return_before_first_yield)
{
    cogen *g = mk(returns_at_once, V(42), "r");
    void *out = NULL;
    CHECK_EQ_INT(cogen_next(g, &out), COGEN_RETURNED);
    CHECK_EQ_INT(I(out), 42);
    CHECK_EQ_INT(cogen_getstate(g), COGEN_CLOSED);
    CHECK_STR(tlog, "ran ");
    cogen_free(g);
}

TEST(send_resumes_yield_with_value)
{
    cogen *g = mk(counter, NULL, "c");
    void *out;
    CHECK_EQ_INT(cogen_next(g, &out), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_send(g, V(10), &out), COGEN_YIELDED);
    CHECK_EQ_INT(I(out), 2);
    CHECK_EQ_INT(cogen_send(g, V(20), &out), COGEN_YIELDED);
    CHECK_EQ_INT(I(out), 3);
    CHECK_EQ_INT(cogen_next(g, &out), COGEN_YIELDED); /* next resumes with NULL */
    CHECK_STR(tlog, "start got:10 got:20 got:0 ");
    cogen_free(g);
}

/* B is resumed first by main, then by A: each yield goes to the most recent resumer. */
static void *resumes_other(cogen *self, void *arg)
{
    void *out;
    CHECK_EQ_INT(cogen_send(arg, V(5), &out), COGEN_YIELDED);
    tlogf("A-got:%d ", I(out));
    cogen_yield(self, V(100), NULL);
    return NULL;
}

TEST(control_returns_to_most_recent_resumer)
{
    cogen *b = mk(counter, NULL, "b");
    cogen *a = mk(resumes_other, b, "a");
    void *out;
    CHECK_EQ_INT(cogen_next(b, &out), COGEN_YIELDED); /* main primes b */
    CHECK_EQ_INT(cogen_next(a, &out), COGEN_YIELDED); /* a resumes b; b's yield returns to a */
    CHECK_EQ_INT(I(out), 100);
    CHECK_EQ_INT(cogen_send(b, V(6), &out), COGEN_YIELDED); /* and now to main */
    CHECK_EQ_INT(I(out), 3);
    CHECK_STR(tlog, "start got:5 A-got:2 got:6 ");
    cogen_free(a);
    cogen_free(b);
}

TEST(send_after_end_returns_null_and_runs_nothing)
{
    cogen *g = mk(returns_at_once, V(42), "r");
    void *out;
    CHECK_EQ_INT(cogen_next(g, &out), COGEN_RETURNED);
    CHECK_EQ_INT(I(out), 42); /* return value: first time only */
    tlog[0] = '\0';
    out = V(1);
    CHECK_EQ_INT(cogen_next(g, &out), COGEN_RETURNED);
    CHECK(out == NULL);
    CHECK_EQ_INT(cogen_send(g, V(3), &out), COGEN_RETURNED);
    CHECK(out == NULL);
    CHECK_STR(tlog, "");
    CHECK_EQ_INT(cogen_getstate(g), COGEN_CLOSED);
    cogen_free(g);
}

static void deep_raise(cogen *self, int depth)
{
    if (depth < 0)
        return;
    if (depth == 0)
        cogen_raise(self, 17, "bad input %d", 42);
    deep_raise(self, depth - 1);
}

static void *raises(cogen *self, void *arg)
{
    cogen_defer(self, log_cleanup, "outer");
    cogen_defer(self, log_cleanup, "inner");
    cogen_yield(self, V(1), NULL);
    deep_raise(self, I(arg));
    return NULL;
}

TEST(raise_runs_cleanups_and_error_comes_out)
{
    cogen *g = mk(raises, V(5), "parser");
    void *out = V(9);
    CHECK_EQ_INT(cogen_next(g, &out), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_next(g, &out), COGEN_ERROR);
    CHECK(out == V(9) || out == NULL);
    CHECK_EQ_INT(cogen_last_error(g)->code, 17);
    CHECK_STR(cogen_last_error(g)->msg, "bad input 42");
    CHECK_STR(cogen_last_error(g)->where, "parser");
    CHECK_STR(tlog, "cleanup:inner cleanup:outer ");
    CHECK_EQ_INT(cogen_getstate(g), COGEN_CLOSED);
    CHECK_EQ_INT(cogen_next(g, &out), COGEN_RETURNED);
    cogen_free(g);
}

static void *closes_cleanly(cogen *self, void *arg)
{
    int k;
    (void)arg;
    cogen_defer(self, log_cleanup, "1");
    cogen_defer(self, log_cleanup, "2");
    while ((k = cogen_yield(self, V(1), NULL)) == COGEN_SENT)
        ;
    tlogf("saw:%s ", k == COGEN_EXIT ? "EXIT" : "other");
    CHECK_EQ_INT(cogen_last_error(self)->code, COGEN_EEXIT);
    return V(5);
}

TEST(close_suspended_delivers_exit_and_runs_cleanups)
{
    cogen *g = mk(closes_cleanly, NULL, "c");
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_close(g), 0);
    CHECK_STR(tlog, "saw:EXIT cleanup:2 cleanup:1 ");
    CHECK_EQ_INT(cogen_getstate(g), COGEN_CLOSED);
    cogen_free(g);
}

static void *reraises_exit(cogen *self, void *arg)
{
    (void)arg;
    cogen_defer(self, log_cleanup, "x");
    if (cogen_yield(self, V(1), NULL) == COGEN_EXIT)
        cogen_reraise(self);
    return NULL;
}

TEST(close_with_exit_propagating_succeeds)
{
    cogen *g = mk(reraises_exit, NULL, "c");
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_close(g), 0);
    CHECK_STR(tlog, "cleanup:x ");
    CHECK_EQ_INT(cogen_getstate(g), COGEN_CLOSED);
    cogen_free(g);
}

static void *defers_at_start(cogen *self, void *arg)
{
    (void)arg;
    cogen_defer(self, log_cleanup, "never");
    return NULL;
}

TEST(close_created_runs_no_code)
{
    cogen *g = mk(defers_at_start, NULL, "c");
    CHECK_EQ_INT(cogen_close(g), 0);
    CHECK_EQ_INT(cogen_getstate(g), COGEN_CLOSED);
    CHECK_STR(tlog, "");
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_RETURNED); /* never starts afterwards */
    CHECK_STR(tlog, "");
    cogen_free(g);
}

TEST(close_closed_is_a_noop)
{
    cogen *g = mk(closes_cleanly, NULL, "c");
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_close(g), 0);
    tlog[0] = '\0';
    for (int i = 0; i < 3; i++)
        CHECK_EQ_INT(cogen_close(g), 0);
    CHECK_STR(tlog, "");
    cogen_free(g);
}

/* Ignores the first EXIT (yields 2), obeys the second. */
static void *ignores_exit_once(cogen *self, void *arg)
{
    (void)arg;
    cogen_defer(self, log_cleanup, "c");
    if (cogen_yield(self, V(1), NULL) == COGEN_EXIT) {
        tlogf("ignoring ");
        if (cogen_yield(self, V(2), NULL) == COGEN_EXIT)
            tlogf("obeying ");
    }
    return NULL;
}

TEST(close_ignored_exit_stays_suspended)
{
    cogen *g = mk(ignores_exit_once, NULL, "stubborn");
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_close(g), COGEN_ERROR);
    CHECK_EQ_INT(cogen_last_error(g)->code, COGEN_EIGNORED);
    CHECK_STR(cogen_last_error(g)->where, "stubborn");
    CHECK_EQ_INT(cogen_getstate(g), COGEN_SUSPENDED);
    CHECK_STR(tlog, "ignoring ");
    CHECK_EQ_INT(cogen_close(g), 0); /* EXIT again, at the new yield */
    CHECK_STR(tlog, "ignoring obeying cleanup:c ");
    CHECK_EQ_INT(cogen_getstate(g), COGEN_CLOSED);
    cogen_free(g);
}

static void *raises_on_exit(cogen *self, void *arg)
{
    (void)arg;
    if (cogen_yield(self, V(1), NULL) == COGEN_EXIT)
        cogen_raise(self, 33, "cannot flush");
    return NULL;
}

TEST(close_body_raising_other_error_fails_close)
{
    cogen *g = mk(raises_on_exit, NULL, "w");
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_close(g), COGEN_ERROR);
    CHECK_EQ_INT(cogen_last_error(g)->code, 33);
    CHECK_STR(cogen_last_error(g)->msg, "cannot flush");
    CHECK_EQ_INT(cogen_getstate(g), COGEN_CLOSED);
    cogen_free(g);
}

/* On THROWN: mode 0 handles and yields, 1 returns 77, 2 re-raises, 3 raises another. */
static void *catcher(cogen *self, void *arg)
{
    int mode = I(arg);
    cogen_defer(self, log_cleanup, "k");
    for (;;) {
        int k = cogen_yield(self, V(1), NULL);
        if (k == COGEN_EXIT)
            return NULL;
        if (k != COGEN_THROWN)
            continue;
        tlogf("caught:%d:%s ", cogen_last_error(self)->code, cogen_last_error(self)->msg);
        switch (mode) {
        case 0:
            if (cogen_yield(self, V(50), NULL) == COGEN_EXIT)
                return NULL;
            break;
        case 1: return V(77);
        case 2: cogen_reraise(self);
        default: cogen_raise(self, 8, "other");
        }
    }
}

TEST(throw_handled_then_yield)
{
    cogen *g = mk(catcher, V(0), "t");
    void *out;
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_throw(g, 5, "boom", &out), COGEN_YIELDED);
    CHECK_EQ_INT(I(out), 50);
    CHECK_EQ_INT(cogen_getstate(g), COGEN_SUSPENDED);
    CHECK_STR(tlog, "caught:5:boom ");
    cogen_free(g);
}

TEST(throw_handled_then_return)
{
    cogen *g = mk(catcher, V(1), "t");
    void *out;
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_throw(g, 5, "boom", &out), COGEN_RETURNED);
    CHECK_EQ_INT(I(out), 77);
    CHECK_EQ_INT(cogen_getstate(g), COGEN_CLOSED);
    CHECK_STR(tlog, "caught:5:boom cleanup:k ");
    cogen_free(g);
}

TEST(throw_unhandled_comes_out)
{
    cogen *g = mk(catcher, V(2), "t");
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_throw(g, 5, "boom", NULL), COGEN_ERROR);
    CHECK_EQ_INT(cogen_last_error(g)->code, 5);
    CHECK_STR(cogen_last_error(g)->msg, "boom");
    CHECK_EQ_INT(cogen_getstate(g), COGEN_CLOSED);
    CHECK_STR(tlog, "caught:5:boom cleanup:k ");
    cogen_free(g);
}

TEST(throw_answered_by_another_error)
{
    cogen *g = mk(catcher, V(3), "t");
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_throw(g, 5, "boom", NULL), COGEN_ERROR);
    CHECK_EQ_INT(cogen_last_error(g)->code, 8);
    CHECK_STR(cogen_last_error(g)->msg, "other");
    cogen_free(g);
}

TEST(throw_created_runs_no_code)
{
    cogen *g = mk(defers_at_start, NULL, "t");
    CHECK_EQ_INT(cogen_throw(g, 4, "early", NULL), COGEN_ERROR);
    CHECK_EQ_INT(cogen_last_error(g)->code, 4);
    CHECK_STR(cogen_last_error(g)->msg, "early");
    CHECK_EQ_INT(cogen_getstate(g), COGEN_CLOSED);
    CHECK_STR(tlog, "");
    cogen_free(g);
    CHECK_STR(tlog, "");
}

TEST(throw_closed_comes_back_at_once)
{
    cogen *g = mk(returns_at_once, NULL, "t");
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_RETURNED);
    tlog[0] = '\0';
    CHECK_EQ_INT(cogen_throw(g, 6, NULL, NULL), COGEN_ERROR);
    CHECK_EQ_INT(cogen_last_error(g)->code, 6);
    CHECK_STR(cogen_last_error(g)->msg, "thrown");
    CHECK_STR(tlog, "");
    cogen_free(g);
}

/* On EXIT: mode 0 yields 9, 1 re-raises, 2 returns 4. */
static void *exit_reactions(cogen *self, void *arg)
{
    if (cogen_yield(self, V(1), NULL) != COGEN_EXIT)
        return NULL;
    tlogf("exit ");
    switch (I(arg)) {
    case 0: cogen_yield(self, V(9), NULL); return NULL;
    case 1: cogen_reraise(self);
    default: return V(4);
    }
}

TEST(throw_exit_is_unfiltered_close)
{
    void *out;
    cogen *g = mk(exit_reactions, V(0), "e");
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_throw(g, COGEN_EEXIT, "stop", &out), COGEN_YIELDED);
    CHECK_EQ_INT(I(out), 9);
    CHECK_EQ_INT(cogen_getstate(g), COGEN_SUSPENDED);
    cogen_free(g);

    g = mk(exit_reactions, V(1), "e");
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_throw(g, COGEN_EEXIT, "stop", &out), COGEN_ERROR);
    CHECK_EQ_INT(cogen_last_error(g)->code, COGEN_EEXIT);
    CHECK_EQ_INT(cogen_getstate(g), COGEN_CLOSED);
    cogen_free(g);

    g = mk(exit_reactions, V(2), "e");
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_throw(g, COGEN_EEXIT, "stop", &out), COGEN_RETURNED);
    CHECK_EQ_INT(I(out), 4);
    cogen_free(g);
    CHECK_STR(tlog, "exit exit exit ");
}

static void *resumes_itself(cogen *self, void *arg)
{
    void *out = V(3);
    (void)arg;
    CHECK_EQ_INT(cogen_send(self, NULL, &out), COGEN_ERROR);
    CHECK_EQ_INT(cogen_last_error(self)->code, COGEN_EBUSY);
    CHECK_EQ_INT(cogen_throw(self, 1, "x", NULL), COGEN_ERROR);
    CHECK_EQ_INT(cogen_last_error(self)->code, COGEN_EBUSY);
    CHECK_EQ_INT(cogen_close(self), COGEN_ERROR);
    CHECK_EQ_INT(cogen_last_error(self)->code, COGEN_EBUSY);
    CHECK_EQ_INT(cogen_getstate(self), COGEN_RUNNING);
    tlogf("still-running ");
    cogen_yield(self, V(1), NULL);
    return NULL;
}

TEST(already_executing_self)
{
    cogen *g = mk(resumes_itself, NULL, "self");
    void *out;
    CHECK_EQ_INT(cogen_next(g, &out), COGEN_YIELDED);
    CHECK_EQ_INT(I(out), 1);
    CHECK_STR(tlog, "still-running ");
    cogen_free(g);
}

/* A resumes B, B resumes A: A is running. */
static void *cycle_b(cogen *self, void *arg)
{
    cogen *a = arg;
    (void)self;
    CHECK_EQ_INT(cogen_next(a, NULL), COGEN_ERROR);
    CHECK_EQ_INT(cogen_last_error(a)->code, COGEN_EBUSY);
    CHECK_EQ_INT(cogen_close(a), COGEN_ERROR);
    CHECK_EQ_INT(cogen_getstate(a), COGEN_RUNNING);
    tlogf("b-saw-busy ");
    return V(2);
}

static void *cycle_a(cogen *self, void *arg)
{
    cogen_opts o = {0, "b", 0};
    cogen *b = cogen_new(cycle_b, self, &o);
    void *out;
    (void)arg;
    CHECK_EQ_INT(cogen_next(b, &out), COGEN_RETURNED);
    CHECK_EQ_INT(I(out), 2);
    cogen_free(b);
    cogen_yield(self, V(1), NULL);
    return NULL;
}

TEST(already_executing_cycle)
{
    cogen *a = mk(cycle_a, NULL, "a");
    CHECK_EQ_INT(cogen_next(a, NULL), COGEN_YIELDED);
    CHECK_STR(tlog, "b-saw-busy ");
    CHECK_EQ_INT(cogen_getstate(a), COGEN_SUSPENDED);
    cogen_free(a);
}

static char hook_log[512];
static void record_hook(const cogen *g, const char *context, const cogen_err *err)
{
    size_t n = strlen(hook_log);
    snprintf(hook_log + n, sizeof hook_log - n, "[%s|%s|%d|%s]", cogen_name(g), context, err->code,
             err->msg);
}

TEST(free_suspended_closes_it)
{
    cogen *g = mk(closes_cleanly, NULL, "c");
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    cogen_free(g);
    CHECK_STR(tlog, "saw:EXIT cleanup:2 cleanup:1 ");
}

TEST(free_reports_close_errors)
{
    cogen *g = mk(raises_on_exit, NULL, "w");
    cogen_set_unraisable_hook(record_hook);
    hook_log[0] = '\0';
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    cogen_free(g);
    CHECK_STR(hook_log, "[w|close in cogen_free|33|cannot flush]");

    /* A body that ignores EXIT: reported, its cleanups still run, freed. */
    hook_log[0] = '\0';
    g = mk(ignores_exit_once, NULL, "s");
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    cogen_free(g);
    CHECK(strstr(hook_log, "[s|close in cogen_free|-103|") != NULL);
    CHECK_STR(tlog, "ignoring cleanup:c ");
    cogen_set_unraisable_hook(NULL);
}

TEST(free_created_or_closed_runs_no_code)
{
    cogen *g = mk(defers_at_start, NULL, "c");
    cogen_free(g);
    g = mk(returns_at_once, NULL, "c");
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_RETURNED);
    tlog[0] = '\0';
    cogen_free(g);
    CHECK_STR(tlog, "");
    cogen_free(NULL);
}

static void *primed_body(cogen *self, void *arg)
{
    void *got;
    (void)arg;
    tlogf("pre-yield ");
    while (cogen_yield(self, V(1), &got) == COGEN_SENT)
        tlogf("got:%d ", I(got));
    return NULL;
}

TEST(primed_runs_to_first_yield)
{
    cogen_opts o = {0, "p", COGEN_PRIMED};
    cogen *g = cogen_new(primed_body, NULL, &o);
    CHECK(g != NULL);
    CHECK_EQ_INT(cogen_getstate(g), COGEN_SUSPENDED);
    CHECK_STR(tlog, "pre-yield ");
    CHECK_EQ_INT(cogen_send(g, V(4), NULL), COGEN_YIELDED); /* ready for send */
    CHECK_STR(tlog, "pre-yield got:4 ");
    cogen_free(g);
}

static void *raises_at_once(cogen *self, void *arg)
{
    (void)arg;
    cogen_raise(self, 12, "no file");
}

static void *handles_then_returns(cogen *self, void *arg)
{
    (void)arg;
    CHECK_EQ_INT(cogen_yield_from(self, NULL, NULL), COGEN_ERROR); /* handled */
    return NULL;
}

TEST(primed_body_ending_early_is_reported)
{
    cogen_opts o = {0, "p", COGEN_PRIMED};
    errno = 0;
    CHECK(cogen_new(returns_at_once, NULL, &o) == NULL);
    CHECK_EQ_INT(errno, ECANCELED);
    cogen_set_unraisable_hook(record_hook);
    hook_log[0] = '\0';
    errno = 0;
    CHECK(cogen_new(raises_at_once, NULL, &o) == NULL);
    CHECK_EQ_INT(errno, ECANCELED);
    CHECK_STR(hook_log, "[p|primed body ended before its first yield|12|no file]");
    /* an error the body handled before returning is not reported */
    hook_log[0] = '\0';
    CHECK(cogen_new(handles_then_returns, NULL, &o) == NULL);
    CHECK_EQ_INT(errno, ECANCELED);
    CHECK_STR(hook_log, "");
    cogen_set_unraisable_hook(NULL);
}

static void nested_return(cogen *self, int depth)
{
    if (depth < 0)
        return;
    if (depth == 0)
        cogen_return(self, V(314));
    nested_return(self, depth - 1);
}

static void *returns_from_nested(cogen *self, void *arg)
{
    cogen_defer(self, log_cleanup, "r");
    cogen_yield(self, V(1), NULL);
    nested_return(self, I(arg));
    return NULL;
}

TEST(return_from_nested_call)
{
    cogen *g = mk(returns_from_nested, V(10), "n");
    void *out;
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_next(g, &out), COGEN_RETURNED);
    CHECK_EQ_INT(I(out), 314);
    CHECK_STR(tlog, "cleanup:r ");
    cogen_free(g);
}

/* Cleanups that raise: the later error replaces the earlier one; each runs once. */
static void raising_cleanup(void *arg)
{
    tlogf("rc ");
    cogen_raise(arg, 21, "cleanup failed");
}

static void *cleanup_raises(cogen *self, void *arg)
{
    (void)arg;
    cogen_defer(self, log_cleanup, "first");
    cogen_defer(self, raising_cleanup, self);
    cogen_defer(self, log_cleanup, "last");
    cogen_yield(self, V(1), NULL);
    return V(1);
}

TEST(cleanup_raising_replaces_result)
{
    cogen *g = mk(cleanup_raises, NULL, "cr");
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_ERROR);
    CHECK_EQ_INT(cogen_last_error(g)->code, 21);
    CHECK_STR(tlog, "cleanup:last rc cleanup:first ");
    cogen_free(g);
}

/* Nested yields from helper functions (stackful: no trampolining). */
static void helper_yields(cogen *self, int depth, int *sum)
{
    void *got;
    if (depth == 0) {
        cogen_yield(self, V(depth), &got);
        *sum += I(got);
        return;
    }
    helper_yields(self, depth - 1, sum);
    cogen_yield(self, V(depth), &got);
    *sum += I(got);
}

static void *yields_from_helpers(cogen *self, void *arg)
{
    int sum = 0;
    helper_yields(self, I(arg), &sum);
    return V(sum);
}

TEST(nested_yields_from_helper_functions)
{
    cogen *g = mk(yields_from_helpers, V(20), "h");
    void *out;
    int expect = 0, rc = cogen_next(g, &out);
    for (int i = 0; rc == COGEN_YIELDED; i++) {
        CHECK_EQ_INT(I(out), i);
        rc = cogen_send(g, V(i + 1), &out);
        expect += i + 1;
    }
    CHECK_EQ_INT(rc, COGEN_RETURNED);
    CHECK_EQ_INT(I(out), expect);
    cogen_free(g);
}

/* The course's fan-out/fan-in example with plain generators:
 * broadcast([grep("a", p), grep("b", p)]) with one shared printer, fed
 * "ab", "c", "b", prints "ab" twice and "b" once. */
typedef struct grep_args {
    const char *pattern;
    cogen *target;
} grep_args;

static void *grep_body(cogen *self, void *arg)
{
    grep_args *a = arg;
    void *line;
    while (cogen_yield(self, NULL, &line) == COGEN_SENT)
        if (strstr(line, a->pattern))
            cogen_send(a->target, line, NULL);
    return NULL;
}

static void *printer_body(cogen *self, void *arg)
{
    void *line;
    (void)arg;
    while (cogen_yield(self, NULL, &line) == COGEN_SENT)
        tlogf("%s\n", (const char *)line);
    return NULL;
}

static void *broadcast_body(cogen *self, void *arg)
{
    cogen **targets = arg;
    void *item;
    while (cogen_yield(self, NULL, &item) == COGEN_SENT)
        for (int i = 0; targets[i]; i++)
            cogen_send(targets[i], item, NULL);
    return NULL;
}

TEST(broadcast_fan_out_fan_in)
{
    cogen_opts primed = {0, "printer", COGEN_PRIMED};
    cogen *p = cogen_new(printer_body, NULL, &primed);
    grep_args ga = {"a", p}, gb = {"b", p};
    cogen *targets[3];
    const char *lines[] = {"ab", "c", "b"};
    primed.name = "grep";
    targets[0] = cogen_new(grep_body, &ga, &primed);
    targets[1] = cogen_new(grep_body, &gb, &primed);
    targets[2] = NULL;
    primed.name = "broadcast";
    cogen *bc = cogen_new(broadcast_body, targets, &primed);
    CHECK(p && targets[0] && targets[1] && bc);
    for (int i = 0; i < 3; i++)
        CHECK_EQ_INT(cogen_send(bc, (void *)lines[i], NULL), COGEN_YIELDED);
    CHECK_STR(tlog, "ab\nab\nb\n");
    cogen_free(bc);
    cogen_free(targets[0]);
    cogen_free(targets[1]);
    cogen_free(p);
}

static void *reraises_own_busy(cogen *self, void *arg)
{
    (void)arg;
    CHECK_EQ_INT(cogen_next(self, NULL), COGEN_ERROR);
    cogen_reraise(self); /* passes the EBUSY of the refused call on */
}

TEST(reraise_passes_on_a_refused_call)
{
    cogen *g = mk(reraises_own_busy, NULL, "self");
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_ERROR);
    CHECK_EQ_INT(cogen_last_error(g)->code, COGEN_EBUSY);
    CHECK_STR(cogen_last_error(g)->msg, "generator already executing");
    cogen_free(g);
}

/* ---- traps a new user meets */

TEST(states_results_outcomes_and_codes_never_compare_equal)
{
    const int values[] = {
        COGEN_ERROR,   COGEN_YIELDED,  COGEN_RETURNED,  COGEN_SENT,   COGEN_THROWN, COGEN_EXIT,
        COGEN_CREATED, COGEN_RUNNING,  COGEN_SUSPENDED, COGEN_CLOSED, COGEN_EEXIT,  COGEN_EBUSY,
        COGEN_EFRESH,  COGEN_EIGNORED, COGEN_ENOMEM,    COGEN_EINVAL, COGEN_ESTACK, 0};
    const size_t n = sizeof values / sizeof values[0];
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            CHECK(values[i] != values[j]);
}

/* The course's nested `while True: x = (yield)` loops, with receive. */
static void count_cleanup_p(void *arg)
{
    (*(int *)arg)++;
}

static void *nested_receivers(cogen *self, void *arg)
{
    cogen_defer(self, count_cleanup_p, arg);
    for (;;) {
        void *x = cogen_receive(self, NULL);
        if (I(x) == 1) /* a nested state: its own receive loop */
            while (I(cogen_receive(self, V(10))) != 2)
                ;
    }
    return NULL;
}

TEST(receive_loops_close_cleanly_and_pass_thrown_errors_on)
{
    int cleaned = 0;
    void *out;
    cogen_opts o = {0, "receiver", 0};
    cogen *g = cogen_new(nested_receivers, &cleaned, &o);
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_send(g, V(1), &out), COGEN_YIELDED);
    CHECK_EQ_INT(I(out), 10); /* in the nested loop */
    CHECK_EQ_INT(cogen_close(g), 0);
    CHECK_EQ_INT(cleaned, 1);
    CHECK_EQ_INT(cogen_last_error(g)->code, 0);
    cogen_free(g);
    g = cogen_new(nested_receivers, &cleaned, &o);
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_throw(g, 42, "bad input", NULL), COGEN_ERROR);
    CHECK_EQ_INT(cogen_last_error(g)->code, 42);
    CHECK_STR(cogen_last_error(g)->msg, "bad input");
    CHECK_EQ_INT(cleaned, 2);
    CHECK_EQ_INT(cogen_getstate(g), COGEN_CLOSED);
    cogen_free(g);
}

/* A stage sends to its target; the target fails: the stage ends with the
 * target's error, keeping where it came from. */
static void *fails_on_three(cogen *self, void *arg)
{
    (void)arg;
    for (;;)
        if (I(cogen_receive(self, NULL)) == 3)
            cogen_raise(self, 33, "three is too many");
}

static void *forwards(cogen *self, void *arg)
{
    for (;;) {
        void *x = cogen_receive(self, NULL);
        CHECK_EQ_INT(cogen_send_or_raise(self, arg, x, NULL), COGEN_YIELDED);
    }
}

TEST(send_or_raise_ends_the_sender_with_the_targets_error)
{
    cogen_opts to = {0, "target", 0}, so = {0, "stage", 0};
    cogen *t = cogen_new(fails_on_three, NULL, &to);
    cogen *s = cogen_new(forwards, t, &so);
    CHECK_EQ_INT(cogen_next(t, NULL), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_next(s, NULL), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_send(s, V(1), NULL), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_send(s, V(3), NULL), COGEN_ERROR);
    CHECK_EQ_INT(cogen_last_error(s)->code, 33);
    CHECK_STR(cogen_last_error(s)->msg, "three is too many");
    CHECK_STR(cogen_last_error(s)->where, "target");
    CHECK_EQ_INT(cogen_getstate(s), COGEN_CLOSED);
    CHECK_EQ_INT(cogen_getstate(t), COGEN_CLOSED);
    cogen_free(s);
    cogen_free(t);
}

static void *raises_what_it_got(cogen *self, void *arg)
{
    cogen_raise_error(self, arg);
}

TEST(raise_error_keeps_where_it_came_from)
{
    cogen_err e = {44, "from afar", "elsewhere"};
    cogen *g = cogen_new(raises_what_it_got, &e, NULL);
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_ERROR);
    CHECK_EQ_INT(cogen_last_error(g)->code, 44);
    CHECK_STR(cogen_last_error(g)->msg, "from afar");
    CHECK_STR(cogen_last_error(g)->where, "elsewhere");
    cogen_free(g);
    g = cogen_new(raises_what_it_got, NULL, NULL);
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_ERROR);
    CHECK_EQ_INT(cogen_last_error(g)->code, COGEN_EINVAL);
    cogen_free(g);
}

/* A cleanup of a local, and a body that ends with a plain return: the
 * local is gone, so the cleanup is not run and the resume says why. */
static int local_cleanups;

static void reads_local(void *arg)
{
    local_cleanups += *(volatile int *)arg;
}

static void *defers_a_local(cogen *self, void *arg)
{
    int local = 5;
    cogen_defer(self, reads_local, &local);
    cogen_yield(self, NULL, NULL);
    if (arg)
        cogen_return(self, V(1)); /* cleanups run while `local` lives */
    return V(2);
}

TEST(cleanup_of_a_local_after_a_plain_return_is_an_error)
{
    cogen *g = cogen_new(defers_a_local, V(1), NULL);
    void *out;
    local_cleanups = 0;
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_next(g, &out), COGEN_RETURNED);
    CHECK_EQ_INT(local_cleanups, 5);
    cogen_free(g);
#if !defined(__SANITIZE_ADDRESS__) /* there ASan reports it (use after return) */
    g = cogen_new(defers_a_local, NULL, NULL);
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_next(g, &out), COGEN_ERROR);
    CHECK_EQ_INT(cogen_last_error(g)->code, COGEN_EINVAL);
    CHECK_EQ_INT(local_cleanups, 5); /* not run */
    cogen_free(g);
#endif
}
