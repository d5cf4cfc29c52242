/* SPDX-License-Identifier: MIT */
/* Callee-saved registers around every kind of switch the protocol makes
 * (send/yield, first entry, yield_from priming and ends, throw, close,
 * raise, primed creation): each side runs inside regs_run with its own
 * values in all of them, and checks them when its call returns. */
#include "cogen.h"
#include "regs_util.h"

#include <stdint.h>

enum { ROUNDS = 50 };

typedef struct body_ctx {
    cogen *self;
    int rounds;
    int thrown;
    int exited;
} body_ctx;

/* ---- send / yield ping-pong, and the final return */

static void yield_rounds(void *p)
{
    body_ctx *b = p;
    for (int i = 0; i < b->rounds; i++) {
        void *r = NULL;
        int rc = cogen_yield(b->self, V(i), &r);
        if (rc == COGEN_EXIT)
            return;
        CHECK_EQ_INT(rc, COGEN_SENT);
        CHECK_EQ_INT(I(r), i + 1000);
    }
}

static void *yielding_body(cogen *self, void *arg)
{
    body_ctx b = {self, I(arg), 0, 0};
    regs_run(100, yield_rounds, &b, "generator");
    return V(77);
}

static void send_rounds(void *p)
{
    cogen *g = p;
    void *out = NULL;
    CHECK_EQ_INT(cogen_next(g, &out), COGEN_YIELDED);
    CHECK_EQ_INT(I(out), 0);
    for (int i = 0; i < ROUNDS; i++) {
        int rc = cogen_send(g, V(i + 1000), &out);
        CHECK_EQ_INT(rc, i + 1 < ROUNDS ? COGEN_YIELDED : COGEN_RETURNED);
        CHECK_EQ_INT(I(out), i + 1 < ROUNDS ? i + 1 : 77);
    }
}

TEST(send_yield_and_return)
{
    cogen *g = cogen_new(yielding_body, V(ROUNDS), NULL);
    CHECK(g);
    regs_run(1, send_rounds, g, "resumer");
    cogen_free(g);
}

/* ---- several generators resumed in turn */

enum { NGENS = 3 };

static void *seeded_body(cogen *self, void *arg)
{
    body_ctx b = {self, ROUNDS, 0, 0};
    regs_run((unsigned)I(arg), yield_rounds, &b, "generator");
    return arg;
}

static void round_robin(void *p)
{
    cogen **gs = p;
    void *out;
    for (int k = 0; k < NGENS; k++)
        CHECK_EQ_INT(cogen_next(gs[k], &out), COGEN_YIELDED);
    for (int i = 0; i < ROUNDS; i++)
        for (int k = 0; k < NGENS; k++)
            CHECK_EQ_INT(cogen_send(gs[k], V(i + 1000), &out),
                         i + 1 < ROUNDS ? COGEN_YIELDED : COGEN_RETURNED);
}

TEST(interleaved_generators)
{
    cogen *gs[NGENS];
    for (int k = 0; k < NGENS; k++) {
        gs[k] = cogen_new(seeded_body, V(200 + k), NULL);
        CHECK(gs[k]);
    }
    regs_run(2, round_robin, gs, "resumer");
    for (int k = 0; k < NGENS; k++)
        cogen_free(gs[k]);
}

/* ---- yield_from chain: outer -> middle -> inner, each delegating from
 * inside its own regs_run, so its registers must survive the priming of
 * its sub, every yield that goes past it, and the wake-up when it ends. */

typedef struct chain_ctx {
    cogen *self;
    cogen *sub;
    int base;
    void *result;
} chain_ctx;

static void delegate(void *p)
{
    chain_ctx *c = p;
    CHECK_EQ_INT(cogen_yield_from(c->self, c->sub, &c->result), COGEN_RETURNED);
}

static void yield_three(void *p)
{
    chain_ctx *c = p;
    for (int i = 0; i < 3; i++) {
        int rc = cogen_yield(c->self, V(c->base + i), NULL);
        if (rc == COGEN_EXIT)
            return;
        CHECK_EQ_INT(rc, COGEN_SENT);
    }
}

static void *inner_body(cogen *self, void *arg)
{
    chain_ctx c = {self, NULL, 300, NULL};
    (void)arg;
    regs_run(30, yield_three, &c, "inner generator");
    return V(3);
}

static void *middle_body(cogen *self, void *arg)
{
    chain_ctx c = {self, arg, 200, NULL};
    regs_run(20, delegate, &c, "middle generator (delegating)");
    CHECK_EQ_INT(I(c.result), 3);
    regs_run(21, yield_three, &c, "middle generator");
    return V(2);
}

static void *outer_body(cogen *self, void *arg)
{
    chain_ctx c = {self, arg, 100, NULL};
    regs_run(10, yield_three, &c, "outer generator");
    regs_run(11, delegate, &c, "outer generator (delegating)");
    CHECK_EQ_INT(I(c.result), 2);
    regs_run(12, yield_three, &c, "outer generator");
    return V(1);
}

