/* SPDX-License-Identifier: MIT */
/* yield_from (PEP 380) as CPython 3.11 behaves, one test per behaviour. */
#include "harness.h"

#include "shared.h"
#include <cogen.h>
#include <stdint.h>

static void log_cleanup(void *arg)
{
    tlogf("cleanup:%s ", (const char *)arg);
}

static cogen *mk(cogen_fn fn, void *arg, const char *name)
{
    cogen_opts o = {0, name, 0};
    cogen *g = cogen_new(fn, arg, &o);
    CHECK(g != NULL);
    return g;
}

/* Yields base+1, base+2, base+3 (logging what it receives), returns base+100.
 * A THROWN code 1 is handled (yields -1); others re-raised. */
static void *sub_body(cogen *self, void *arg)
{
    intptr_t base = (intptr_t)arg;
    void *got;
    cogen_defer(self, log_cleanup, "sub");
    for (intptr_t i = 1; i <= 3; i++) {
        int k = cogen_yield(self, V(base + i), &got);
        if (k == COGEN_SENT) {
            tlogf("sub-got:%d ", I(got));
        } else if (k == COGEN_THROWN) {
            if (cogen_last_error(self)->code != 1)
                cogen_reraise(self);
            tlogf("sub-handled ");
            cogen_yield(self, V(-1), NULL);
        } else {
            tlogf("sub-exit ");
            return NULL;
        }
    }
    return V(base + 100);
}

/* Delegates to a sub it creates (arg = base), logs the outcome, yields it. */
static void *delegator(cogen *self, void *arg)
{
    cogen_opts o = {0, "sub", 0};
    cogen *sub = cogen_new(sub_body, arg, &o);
    void *result = V(-5);
    int rc;
    cogen_defer(self, log_cleanup, "delegator");
    rc = cogen_yield_from(self, sub, &result);
    cogen_free(sub);
    if (rc == COGEN_EXIT) {
        tlogf("delegator-exit ");
        return NULL;
    }
    if (rc == COGEN_ERROR) {
        tlogf("delegator-error:%d:%s ", cogen_last_error(self)->code,
              cogen_last_error(self)->where);
        cogen_yield(self, V(-2), NULL);
        return NULL;
    }
    tlogf("result:%d ", I(result));
    cogen_yield(self, result, NULL);
    return V(7);
}

TEST(yield_from_primes_sub_and_passes_its_yields_out)
{
    cogen *d = mk(delegator, V(10), "d");
    void *out;
    CHECK_EQ_INT(cogen_next(d, &out), COGEN_YIELDED);
    CHECK_EQ_INT(I(out), 11);
    CHECK_EQ_INT(cogen_getstate(d), COGEN_SUSPENDED);
    cogen_free(d);
}

TEST(yield_from_forwards_send_and_returns_sub_value)
{
    cogen *d = mk(delegator, V(10), "d");
    void *out;
    CHECK_EQ_INT(cogen_next(d, &out), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_send(d, V(5), &out), COGEN_YIELDED);
    CHECK_EQ_INT(I(out), 12);
    CHECK_EQ_INT(cogen_send(d, V(6), &out), COGEN_YIELDED);
    CHECK_EQ_INT(I(out), 13);
    CHECK_EQ_INT(cogen_send(d, V(7), &out), COGEN_YIELDED);
    CHECK_EQ_INT(I(out), 110); /* the sub's return value, yielded by d */
    CHECK_STR(tlog, "sub-got:5 sub-got:6 sub-got:7 cleanup:sub result:110 ");
    CHECK_EQ_INT(cogen_next(d, &out), COGEN_RETURNED);
    CHECK_EQ_INT(I(out), 7);
    cogen_free(d);
}

