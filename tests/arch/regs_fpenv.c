/* SPDX-License-Identifier: MIT */
/* The floating-point environment policy of include/cogen.h (COGEN_FPENV):
 *  - without the flag, the control state belongs to the thread: a mode a
 *    body sets is the mode its resumer sees, and the other way round;
 *  - with it, the generator has its own environment, captured by
 *    cogen_new: every switch out of it gives the resumer back its own, and
 *    the body finds its own mode again after each yield, also when the
 *    generators of a cogen_yield_from chain mix both kinds.
 * The rounding mode is observed three ways: fegetround, the control
 * registers (x87 CW and MXCSR, or FPCR) and the result of an addition
 * whose rounding differs in each of the four modes. */
#include "cogen.h"
#include "regs_util.h"

#include <fenv.h>
#include <stdint.h>

static const char *mode_name(int m)
{
    switch (m) {
    case FE_TONEAREST: return "to-nearest";
    case FE_UPWARD: return "upward";
    case FE_DOWNWARD: return "downward";
    case FE_TOWARDZERO: return "toward-zero";
    default: return "?";
    }
}

/* 1 + 0.75 ulp and its negation round differently in every mode. */
static int mode_by_arithmetic(void)
{
    volatile double one = 1.0, tiny = 0x1.8p-53;
    double p = one + tiny, n = -one - tiny;
    if (p > 1.0)
        return n < -1.0 ? FE_TONEAREST : FE_UPWARD;
    return n < -1.0 ? FE_DOWNWARD : FE_TOWARDZERO;
}

#if defined(__x86_64__)
/* The same on the x87 unit (long double, 64-bit mantissa). */
static int mode_by_x87_arithmetic(void)
{
    volatile long double one = 1.0L, tiny = 0x1.8p-64L;
    long double p = one + tiny, n = -one - tiny;
    if (p > 1.0L)
        return n < -1.0L ? FE_TONEAREST : FE_UPWARD;
    return n < -1.0L ? FE_DOWNWARD : FE_TOWARDZERO;
}
#endif

/* The rounding mode now; fails the test if the ways of seeing it disagree. */
static int mode_now(const char *where)
{
    int arith = mode_by_arithmetic();
    int api = fegetround();
    int ok = arith == api;
#if defined(__x86_64__)
    int x87 = mode_by_x87_arithmetic();
    int cw = (int)(regs_get_x87cw() & 0xc00u);
    int sse = (int)((regs_get_mxcsr() >> 3) & 0xc00u);
    ok = ok && x87 == arith && cw == arith && sse == arith;
    if (!ok)
        fprintf(stderr,
                "%s: modes disagree: SSE arithmetic %s, x87 arithmetic %s, fegetround %s, "
                "x87 CW %s, MXCSR %s\n",
                where, mode_name(arith), mode_name(x87), mode_name(api), mode_name(cw),
                mode_name(sse));
#else
    int fpcr = (int)(regs_get_fpcr() & (3u << 22));
    ok = ok && fpcr == arith;
    if (!ok)
        fprintf(stderr, "%s: modes disagree: arithmetic %s, fegetround %s, FPCR %s\n", where,
                mode_name(arith), mode_name(api), mode_name(fpcr));
#endif
    CHECK(ok);
    return arith;
}