static void drive_chain(void *p)
{
    cogen *g = p;
    static const int expect[] = {100, 101, 102, 300, 301, 302, 200, 201, 202, 100, 101, 102};
    void *out;
    CHECK_EQ_INT(cogen_next(g, &out), COGEN_YIELDED);
    CHECK_EQ_INT(I(out), expect[0]);
    for (size_t i = 1; i < sizeof expect / sizeof expect[0]; i++) {
        CHECK_EQ_INT(cogen_send(g, V(5), &out), COGEN_YIELDED);
        CHECK_EQ_INT(I(out), expect[i]);
    }
    CHECK_EQ_INT(cogen_send(g, V(5), &out), COGEN_RETURNED);
    CHECK_EQ_INT(I(out), 1);
}

TEST(yield_from_chain)
{
    cogen *inner = cogen_new(inner_body, NULL, NULL);
    cogen *middle = cogen_new(middle_body, inner, NULL);
    cogen *outer = cogen_new(outer_body, middle, NULL);
    CHECK(inner && middle && outer);
    regs_run(3, drive_chain, outer, "resumer");
    cogen_free(outer);
    cogen_free(middle);
    cogen_free(inner);
}

/* ---- throw and close */

static void until_exit(void *p)
{
    body_ctx *b = p;
    for (;;) {
        int rc = cogen_yield(b->self, NULL, NULL);
        if (rc == COGEN_THROWN) {
            CHECK_EQ_INT(cogen_last_error(b->self)->code, 42);
            b->thrown++;
        } else if (rc == COGEN_EXIT) {
            b->exited++;
            return;
        }
    }
}

static body_ctx closing;

static void *closing_body(cogen *self, void *arg)
{
    (void)arg;
    closing = (body_ctx){self, 0, 0, 0};
    regs_run(40, until_exit, &closing, "generator");
    return NULL;
}

static void throw_then_close(void *p)
{
    cogen *g = p;
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    for (int i = 0; i < ROUNDS; i++)
        CHECK_EQ_INT(cogen_throw(g, 42, "boom", NULL), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_close(g), 0);
}

TEST(throw_and_close)
{
    cogen *g = cogen_new(closing_body, NULL, NULL);
    CHECK(g);
    regs_run(4, throw_then_close, g, "resumer");
    CHECK_EQ_INT(closing.thrown, ROUNDS);
    CHECK_EQ_INT(closing.exited, 1);
    cogen_free(g);
}

/* ---- raise from a nested call: the body never comes back to its
 * regs_run; the resumer's registers must be those it switched out with. */

static void raise_now(void *p)
{
    body_ctx *b = p;
    CHECK_EQ_INT(cogen_yield(b->self, NULL, NULL), COGEN_SENT);
    cogen_raise(b->self, 7, "raised at depth");
}

static void *raising_body(cogen *self, void *arg)
{
    body_ctx b = {self, 0, 0, 0};
    (void)arg;
    regs_run(50, raise_now, &b, "generator");
    return NULL; /* not reached */
}

static void *catching_outer(cogen *self, void *arg)
{
    chain_ctx c = {self, arg, 0, NULL};
    int rc = cogen_yield_from(self, c.sub, NULL);
    CHECK_EQ_INT(rc, COGEN_ERROR);
    CHECK_EQ_INT(cogen_last_error(self)->code, 7);
    regs_run(51, yield_three, &c, "delegator after its sub raised");
    return V(9);
}

static void expect_raise(void *p)
{
    cogen **gs = p;
    void *out;
    CHECK_EQ_INT(cogen_next(gs[0], NULL), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_next(gs[0], NULL), COGEN_ERROR);
    CHECK_EQ_INT(cogen_last_error(gs[0])->code, 7);
    /* the same through a delegator */
    CHECK_EQ_INT(cogen_next(gs[1], NULL), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_next(gs[1], &out), COGEN_YIELDED);
    CHECK_EQ_INT(I(out), 0);
}

TEST(raise_from_nested_call)
{
    cogen *gs[3];
    gs[0] = cogen_new(raising_body, NULL, NULL);
    gs[2] = cogen_new(raising_body, NULL, NULL);
    gs[1] = cogen_new(catching_outer, gs[2], NULL);
    CHECK(gs[0] && gs[1] && gs[2]);
    regs_run(5, expect_raise, gs, "resumer");
    cogen_free(gs[1]);
    cogen_free(gs[2]);
    cogen_free(gs[0]);
}

/* ---- primed creation: the first switch into a fresh stack happens
 * inside cogen_new. */

static void create_primed(void *p)
{
    cogen **g = p;
    cogen_opts o = {0, "primed", COGEN_PRIMED};
    *g = cogen_new(yielding_body, V(ROUNDS), &o);
}

TEST(primed_creation)
{
    cogen *g = NULL;
    void *out;
    regs_run(6, create_primed, &g, "resumer");
    CHECK(g);
    CHECK_EQ_INT(cogen_getstate(g), COGEN_SUSPENDED);
    CHECK_EQ_INT(cogen_send(g, V(1000), &out), COGEN_YIELDED);
    CHECK_EQ_INT(I(out), 1);
    cogen_free(g);
}