TEST(yield_from_forwards_throw_to_sub)
{
    cogen *d = mk(delegator, V(10), "d");
    void *out;
    CHECK_EQ_INT(cogen_next(d, &out), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_throw(d, 1, "handled", &out), COGEN_YIELDED);
    CHECK_EQ_INT(I(out), -1);
    CHECK_STR(tlog, "sub-handled ");
    cogen_free(d);
}

TEST(yield_from_sub_error_goes_to_delegator)
{
    cogen *d = mk(delegator, V(10), "d");
    void *out;
    CHECK_EQ_INT(cogen_next(d, &out), COGEN_YIELDED);
    /* code 2: the sub re-raises; the delegator handles it and yields -2 */
    CHECK_EQ_INT(cogen_throw(d, 2, "unhandled", &out), COGEN_YIELDED);
    CHECK_EQ_INT(I(out), -2);
    CHECK_STR(tlog, "cleanup:sub delegator-error:2:sub ");
    cogen_free(d);
}

TEST(yield_from_close_closes_sub_first)
{
    cogen *d = mk(delegator, V(10), "d");
    CHECK_EQ_INT(cogen_next(d, NULL), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_close(d), 0);
    CHECK_STR(tlog, "sub-exit cleanup:sub delegator-exit cleanup:delegator ");
    CHECK_EQ_INT(cogen_getstate(d), COGEN_CLOSED);
    cogen_free(d);
}

TEST(yield_from_throw_exit_closes_sub_first)
{
    cogen *d = mk(delegator, V(10), "d");
    void *out;
    CHECK_EQ_INT(cogen_next(d, NULL), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_throw(d, COGEN_EEXIT, "x", &out), COGEN_RETURNED);
    CHECK(out == NULL);
    CHECK_STR(tlog, "sub-exit cleanup:sub delegator-exit cleanup:delegator ");
    cogen_free(d);
}

static cogen *watched[2];
static char state_letter(const cogen *g)
{
    switch (cogen_getstate(g)) {
    case COGEN_CREATED: return 'C';
    case COGEN_RUNNING: return 'R';
    case COGEN_SUSPENDED: return 'S';
    case COGEN_CLOSED: return 'X';
    default: return '?';
    }
}

static void *state_watcher(cogen *self, void *arg)
{
    (void)arg;
    tlogf("states:%c,%c cur:%s ", state_letter(watched[0]), state_letter(self),
          cogen_name(cogen_current()));
    cogen_yield(self, V(1), NULL);
    tlogf("states:%c,%c ", state_letter(watched[0]), state_letter(self));
    return NULL;
}

static void *delegates_to_arg(cogen *self, void *arg)
{
    void *r;
    int rc = cogen_yield_from(self, arg, &r);
    tlogf("rc:%d cur:%s ", rc, cogen_name(cogen_current()));
    return NULL;
}

TEST(yield_from_both_report_running)
{
    cogen *sub = mk(state_watcher, NULL, "watcher");
    cogen *d = mk(delegates_to_arg, sub, "d");
    watched[0] = d;
    CHECK_EQ_INT(cogen_next(d, NULL), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_getstate(d), COGEN_SUSPENDED);
    CHECK_EQ_INT(cogen_getstate(sub), COGEN_SUSPENDED);
    CHECK_EQ_INT(cogen_next(d, NULL), COGEN_RETURNED);
    CHECK_STR(tlog, "states:R,R cur:watcher states:R,R rc:2 cur:d ");
    CHECK(cogen_current() == NULL);
    cogen_free(d);
    cogen_free(sub);
}

/* A chain of delegators, each yield_from'ing the next; the last echoes. */
static void *echo(cogen *self, void *arg)
{
    void *got = arg;
    while (cogen_yield(self, got, &got) == COGEN_SENT)
        ;
    return V(-7);
}

static void *link_body(cogen *self, void *arg)
{
    void *r;
    if (cogen_yield_from(self, arg, &r) != COGEN_RETURNED)
        return NULL;
    return V(I(r) - 1);
}