#define CHECK_MODE(where, expected)                                                                \
    do {                                                                                           \
        int m_ = mode_now(where);                                                                  \
        if (m_ != (expected)) {                                                                    \
            fprintf(stderr, "%s:%d: %s: rounding mode is %s, expected %s\n", __FILE__, __LINE__,   \
                    where, mode_name(m_), mode_name(expected));                                    \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

static void set_mode(int m)
{
    CHECK_EQ_INT(fesetround(m), 0);
}

static cogen *make(cogen_fn fn, void *arg, unsigned flags)
{
    cogen_opts o = {0, NULL, flags};
    cogen *g = cogen_new(fn, arg, &o);
    CHECK(g);
    return g;
}

static int yield_sent(cogen *self, int v)
{
    return cogen_yield(self, V(v), NULL);
}

/* ------------------------------------------------ rounding, no FPENV */

static void *shared_body(cogen *self, void *arg)
{
    (void)arg;
    CHECK_MODE("plain body, first entry", FE_TONEAREST);
    set_mode(FE_UPWARD);
    CHECK_EQ_INT(yield_sent(self, 1), COGEN_SENT);
    CHECK_MODE("plain body, after the resumer changed the mode", FE_DOWNWARD);
    set_mode(FE_TOWARDZERO);
    CHECK_EQ_INT(yield_sent(self, 2), COGEN_SENT);
    CHECK_MODE("plain body, second resume", FE_TOWARDZERO);
    set_mode(FE_UPWARD);
    return NULL;
}

TEST(rounding_shared_without_fpenv)
{
    cogen *g;
    fesetenv(FE_DFL_ENV);
    g = make(shared_body, NULL, 0);
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    CHECK_MODE("resumer, after a plain body set upward", FE_UPWARD);
    set_mode(FE_DOWNWARD);
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    CHECK_MODE("resumer, after a plain body set toward-zero", FE_TOWARDZERO);
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_RETURNED);
    CHECK_MODE("resumer, after a plain body returned", FE_UPWARD);
    cogen_free(g);
    fesetenv(FE_DFL_ENV);
}

/* -------------------------------------------------- rounding, FPENV */

static void *own_body(cogen *self, void *arg)
{
    int rc;
    (void)arg;
    CHECK_MODE("FPENV body, first entry (mode captured at cogen_new)", FE_TOWARDZERO);
    set_mode(FE_UPWARD);
    CHECK_EQ_INT(yield_sent(self, 1), COGEN_SENT);
    CHECK_MODE("FPENV body, after a send", FE_UPWARD);
    set_mode(FE_DOWNWARD);
    CHECK_EQ_INT(yield_sent(self, 2), COGEN_THROWN);
    CHECK_MODE("FPENV body, after a throw", FE_DOWNWARD);
    set_mode(FE_UPWARD);
    rc = yield_sent(self, 3);
    CHECK_EQ_INT(rc, COGEN_EXIT);
    CHECK_MODE("FPENV body, closing", FE_UPWARD);
    set_mode(FE_DOWNWARD);
    return NULL;
}

TEST(rounding_own_with_fpenv)
{
    cogen *g;
    fesetenv(FE_DFL_ENV);
    set_mode(FE_TOWARDZERO);
    g = make(own_body, NULL, COGEN_FPENV);
    set_mode(FE_TONEAREST);
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    CHECK_MODE("resumer, first yield of an FPENV body", FE_TONEAREST);
    set_mode(FE_DOWNWARD);
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    CHECK_MODE("resumer, second yield of an FPENV body", FE_DOWNWARD);
    set_mode(FE_TOWARDZERO);
    CHECK_EQ_INT(cogen_throw(g, 5, "x", NULL), COGEN_YIELDED);
    CHECK_MODE("resumer, after a throw into an FPENV body", FE_TOWARDZERO);
    set_mode(FE_TONEAREST);
    CHECK_EQ_INT(cogen_close(g), 0);
    CHECK_MODE("resumer, after closing an FPENV body", FE_TONEAREST);
    cogen_free(g);
    fesetenv(FE_DFL_ENV);
}

/* cogen_new captures the environment also on a stack that another FPENV
 * generator has just given back to the thread's cache, whose control
 * block still holds that generator's environment. */
static void *first_mode_body(cogen *self, void *arg)
{
    (void)self;
    *(int *)arg = mode_now("FPENV body, first entry");
    return NULL;
}

TEST(fpenv_captured_on_a_reused_stack)
{
    int seen = -1;
    cogen *first, *g;
    fesetenv(FE_DFL_ENV);
    first = make(first_mode_body, &seen, COGEN_FPENV);
    CHECK_EQ_INT(cogen_next(first, NULL), COGEN_RETURNED);
    CHECK_EQ_INT(seen, FE_TONEAREST);
    cogen_free(first); /* its environment, to-nearest, stays in its slot */
    set_mode(FE_UPWARD);
    g = make(first_mode_body, &seen, COGEN_FPENV);
    CHECK(g == first); /* the same slot, from this thread's cache */
    set_mode(FE_TONEAREST);
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_RETURNED);
    CHECK_EQ_INT(seen, FE_UPWARD);
    CHECK_MODE("resumer, after an FPENV body", FE_TONEAREST);
    cogen_free(g);
    fesetenv(FE_DFL_ENV);
}