static cogen *make_chain(int depth, cogen **all)
{
    all[0] = mk(echo, V(0), "echo");
    for (int i = 1; i <= depth; i++)
        all[i] = mk(link_body, all[i - 1], "link");
    return all[depth];
}

static long switches_per_send(int depth)
{
    cogen *all[65];
    cogen *top = make_chain(depth, all);
    void *out;
    long before;
    CHECK_EQ_INT(cogen_next(top, &out), COGEN_YIELDED);
    before = cogen__switch_count();
    for (int i = 1; i <= 100; i++) {
        CHECK_EQ_INT(cogen_send(top, V(i), &out), COGEN_YIELDED);
        CHECK_EQ_INT(I(out), i);
    }
    before = cogen__switch_count() - before;
    /* the echo's return value travels up the chain, one less per level */
    CHECK_EQ_INT(cogen_throw(top, COGEN_EEXIT, "x", &out), COGEN_RETURNED);
    for (int i = depth; i >= 0; i--)
        cogen_free(all[i]);
    return before / 100;
}

TEST(yield_from_chain_send_costs_constant_switches)
{
    long s1 = switches_per_send(1), s8 = switches_per_send(8), s64 = switches_per_send(64);
    CHECK_EQ_INT(s1, 2); /* one switch in, one out */
    CHECK_EQ_INT(s8, 2);
    CHECK_EQ_INT(s64, 2);
}

TEST(yield_from_sub_ended_behind_the_chain)
{
    cogen *all[9];
    cogen *top = make_chain(8, all);
    void *out;
    CHECK_EQ_INT(cogen_next(top, &out), COGEN_YIELDED);
    /* Closing the innermost directly: the next send reaches the delegator
     * above it, whose yield_from returns NULL (as CPython's StopIteration
     * without value); each level then returns its sub's value minus one. */
    CHECK_EQ_INT(cogen_close(all[0]), 0);
    CHECK_EQ_INT(cogen_next(top, &out), COGEN_RETURNED);
    CHECK_EQ_INT(I(out), -8);
    for (int i = 8; i >= 0; i--)
        cogen_free(all[i]);
}

static void *returns_at_third(cogen *self, void *arg)
{
    if (cogen_yield(self, V(1), NULL) != COGEN_SENT || cogen_yield(self, V(2), NULL) != COGEN_SENT)
        return NULL;
    return arg;
}

TEST(yield_from_sub_return_value_propagates_up)
{
    cogen *inner = mk(returns_at_third, V(50), "inner");
    cogen *mid = mk(link_body, inner, "mid");
    cogen *top = mk(link_body, mid, "top");
    void *out;
    CHECK_EQ_INT(cogen_next(top, &out), COGEN_YIELDED);
    CHECK_EQ_INT(I(out), 1);
    CHECK_EQ_INT(cogen_next(top, &out), COGEN_YIELDED);
    CHECK_EQ_INT(I(out), 2);
    CHECK_EQ_INT(cogen_next(top, &out), COGEN_RETURNED);
    CHECK_EQ_INT(I(out), 48); /* 50 - 1 (mid) - 1 (top) */
    CHECK_EQ_INT(cogen_getstate(mid), COGEN_CLOSED);
    CHECK_EQ_INT(cogen_getstate(inner), COGEN_CLOSED);
    cogen_free(top);
    cogen_free(mid);
    cogen_free(inner);
}

TEST(yield_from_closed_sub_returns_at_once)
{
    cogen *sub = mk(returns_at_third, V(3), "sub");
    cogen *d = mk(delegates_to_arg, sub, "d");
    CHECK_EQ_INT(cogen_close(sub), 0);
    CHECK_EQ_INT(cogen_next(d, NULL), COGEN_RETURNED);
    CHECK_STR(tlog, "rc:2 cur:d ");
    cogen_free(d);
    cogen_free(sub);
}

TEST(yield_from_sub_freed_while_delegated)
{
    cogen *sub = mk(returns_at_third, V(3), "sub");
    cogen *d = mk(delegates_to_arg, sub, "d");
    CHECK_EQ_INT(cogen_next(d, NULL), COGEN_YIELDED);
    cogen_free(sub);
    CHECK_EQ_INT(cogen_getstate(d), COGEN_SUSPENDED);
    CHECK_EQ_INT(cogen_next(d, NULL), COGEN_RETURNED);
    CHECK_STR(tlog, "rc:2 cur:d ");
    cogen_free(d);
}

TEST(yield_from_throw_into_ended_sub_comes_back)
{
    cogen *sub = mk(returns_at_third, V(3), "sub");
    cogen *d = mk(delegates_to_arg, sub, "d");
    CHECK_EQ_INT(cogen_next(d, NULL), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_close(sub), 0);
    CHECK_EQ_INT(cogen_throw(d, 9, "late", NULL), COGEN_RETURNED);
    CHECK_STR(tlog, "rc:-1 cur:d ");
    cogen_free(d);
    cogen_free(sub);
}

static void *ignores_exit(cogen *self, void *arg)
{
    (void)arg;
    if (cogen_yield(self, V(1), NULL) == COGEN_EXIT)
        cogen_yield(self, V(2), NULL);
    return NULL;
}

static void *delegator_reporting(cogen *self, void *arg)
{
    int rc = cogen_yield_from(self, arg, NULL);
    tlogf("rc:%d code:%d ", rc, cogen_last_error(self)->code);
    if (rc == COGEN_ERROR)
        cogen_reraise(self);
    return NULL;
}

TEST(yield_from_sub_ignoring_exit_fails_delegator_close)
{
    cogen *sub = mk(ignores_exit, NULL, "sub");
    cogen *d = mk(delegator_reporting, sub, "d");
    CHECK_EQ_INT(cogen_next(d, NULL), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_close(d), COGEN_ERROR);
    CHECK_EQ_INT(cogen_last_error(d)->code, COGEN_EIGNORED);
    CHECK_STR(cogen_last_error(d)->where, "sub");
    CHECK_EQ_INT(cogen_getstate(d), COGEN_CLOSED);
    CHECK_EQ_INT(cogen_getstate(sub), COGEN_SUSPENDED); /* as in CPython */
    CHECK_STR(tlog, "rc:-1 code:-103 ");
    cogen_free(d);
    cogen_free(sub);
}

TEST(yield_from_direct_send_to_sub)
{
    /* Python allows resuming a sub directly while it is delegated to. */
    cogen *sub = mk(returns_at_third, V(3), "sub");
    cogen *d = mk(delegates_to_arg, sub, "d");
    void *out;
    CHECK_EQ_INT(cogen_next(d, &out), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_next(sub, &out), COGEN_YIELDED);
    CHECK_EQ_INT(I(out), 2);
    CHECK_EQ_INT(cogen_next(sub, &out), COGEN_RETURNED); /* to its direct resumer */
    CHECK_EQ_INT(I(out), 3);
    CHECK_STR(tlog, "");
    CHECK_EQ_INT(cogen_next(d, &out), COGEN_RETURNED); /* d sees an ended sub */
    CHECK_STR(tlog, "rc:2 cur:d ");
    cogen_free(d);
    cogen_free(sub);
}

/* A deep chain is built and taken down level by level; starting and
 * ending each yield_from changes a constant number of links. */
static void *deep_level(cogen *self, void *arg)
{
    intptr_t d = (intptr_t)arg;
    cogen_opts o = {COGEN_STACK_MIN, NULL, 0};
    cogen *sub;
    void *r = NULL;
    if (d == 0) {
        void *got = NULL;
        while (cogen_yield(self, got, &got) == COGEN_SENT)
            ;
        return V(1000);
    }
    sub = cogen_new(deep_level, V(d - 1), &o);
    if (!sub)
        cogen_raise(self, 1, "no memory");
    int rc = cogen_yield_from(self, sub, &r);
    cogen_free(sub);
    if (rc == COGEN_EXIT)
        return NULL;
    return V(I(r) + 1);
}