static void *raising_body(cogen *self, void *arg)
{
    (void)arg;
    set_mode(FE_UPWARD);
    CHECK_EQ_INT(yield_sent(self, 1), COGEN_SENT);
    set_mode(FE_DOWNWARD);
    cogen_raise(self, 9, "raised with its own rounding mode");
}

TEST(fpenv_restored_when_body_raises)
{
    cogen *g;
    fesetenv(FE_DFL_ENV);
    g = make(raising_body, NULL, COGEN_FPENV);
    set_mode(FE_TOWARDZERO);
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    CHECK_MODE("resumer, after the yield", FE_TOWARDZERO);
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_ERROR);
    CHECK_EQ_INT(cogen_last_error(g)->code, 9);
    CHECK_MODE("resumer, after the body raised", FE_TOWARDZERO);
    cogen_free(g);
    fesetenv(FE_DFL_ENV);
}

static void *primed_body(cogen *self, void *arg)
{
    (void)arg;
    CHECK_MODE("primed FPENV body, run by cogen_new", FE_UPWARD);
    set_mode(FE_DOWNWARD);
    CHECK_EQ_INT(yield_sent(self, 0), COGEN_SENT);
    CHECK_MODE("primed FPENV body, after a send", FE_DOWNWARD);
    return NULL;
}

TEST(fpenv_primed_creation)
{
    cogen *g;
    fesetenv(FE_DFL_ENV);
    set_mode(FE_UPWARD);
    g = make(primed_body, NULL, COGEN_FPENV | COGEN_PRIMED);
    CHECK_MODE("creator, after cogen_new primed an FPENV body", FE_UPWARD);
    set_mode(FE_TOWARDZERO);
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_RETURNED);
    CHECK_MODE("creator, after the primed FPENV body returned", FE_TOWARDZERO);
    cogen_free(g);
    fesetenv(FE_DFL_ENV);
}

/* ------------------------- other control bits (flush-to-zero and co.) */

#if defined(__x86_64__)
/* MXCSR: FTZ (bit 15) and DAZ (bit 6); x87: precision control 53 bits. */
typedef struct ctl {
    unsigned mxcsr, cw;
} ctl;
static ctl ctl_now(void)
{
    return (ctl){regs_get_mxcsr() & ~0x3fu, regs_get_x87cw()}; /* without the sticky flags */
}
static void ctl_set_special(void)
{
    regs_set_mxcsr(regs_get_mxcsr() | 0x8040u);
    regs_set_x87cw((regs_get_x87cw() & ~0x300u) | 0x200u);
}
static int ctl_eq(ctl a, ctl b)
{
    return a.mxcsr == b.mxcsr && a.cw == b.cw;
}
static void ctl_print(const char *what, ctl c)
{
    fprintf(stderr, "  %s: MXCSR %#x, x87 CW %#x\n", what, c.mxcsr, c.cw);
}
#else
/* FPCR: FZ (bit 24). Not DN (bit 25) nor AHP (26): glibc's fesetenv keeps
 * those as they are (_FPU_RESERVED), so COGEN_FPENV, which is built on
 * fegetenv/fesetenv, does not give a generator its own. */
typedef struct ctl {
    uint64_t fpcr;
} ctl;
static ctl ctl_now(void)
{
    return (ctl){regs_get_fpcr()};
}
static void ctl_set_special(void)
{
    regs_set_fpcr(regs_get_fpcr() | (1u << 24));
}
static int ctl_eq(ctl a, ctl b)
{
    return a.fpcr == b.fpcr;
}
static void ctl_print(const char *what, ctl c)
{
    fprintf(stderr, "  %s: FPCR %#llx\n", what, (unsigned long long)c.fpcr);
}
#endif

#define CHECK_CTL(where, got, want)                                                                \
    do {                                                                                           \
        ctl g_ = (got), w_ = (want);                                                               \
        if (!ctl_eq(g_, w_)) {                                                                     \
            fprintf(stderr, "%s:%d: %s: control registers differ\n", __FILE__, __LINE__, where);   \
            ctl_print("got", g_);                                                                  \
            ctl_print("expected", w_);                                                             \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

static ctl dfl_ctl, special_ctl;

static void *ctl_body(cogen *self, void *arg)
{
    CHECK_CTL("body, first entry", ctl_now(), dfl_ctl);
    ctl_set_special();
    CHECK_EQ_INT(yield_sent(self, 1), COGEN_SENT);
    /* FPENV: the body's own bits persist; plain: they were the thread's,
     * and the resumer put the defaults back before resuming. */
    CHECK_CTL("body, after a yield", ctl_now(), arg ? special_ctl : dfl_ctl);
    fesetenv(FE_DFL_ENV);
    ctl_set_special();
    return NULL;
}

static void control_bits(unsigned flags)
{
    cogen *g;
    fesetenv(FE_DFL_ENV);
    dfl_ctl = ctl_now();
    ctl_set_special();
    special_ctl = ctl_now();
    CHECK(!ctl_eq(dfl_ctl, special_ctl));
    fesetenv(FE_DFL_ENV);
    g = make(ctl_body, flags ? V(1) : NULL, flags);
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    CHECK_CTL("resumer, after the body set FTZ and co.", ctl_now(), flags ? dfl_ctl : special_ctl);
    fesetenv(FE_DFL_ENV);
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_RETURNED);
    CHECK_CTL("resumer, after the body returned", ctl_now(), flags ? dfl_ctl : special_ctl);
    cogen_free(g);
    fesetenv(FE_DFL_ENV);
}

TEST(control_bits_shared_without_fpenv)
{
    control_bits(0);
}

TEST(control_bits_own_with_fpenv)
{
    control_bits(COGEN_FPENV);
}

/* ------------------------------------------- yield_from chains, mixed */

typedef struct chain_link {
    cogen *sub;
    int own_mode; /* the mode the body sets for itself, or -1 */
} chain_link;

/* A delegator: checks/sets its mode, delegates, checks that its mode after
 * the sub ended is what the policy says, yields once more. */
static int expect_after_sub; /* for plain delegators: the resumer's mode */

static void *fpenv_delegator(cogen *self, void *arg)
{
    chain_link *l = arg;
    CHECK_MODE("FPENV delegator, first entry", FE_UPWARD);
    CHECK_EQ_INT(cogen_yield_from(self, l->sub, NULL), COGEN_RETURNED);
    CHECK_MODE("FPENV delegator, after its sub ended", FE_UPWARD);
    CHECK_EQ_INT(yield_sent(self, 99), COGEN_SENT);
    return NULL;
}

static void *plain_delegator(cogen *self, void *arg)
{
    chain_link *l = arg;
    set_mode(l->own_mode);
    CHECK_EQ_INT(cogen_yield_from(self, l->sub, NULL), COGEN_RETURNED);
    CHECK_MODE("plain delegator, after its sub ended", expect_after_sub);
    CHECK_EQ_INT(yield_sent(self, 99), COGEN_SENT);
    return NULL;
}

/* A plain leaf: runs in the mode of whoever resumes it (straight from the
 * outer resumer, on the fast path), and changes it for them. */
static int plain_leaf_first_mode;
static void *plain_leaf(cogen *self, void *arg)
{
    (void)arg;
    CHECK_MODE("plain sub, first entry", plain_leaf_first_mode);
    CHECK_EQ_INT(yield_sent(self, 1), COGEN_SENT);
    CHECK_MODE("plain sub, after a send", FE_DOWNWARD);
    set_mode(FE_TOWARDZERO);
    CHECK_EQ_INT(yield_sent(self, 2), COGEN_SENT);
    return NULL;
}

/* An FPENV leaf created in downward mode. */
static void *fpenv_leaf(cogen *self, void *arg)
{
    (void)arg;
    CHECK_MODE("FPENV sub, first entry", FE_DOWNWARD);
    set_mode(FE_TOWARDZERO);
    CHECK_EQ_INT(yield_sent(self, 1), COGEN_SENT);
    CHECK_MODE("FPENV sub, after a send", FE_TOWARDZERO);
    CHECK_EQ_INT(yield_sent(self, 2), COGEN_SENT);
    CHECK_MODE("FPENV sub, after a second send", FE_TOWARDZERO);
    return NULL;
}

static cogen *make_in_mode(cogen_fn fn, void *arg, unsigned flags, int mode)
{
    cogen *g;
    set_mode(mode);
    g = make(fn, arg, flags);
    fesetenv(FE_DFL_ENV);
    return g;
}

TEST(yield_from_fpenv_delegator_plain_sub)
{
    chain_link l;
    cogen *outer;
    fesetenv(FE_DFL_ENV);
    l.sub = make(plain_leaf, NULL, 0);
    l.own_mode = -1;
    outer = make_in_mode(fpenv_delegator, &l, COGEN_FPENV, FE_UPWARD);
    plain_leaf_first_mode = FE_TONEAREST; /* the resumer's, not the delegator's */
    CHECK_EQ_INT(cogen_next(outer, NULL), COGEN_YIELDED);
    CHECK_MODE("resumer, first yield of the plain sub", FE_TONEAREST);
    set_mode(FE_DOWNWARD);
    CHECK_EQ_INT(cogen_next(outer, NULL), COGEN_YIELDED);
    CHECK_MODE("resumer, after the plain sub set toward-zero", FE_TOWARDZERO);
    CHECK_EQ_INT(cogen_next(outer, NULL), COGEN_YIELDED); /* sub ends, delegator yields 99 */
    CHECK_MODE("resumer, after the FPENV delegator yielded", FE_TOWARDZERO);
    CHECK_EQ_INT(cogen_next(outer, NULL), COGEN_RETURNED);
    CHECK_MODE("resumer, after the FPENV delegator returned", FE_TOWARDZERO);
    cogen_free(outer);
    cogen_free(l.sub);
    fesetenv(FE_DFL_ENV);
}

TEST(yield_from_plain_delegator_fpenv_sub)
{
    chain_link l;
    cogen *outer;
    fesetenv(FE_DFL_ENV);
    l.sub = make_in_mode(fpenv_leaf, NULL, COGEN_FPENV, FE_DOWNWARD);
    l.own_mode = FE_UPWARD;
    outer = make(plain_delegator, &l, 0);
    CHECK_EQ_INT(cogen_next(outer, NULL), COGEN_YIELDED);
    CHECK_MODE("resumer, after a plain delegator set upward and its FPENV sub yielded", FE_UPWARD);
    set_mode(FE_TONEAREST);
    CHECK_EQ_INT(cogen_next(outer, NULL), COGEN_YIELDED);
    CHECK_MODE("resumer, second yield of the FPENV sub", FE_TONEAREST);
    set_mode(FE_DOWNWARD);
    expect_after_sub = FE_DOWNWARD;
    CHECK_EQ_INT(cogen_next(outer, NULL), COGEN_YIELDED); /* sub ends, delegator yields 99 */
    CHECK_MODE("resumer, after the plain delegator yielded", FE_DOWNWARD);
    CHECK_EQ_INT(cogen_next(outer, NULL), COGEN_RETURNED);
    cogen_free(outer);
    cogen_free(l.sub);
    fesetenv(FE_DFL_ENV);
}

TEST(yield_from_fpenv_delegator_fpenv_sub)
{
    chain_link l;
    cogen *outer;
    fesetenv(FE_DFL_ENV);
    l.sub = make_in_mode(fpenv_leaf, NULL, COGEN_FPENV, FE_DOWNWARD);
    outer = make_in_mode(fpenv_delegator, &l, COGEN_FPENV, FE_UPWARD);
    CHECK_EQ_INT(cogen_next(outer, NULL), COGEN_YIELDED);
    CHECK_MODE("resumer, first yield of the FPENV sub", FE_TONEAREST);
    set_mode(FE_UPWARD);
    CHECK_EQ_INT(cogen_next(outer, NULL), COGEN_YIELDED);
    CHECK_MODE("resumer, second yield of the FPENV sub", FE_UPWARD);
    set_mode(FE_TONEAREST);
    CHECK_EQ_INT(cogen_next(outer, NULL), COGEN_YIELDED);
    CHECK_MODE("resumer, after the FPENV delegator yielded", FE_TONEAREST);
    CHECK_EQ_INT(cogen_next(outer, NULL), COGEN_RETURNED);
    CHECK_MODE("resumer, after the FPENV delegator returned", FE_TONEAREST);
    cogen_free(outer);
    cogen_free(l.sub);
    fesetenv(FE_DFL_ENV);
}

/* Three levels: FPENV -> plain -> FPENV. The plain middle generator sets
 * toward-zero in the thread's environment (it has no other) before it
 * delegates, so that is what the resumer must see while the FPENV leaf is
 * suspended, as it does when the plain generator is at the top. */
static void *plain_middle(cogen *self, void *arg)
{
    chain_link *l = arg;
    CHECK_MODE("plain middle generator, first entry", FE_TONEAREST);
    set_mode(FE_TOWARDZERO);
    CHECK_EQ_INT(cogen_yield_from(self, l->sub, NULL), COGEN_RETURNED);
    return NULL;
}

static void *fpenv_leaf_short(cogen *self, void *arg)
{
    (void)arg;
    CHECK_MODE("FPENV leaf, first entry", FE_DOWNWARD);
    CHECK_EQ_INT(yield_sent(self, 1), COGEN_SENT);
    CHECK_MODE("FPENV leaf, after a send", FE_DOWNWARD);
    return NULL;
}

static void plain_change_seen_through_fpenv_leaf(int with_fpenv_top)
{
    chain_link top, mid;
    cogen *leaf, *middle, *outer = NULL;
    fesetenv(FE_DFL_ENV);
    leaf = make_in_mode(fpenv_leaf_short, NULL, COGEN_FPENV, FE_DOWNWARD);
    mid.sub = leaf;
    middle = make(plain_middle, &mid, 0);
    if (with_fpenv_top) {
        top.sub = middle;
        outer = make_in_mode(fpenv_delegator, &top, COGEN_FPENV, FE_UPWARD);
    }
    CHECK_EQ_INT(cogen_next(outer ? outer : middle, NULL), COGEN_YIELDED);
    CHECK_MODE("resumer, while the FPENV leaf is suspended under a plain generator that set "
               "toward-zero",
               FE_TOWARDZERO);
    set_mode(FE_TONEAREST);
    if (outer) {
        CHECK_EQ_INT(cogen_next(outer, NULL), COGEN_YIELDED); /* leaf and middle end; 99 */
        CHECK_MODE("resumer, after the FPENV top yielded", FE_TONEAREST);
        CHECK_EQ_INT(cogen_next(outer, NULL), COGEN_RETURNED);
    } else {
        CHECK_EQ_INT(cogen_next(middle, NULL), COGEN_RETURNED);
    }
    CHECK_MODE("resumer, at the end", FE_TONEAREST);
    cogen_free(outer);
    cogen_free(middle);
    cogen_free(leaf);
    fesetenv(FE_DFL_ENV);
}

TEST(yield_from_plain_change_seen_with_plain_top)
{
    plain_change_seen_through_fpenv_leaf(0);
}

TEST(yield_from_plain_change_seen_under_fpenv_top)
{
    plain_change_seen_through_fpenv_leaf(1);
}