TEST(yield_from_deep_chain_builds_sends_and_ends)
{
    enum { DEPTH = 3000 };
    cogen *g = cogen_new(deep_level, V(DEPTH), NULL);
    void *out;
    CHECK_EQ_INT(cogen_next(g, &out), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_send(g, V(5), &out), COGEN_YIELDED);
    CHECK_EQ_INT(I(out), 5);
    /* the innermost returns on a throw; each level adds one on its way out */
    CHECK_EQ_INT(cogen_throw(g, 3, "x", &out), COGEN_RETURNED);
    CHECK_EQ_INT(I(out), 1000 + DEPTH);
    CHECK_EQ_INT(cogen_getstate(g), COGEN_CLOSED);
    cogen_free(g);
    g = cogen_new(deep_level, V(DEPTH), NULL);
    CHECK_EQ_INT(cogen_next(g, &out), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_close(g), 0); /* closes every level, innermost first */
    cogen_free(g);
}

/* A delegator in the middle of a chain, addressed directly, after it has
 * joined another chain and moved to a second sub, the slot of its first
 * sub now holding an unrelated suspended generator: a send to it must reach
 * the chain's innermost generator and leave the unrelated one as it was
 * (what the delegator's own `leaf` link said before it joined is stale). */
static void *echo_plus(cogen *self, void *arg)
{
    void *got = NULL;
    while (cogen_yield(self, V(I(got) + I(arg)), &got) == COGEN_SENT && I(got) >= 0)
        ;
    return V(I(arg));
}

static void *two_subs(cogen *self, void *arg)
{
    cogen **subs = arg;
    void *r = NULL;
    (void)cogen_yield_from(self, subs[0], &r);
    tlogf("first:%d ", I(r));
    (void)cogen_yield_from(self, subs[1], &r);
    tlogf("second:%d ", I(r));
    return V(I(r) * 10);
}

static void *delegates_to_arg_quietly(cogen *self, void *sub)
{
    void *r = NULL;
    (void)cogen_yield_from(self, sub, &r);
    return r;
}

TEST(yield_from_send_to_a_middle_delegator_with_a_stale_leaf)
{
    cogen *subs[2];
    cogen *mid, *outer, *unrelated;
    uintptr_t stale;
    long put_backs;
    void *out;
    subs[0] = mk(echo_plus, V(100), "first");
    subs[1] = mk(echo_plus, V(200), "second");
    mid = mk(two_subs, subs, "mid");
    CHECK_EQ_INT(cogen_next(mid, &out), COGEN_YIELDED); /* mid's own chain: leaf = first */
    CHECK_EQ_INT(I(out), 100);
    outer = mk(delegates_to_arg_quietly, mid, "outer");
    CHECK_EQ_INT(cogen_next(outer, &out), COGEN_YIELDED);        /* mid joins outer's chain */
    CHECK_EQ_INT(cogen_send(outer, V(-1), &out), COGEN_YIELDED); /* first ends; mid on second */
    CHECK_EQ_INT(I(out), 200);
    CHECK_STR(tlog, "first:100 ");
    stale = (uintptr_t)subs[0];
    cogen_free(subs[0]);                          /* the slot mid's stale link points to ... */
    unrelated = mk(echo_plus, V(7), "unrelated"); /* ... now holds this one */
    CHECK((uintptr_t)unrelated == stale); /* the thread's slot cache is last in, first out */
    CHECK_EQ_INT(cogen_next(unrelated, &out), COGEN_YIELDED);
    CHECK_EQ_INT(I(out), 7);
    put_backs = cogen__put_back_count();
    CHECK_EQ_INT(cogen_send(mid, V(5), &out), COGEN_YIELDED); /* reaches second */
    CHECK_EQ_INT(I(out), 205);
    /* without taking the unrelated one, not even for an instant */
    CHECK_EQ_INT(cogen__put_back_count(), put_backs);
    /* a throw ends second's loop: it returns, and mid with it, to this
     * call (addressed to mid); outer finds its sub ended when next sent */
    CHECK_EQ_INT(cogen_throw(mid, 9, "boom", &out), COGEN_RETURNED);
    CHECK_EQ_INT(I(out), 2000);
    CHECK_STR(tlog, "first:100 second:200 ");
    CHECK_EQ_INT(cogen_getstate(subs[1]), COGEN_CLOSED);
    CHECK_EQ_INT(cogen_getstate(mid), COGEN_CLOSED);
    CHECK_EQ_INT(cogen_send(unrelated, V(1), &out), COGEN_YIELDED); /* untouched */
    CHECK_EQ_INT(I(out), 8);
    CHECK_EQ_INT(cogen_next(outer, &out), COGEN_RETURNED); /* as in CPython: None */
    CHECK(out == NULL);
    cogen_free(unrelated);
    cogen_free(outer);
    cogen_free(mid);
    cogen_free(subs[1]);
}

/* ---- freeing a delegator whose close failed with a chain below it: the
 * chain below goes on on its own, reached through its new outermost */

static cogen *orphan_mid, *orphan_leaf;
static int unraisable_reports;

static void count_unraisable(const cogen *g, const char *context, const cogen_err *err)
{
    (void)g;
    (void)context;
    CHECK_EQ_INT(err->code, COGEN_EIGNORED);
    unraisable_reports++;
}

/* Yields arg until its second EXIT: the first one it ignores. */
static void *ignores_one_exit(cogen *self, void *arg)
{
    int exits = 0;
    while (cogen_yield(self, arg, NULL) != COGEN_EXIT || ++exits < 2)
        ;
    return NULL;
}

static void *mid_over_a_stubborn_leaf(cogen *self, void *arg)
{
    orphan_leaf = mk(ignores_one_exit, arg, "leaf");
    cogen_yield_from(self, orphan_leaf, NULL);
    return NULL;
}

/* Delegates to a two-deep chain; when closed, to a second one, whose
 * leaf ignores that EXIT: the close fails with the new chain linked. */
static void *restarts_its_chain(cogen *self, void *arg)
{
    (void)arg;
    orphan_mid = mk(mid_over_a_stubborn_leaf, V(1), "mid");
    cogen_yield_from(self, orphan_mid, NULL);
    cogen_free(orphan_leaf);
    cogen_free(orphan_mid);
    orphan_mid = mk(mid_over_a_stubborn_leaf, V(2), "mid");
    cogen_yield_from(self, orphan_mid, NULL);
    return NULL;
}

TEST(freeing_a_delegator_leaves_the_chain_below_whole)
{
    cogen_unraisable_fn old = cogen_set_unraisable_hook(count_unraisable);
    cogen *outer = mk(restarts_its_chain, NULL, "outer");
    void *out;
    CHECK_EQ_INT(cogen_next(outer, &out), COGEN_YIELDED);
    CHECK_EQ_INT(I(out), 1);
    cogen_free(outer); /* its close fails: it is abandoned, cut from mid */
    CHECK_EQ_INT(unraisable_reports, 1);
    CHECK_EQ_INT(cogen_getstate(orphan_mid), COGEN_SUSPENDED);
    CHECK_EQ_INT(cogen_getstate(orphan_leaf), COGEN_SUSPENDED);
    /* mid is its chain's outermost now: a send reaches the leaf */
    CHECK_EQ_INT(cogen_next(orphan_mid, &out), COGEN_YIELDED);
    CHECK_EQ_INT(I(out), 2);
    cogen_free(orphan_mid); /* the leaf ignores that EXIT and leaves */
    cogen_free(orphan_leaf);
    cogen_set_unraisable_hook(old);
}
