/* SPDX-License-Identifier: MIT */
/* Misuse of every call in every state: an error, never a crash. */
#include "harness.h"
#include "shared.h"

#include <cogen.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void *yields_forever(cogen *self, void *arg)
{
    (void)arg;
    while (cogen_yield(self, V(1), NULL) == COGEN_SENT)
        ;
    return NULL;
}

static void nop(void *arg)
{
    (void)arg;
}

TEST(null_generator_everywhere)
{
    void *out = V(1);
    errno = 0;
    CHECK_EQ_INT(cogen_send(NULL, NULL, &out), COGEN_ERROR);
    CHECK_EQ_INT(errno, EINVAL);
    errno = 0;
    CHECK_EQ_INT(cogen_next(NULL, &out), COGEN_ERROR);
    CHECK_EQ_INT(errno, EINVAL);
    errno = 0;
    CHECK_EQ_INT(cogen_throw(NULL, 1, "x", &out), COGEN_ERROR);
    CHECK_EQ_INT(errno, EINVAL);
    errno = 0;
    CHECK_EQ_INT(cogen_close(NULL), COGEN_ERROR);
    CHECK_EQ_INT(errno, EINVAL);
    CHECK_EQ_INT(cogen_getstate(NULL), -1);
    CHECK(cogen_last_error(NULL) == NULL);
    CHECK(cogen_name(NULL) == NULL);
    cogen_free(NULL);
    errno = 0;
    CHECK_EQ_INT(cogen_yield(NULL, NULL, &out), COGEN_ERROR);
    CHECK_EQ_INT(errno, EINVAL);
    CHECK_EQ_INT(cogen_defer(NULL, nop, NULL), COGEN_ERROR);
    CHECK_EQ_INT(cogen_yield_from(NULL, NULL, &out), COGEN_ERROR);
    CHECK(out == NULL);
}

TEST(new_with_bad_arguments)
{
    cogen_opts bad_flags = {0, NULL, 0x100};
    cogen_opts huge = {(size_t)1 << 50, NULL, 0};
    errno = 0;
    CHECK(cogen_new(NULL, NULL, NULL) == NULL);
    CHECK_EQ_INT(errno, EINVAL);
    errno = 0;
    CHECK(cogen_new(yields_forever, NULL, &bad_flags) == NULL);
    CHECK_EQ_INT(errno, EINVAL);
    errno = 0;
    CHECK(cogen_new(yields_forever, NULL, &huge) == NULL);
    CHECK_EQ_INT(errno, EINVAL);
}

TEST(long_name_is_truncated_and_default_name)
{
    char name[200];
    cogen_opts o = {0, name, 0};
    cogen *g;
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    g = cogen_new(yields_forever, NULL, &o);
    CHECK(g && strlen(cogen_name(g)) == 47);
    cogen_free(g);
    g = cogen_new(yields_forever, NULL, NULL);
    CHECK_STR(cogen_name(g), "cogen");
    CHECK_EQ_INT(cogen_last_error(g)->code, 0);
    CHECK_STR(cogen_last_error(g)->msg, "");
    cogen_free(g);
}

/* Body-only calls made from outside any body, on a generator in each state. */
static void check_body_calls_refused(cogen *g)
{
    void *out = V(1);
    int state = cogen_getstate(g);
    errno = 0;
    CHECK_EQ_INT(cogen_yield(g, V(2), &out), COGEN_ERROR);
    CHECK_EQ_INT(errno, EINVAL);
    errno = 0;
    CHECK_EQ_INT(cogen_defer(g, nop, NULL), COGEN_ERROR);
    CHECK_EQ_INT(errno, EINVAL);
    errno = 0;
    CHECK_EQ_INT(cogen_yield_from(g, g, &out), COGEN_ERROR);
    CHECK_EQ_INT(errno, EINVAL);
    CHECK_EQ_INT(cogen_getstate(g), state);
}

TEST(body_calls_from_outside_in_every_state)
{
    cogen *g = cogen_new(yields_forever, NULL, NULL);
    check_body_calls_refused(g); /* CREATED */
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    check_body_calls_refused(g); /* SUSPENDED */
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_close(g), 0);
    check_body_calls_refused(g); /* CLOSED */
    cogen_free(g);
}

/* Body-only calls on another generator, made from inside a body (RUNNING
 * generators that are not running on this stack, and suspended ones). */
static void *misuses_others(cogen *self, void *arg)
{
    cogen *other = arg; /* suspended */
    void *out;
    check_body_calls_refused(other);
    CHECK_EQ_INT(cogen_yield_from(self, self, &out), COGEN_ERROR);
    CHECK_EQ_INT(cogen_last_error(self)->code, COGEN_EINVAL);
    CHECK_EQ_INT(cogen_yield_from(self, NULL, &out), COGEN_ERROR);
    CHECK_EQ_INT(cogen_last_error(self)->code, COGEN_EINVAL);
    CHECK_EQ_INT(cogen_defer(self, NULL, NULL), COGEN_ERROR);
    CHECK_EQ_INT(cogen_last_error(self)->code, COGEN_EINVAL);
    tlogf("done ");
    return NULL;
}

static void *resumes_arg(cogen *self, void *arg)
{
    void *out;
    (void)self;
    CHECK_EQ_INT(cogen_next(arg, &out), COGEN_RETURNED);
    return NULL;
}

static void *yields_on_running_resumer(cogen *self, void *arg)
{
    cogen *resumer = arg;
    (void)self;
    errno = 0;
    CHECK_EQ_INT(cogen_getstate(resumer), COGEN_RUNNING);
    CHECK_EQ_INT(cogen_yield(resumer, NULL, NULL), COGEN_ERROR); /* not on this stack */
    CHECK_EQ_INT(errno, EINVAL);
    CHECK_EQ_INT(cogen_defer(resumer, nop, NULL), COGEN_ERROR);
    tlogf("refused ");
    return NULL;
}

TEST(body_calls_on_other_generators_from_a_body)
{
    cogen *other = cogen_new(yields_forever, NULL, NULL);
    cogen *g;
    CHECK_EQ_INT(cogen_next(other, NULL), COGEN_YIELDED);
    g = cogen_new(misuses_others, other, NULL);
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_RETURNED);
    CHECK_STR(tlog, "done ");
    cogen_free(g);
    cogen_free(other);
}

static cogen *late_outer;
static void *inner_checks_outer(cogen *self, void *arg)
{
    (void)arg;
    return yields_on_running_resumer(self, late_outer);
}

TEST(yield_on_a_running_resumer_is_refused)
{
    cogen *inner = cogen_new(inner_checks_outer, NULL, NULL);
    late_outer = cogen_new(resumes_arg, inner, NULL);
    CHECK_EQ_INT(cogen_next(late_outer, NULL), COGEN_RETURNED);
    CHECK_STR(tlog, "refused ");
    cogen_free(inner);
    cogen_free(late_outer);
}

static void *delegates(cogen *self, void *arg)
{
    return V(cogen_yield_from(self, arg, NULL));
}

static void *tries_same_sub(cogen *self, void *arg)
{
    void *r;
    int rc = cogen_yield_from(self, arg, &r);
    tlogf("rc:%d code:%d ", rc, cogen_last_error(self)->code);
    return NULL;
}

TEST(yield_from_sub_already_delegated_to)
{
    cogen *sub = cogen_new(yields_forever, NULL, NULL);
    cogen *d1 = cogen_new(delegates, sub, NULL);
    cogen *d2 = cogen_new(tries_same_sub, sub, NULL);
    CHECK_EQ_INT(cogen_next(d1, NULL), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_next(d2, NULL), COGEN_RETURNED);
    CHECK_STR(tlog, "rc:-1 code:-105 ");
    cogen_free(d2);
    cogen_free(d1);
    cogen_free(sub);
}

static void *delegates_to_resumer(cogen *self, void *arg)
{
    void *r;
    int rc = cogen_yield_from(self, *(cogen **)arg, &r);
    tlogf("rc:%d code:%d ", rc, cogen_last_error(self)->code);
    return NULL;
}

static void *resumes_delegator(cogen *self, void *arg)
{
    cogen *d = arg;
    (void)self;
    CHECK_EQ_INT(cogen_next(d, NULL), COGEN_RETURNED);
    return NULL;
}

TEST(yield_from_running_sub_is_busy)
{
    cogen *a, *d;
    cogen *slot = NULL;
    d = cogen_new(delegates_to_resumer, &slot, NULL);
    a = cogen_new(resumes_delegator, d, NULL);
    slot = a;
    CHECK_EQ_INT(cogen_next(a, NULL), COGEN_RETURNED);
    CHECK_STR(tlog, "rc:-1 code:-101 ");
    cogen_free(d);
    cogen_free(a);
}

TEST(throw_code_zero_is_invalid)
{
    cogen *g = cogen_new(yields_forever, NULL, NULL);
    CHECK_EQ_INT(cogen_throw(g, 0, "x", NULL), COGEN_ERROR);
    CHECK_EQ_INT(cogen_last_error(g)->code, COGEN_EINVAL);
    CHECK_EQ_INT(cogen_getstate(g), COGEN_CREATED);
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_throw(g, 0, "x", NULL), COGEN_ERROR);
    CHECK_EQ_INT(cogen_getstate(g), COGEN_SUSPENDED);
    cogen_free(g);
}

static char hook_log[256];
static void record_hook(const cogen *g, const char *context, const cogen_err *err)
{
    (void)g;
    snprintf(hook_log, sizeof hook_log, "%s|%d", context, err->code);
}

static void *frees_itself(cogen *self, void *arg)
{
    (void)arg;
    cogen_free(self); /* refused: running */
    tlogf("alive:%d ", cogen_getstate(self) == COGEN_RUNNING);
    cogen_yield(self, V(1), NULL);
    return NULL;
}

TEST(free_running_is_refused_and_reported)
{
    cogen *g = cogen_new(frees_itself, NULL, NULL);
    cogen_set_unraisable_hook(record_hook);
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    CHECK_STR(hook_log, "cogen_free|-101");
    CHECK_STR(tlog, "alive:1 ");
    cogen_set_unraisable_hook(NULL);
    cogen_free(g);
}

static void *yields_in_cleanup_body(cogen *self, void *arg);
static void yield_in_cleanup(void *arg)
{
    errno = 0;
    CHECK_EQ_INT(cogen_yield(arg, NULL, NULL), COGEN_ERROR);
    CHECK_EQ_INT(errno, EINVAL);
    CHECK_EQ_INT(cogen_yield_from(arg, arg, NULL), COGEN_ERROR);
    tlogf("cleanup-refused ");
}
static void *yields_in_cleanup_body(cogen *self, void *arg)
{
    (void)arg;
    cogen_defer(self, yield_in_cleanup, self);
    return V(3);
}

TEST(yield_from_a_cleanup_is_refused)
{
    cogen *g = cogen_new(yields_in_cleanup_body, NULL, NULL);
    void *out;
    CHECK_EQ_INT(cogen_next(g, &out), COGEN_RETURNED);
    CHECK_EQ_INT(I(out), 3);
    CHECK_STR(tlog, "cleanup-refused ");
    cogen_free(g);
}

/* The _Noreturn calls cannot return an error: outside their body they abort
 * with a diagnostic. Run in a child process. */
static void expect_abort(void (*fn)(cogen *), const char *needle)
{
    int fds[2], status;
    char buf[512] = {0};
    pid_t pid;
    CHECK(pipe(fds) == 0);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        cogen *g = cogen_new(yields_forever, NULL, NULL);
        dup2(fds[1], 2);
        fn(g);
        _exit(0);
    }
    close(fds[1]);
    CHECK(read(fds[0], buf, sizeof buf - 1) > 0);
    close(fds[0]);
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
    CHECK(strstr(buf, needle) != NULL);
}

static void raise_outside(cogen *g)
{
    cogen_raise(g, 1, "x");
}
static void reraise_outside(cogen *g)
{
    cogen_reraise(g);
}
static void return_outside(cogen *g)
{
    cogen_return(g, NULL);
}

TEST(noreturn_calls_outside_a_body_abort_with_diagnostic)
{
    expect_abort(raise_outside, "cogen_raise called outside the body of generator 'cogen'");
    expect_abort(reraise_outside, "cogen_reraise called outside");
    expect_abort(return_outside, "cogen_return called outside");
}

TEST(strerror_names_every_code)
{
    CHECK_STR(cogen_strerror(COGEN_EBUSY), "generator already executing");
    CHECK_STR(cogen_strerror(COGEN_EIGNORED), "generator ignored EXIT");
    CHECK_STR(cogen_strerror(COGEN_EFRESH),
              "can't send non-NULL value to a just-started generator");
    CHECK_STR(cogen_strerror(COGEN_EEXIT), "generator exit");
    CHECK_STR(cogen_strerror(42), "user error");
    CHECK_STR(cogen_strerror(-9999), "unknown error");
}

/* Every code of every layer is in the one table, inside its layer's block,
 * distinct from every other, and described by cogen_strerror. */
#define CODE_ENTRY(layer, name, value, msg) {COGEN_##name, COGEN_ERRBASE_##layer, #name, msg},
static const struct {
    int code, base;
    const char *name, *msg;
} table[] = {COGEN_ERRNO_MAP(CODE_ENTRY)};
#undef CODE_ENTRY

TEST(strerror_describes_every_code_of_every_layer)
{
    size_t n = sizeof table / sizeof table[0];
    CHECK(n >= 9);
    for (size_t i = 0; i < n; i++) {
        CHECK(table[i].code <= table[i].base && table[i].code > table[i].base - COGEN_ERRBLOCK);
        CHECK(strcmp(cogen_strerror(table[i].code), table[i].msg) == 0);
        CHECK(strcmp(cogen_strerror(table[i].code), "unknown error") != 0);
        for (size_t j = 0; j < i; j++)
            CHECK(table[i].code != table[j].code);
        /* Library codes never meet the result values or user codes. */
        CHECK(table[i].code < COGEN_ERROR);
    }
    CHECK_STR(cogen_strerror(COGEN_EPIPE), "target has already ended");
    CHECK_STR(cogen_strerror(COGEN_EIO), "input/output error");
}

/* ---- errors that must not be invented, garbled or lost */

static void *yields_then_returns(cogen *self, void *arg)
{
    (void)arg;
    cogen_yield(self, NULL, NULL);
    return NULL;
}

TEST(successful_close_leaves_no_exit_error)
{
    cogen *g = cogen_new(yields_then_returns, NULL, NULL);
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_close(g), 0);
    CHECK_EQ_INT(cogen_last_error(g)->code, 0);
    CHECK_STR(cogen_last_error(g)->msg, "");
    cogen_free(g);
}

/* A body that handled a thrown error still has it as its last error; a
 * close that succeeds puts it back after EXIT, it does not erase it. */
static void *handles_one_error_then_yields(cogen *self, void *arg)
{
    (void)arg;
    while (cogen_yield(self, NULL, NULL) == COGEN_THROWN)
        ; /* handled */
    return NULL;
}

/* What a body closed by free sees as its error, kept in `arg`. */
static void *keeps_the_exit_it_sees(cogen *self, void *arg)
{
    if (cogen_yield(self, NULL, NULL) == COGEN_EXIT)
        *(cogen_err *)arg = *cogen_last_error(self);
    return NULL;
}

/* EXIT's record is not left to the next generator made on the slot. */
TEST(exit_is_reported_to_the_body_and_not_to_the_next_generator)
{
    cogen_opts o = {0, "closed", 0};
    cogen_err seen = {0, NULL, NULL};
    cogen *g = cogen_new(keeps_the_exit_it_sees, &seen, &o);
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    cogen_free(g); /* EXIT delivered */
    CHECK_EQ_INT(seen.code, COGEN_EEXIT);
    CHECK_STR(seen.msg, "generator exit");
    CHECK_STR(seen.where, "closed");
    for (int how = 0; how < 2; how++) {
        cogen *h = cogen_new(yields_then_returns, NULL, NULL);
        CHECK_EQ_INT(cogen_last_error(h)->code, 0);
        CHECK_STR(cogen_last_error(h)->msg, "");
        CHECK_STR(cogen_last_error(h)->where, "");
        CHECK_EQ_INT(cogen_next(h, NULL), COGEN_YIELDED);
        /* then ended by EXIT thrown, which leaves EXIT as its error */
        CHECK_EQ_INT(cogen_throw(h, COGEN_EEXIT, NULL, NULL), COGEN_RETURNED);
        CHECK_EQ_INT(cogen_last_error(h)->code, COGEN_EEXIT);
        cogen_free(h);
    }
}

TEST(successful_close_keeps_the_error_the_body_had)
{
    cogen_opts o = {0, "handler", 0};
    cogen *g = cogen_new(handles_one_error_then_yields, NULL, &o);
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_throw(g, 42, "handled", NULL), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_last_error(g)->code, 42);
    CHECK_EQ_INT(cogen_close(g), 0);
    CHECK_EQ_INT(cogen_last_error(g)->code, 42);
    CHECK_STR(cogen_last_error(g)->msg, "handled");
    cogen_free(g);
}

static void *wraps_what_is_thrown(cogen *self, void *arg)
{
    (void)arg;
    if (cogen_yield(self, NULL, NULL) == COGEN_THROWN) {
        const cogen_err *e = cogen_last_error(self);
        cogen_raise(self, e->code, "wrapped: %s (from %s)", e->msg, e->where);
    }
    return NULL;
}

TEST(raise_with_a_message_taken_from_the_last_error)
{
    cogen_opts o = {0, "wrapper", 0};
    cogen *g = cogen_new(wraps_what_is_thrown, NULL, &o), *h;
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_throw(g, 7, "boom", NULL), COGEN_ERROR);
    CHECK_EQ_INT(cogen_last_error(g)->code, 7);
    CHECK_STR(cogen_last_error(g)->msg, "wrapped: boom (from wrapper)");
    /* thrown with the message of its own last error, and of a refusal */
    h = cogen_new(wraps_what_is_thrown, NULL, &o);
    CHECK_EQ_INT(cogen_next(h, NULL), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_throw(g, 8, cogen_last_error(g)->msg, NULL), COGEN_ERROR);
    CHECK_STR(cogen_last_error(g)->msg, "wrapped: boom (from wrapper)");
    CHECK_EQ_INT(cogen_throw(h, 9, cogen_last_error(g)->msg, NULL), COGEN_ERROR);
    CHECK_STR(cogen_last_error(h)->msg, "wrapped: wrapped: boom (from wrapper) (from wrapper)");
    cogen_free(g);
    cogen_free(h);
}

/* The thrown message is copied when thrown: whatever becomes of the
 * caller's buffer, or of the error it was taken from, the body's error
 * keeps it, cut to 255 bytes; its origin is the generator's name. */
TEST(thrown_message_is_copied_and_cut_to_fit)
{
    char msg[400], expect[256];
    cogen_opts o = {0, "handler", 0};
    cogen *g = cogen_new(handles_one_error_then_yields, NULL, &o);
    for (size_t i = 0; i < sizeof msg - 1; i++)
        msg[i] = (char)('a' + i % 26);
    msg[sizeof msg - 1] = '\0';
    memcpy(expect, msg, 255);
    expect[255] = '\0';
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_throw(g, 42, msg, NULL), COGEN_YIELDED);
    memset(msg, 'x', 10);
    CHECK_EQ_INT(cogen_last_error(g)->code, 42);
    CHECK_STR(cogen_last_error(g)->msg, expect);
    CHECK_STR(cogen_last_error(g)->where, "handler");
    /* thrown with its own error's message, whole and the tail of it */
    CHECK_EQ_INT(cogen_throw(g, 43, cogen_last_error(g)->msg, NULL), COGEN_YIELDED);
    CHECK_STR(cogen_last_error(g)->msg, expect);
    CHECK_EQ_INT(cogen_throw(g, 44, cogen_last_error(g)->msg + 3, NULL), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_last_error(g)->code, 44);
    CHECK_STR(cogen_last_error(g)->msg, expect + 3);
    cogen_free(g);
}

/* A refused call's error lives in the calling thread's record: until this
 * thread's next refused call (on any generator) or next error of g's body
 * recorded on this thread. Successful calls do not touch it. */
/* The copy every error string goes through (src/core/error.c): cut to
 * fit, and right when source and destination overlap either way. */
TEST(error_strings_are_copied_right_when_they_overlap)
{
    char buf[16];
    memcpy(buf, "abcdefghij", 11);
    cogen__copy_str(buf, 8, buf + 2); /* destination first */
    CHECK_STR(buf, "cdefghi");
    memcpy(buf, "abcdefghij", 11);
    cogen__copy_str(buf + 3, 8, buf); /* source first, overlapping its end */
    CHECK_STR(buf + 3, "abcdefg");
    CHECK(memcmp(buf, "abcabcdefg", 10) == 0);
    cogen__copy_str(buf, 4, "wxyz"); /* cut to fit */
    CHECK_STR(buf, "wxy");
    cogen__copy_str(buf, 1, "anything");
    CHECK_STR(buf, "");
}

TEST(refused_call_error_lives_until_the_next_refusal)
{
    cogen *g = cogen_new(yields_then_returns, NULL, NULL);
    cogen *h = cogen_new(yields_then_returns, NULL, NULL);
    const cogen_err *e;
    CHECK_EQ_INT(cogen_send(g, V(1), NULL), COGEN_ERROR);
    e = cogen_last_error(g);
    CHECK_EQ_INT(e->code, COGEN_EFRESH);
    CHECK_EQ_INT(cogen_next(h, NULL), COGEN_YIELDED); /* success elsewhere */
    CHECK_EQ_INT(cogen_getstate(h), COGEN_SUSPENDED);
    CHECK_EQ_INT(e->code, COGEN_EFRESH);
    CHECK(cogen_last_error(g) == e);
    CHECK_EQ_INT(cogen_throw(h, 0, NULL, NULL), COGEN_ERROR); /* the next refusal */
    CHECK_EQ_INT(cogen_last_error(h)->code, COGEN_EINVAL);
    CHECK_EQ_INT(cogen_last_error(g)->code, 0); /* g's own again */
    cogen_free(g);
    cogen_free(h);
}

/* A cleanup that frees its own generator while cogen_free runs it (the
 * body ignored EXIT) is refused: the stack is given back once. */
static cogen *to_free_again;
static int hook_codes[8], hook_count;

static void record_free_hook(const cogen *g, const char *context, const cogen_err *err)
{
    (void)g;
    (void)context;
    if (hook_count < 8)
        hook_codes[hook_count++] = err->code;
}

static void frees_its_generator(void *arg)
{
    (void)arg;
    cogen_free(to_free_again);
}

static void *ignores_exit_with_cleanup(cogen *self, void *arg)
{
    (void)arg;
    cogen_defer(self, frees_its_generator, NULL);
    while (cogen_yield(self, NULL, NULL) != COGEN_ERROR)
        ;
    return NULL;
}

/* A generator freed twice: the second free is reported and changes
 * nothing, so its stack is not handed out twice. */
TEST(double_free_is_reported_and_ignored)
{
    cogen *g = cogen_new(yields_then_returns, NULL, NULL), *a, *b;
    cogen_unraisable_fn old;
    void *out;
    CHECK(g != NULL);
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    cogen_free(g);
    hook_count = 0;
    old = cogen_set_unraisable_hook(record_free_hook);
    cogen_free(g);
    cogen_set_unraisable_hook(old);
    CHECK_EQ_INT(hook_count, 1);
    CHECK_EQ_INT(hook_codes[0], COGEN_EINVAL);
    a = cogen_new(yields_then_returns, NULL, NULL);
    b = cogen_new(yields_then_returns, NULL, NULL);
    CHECK(a != NULL && b != NULL && a != b);
    CHECK_EQ_INT(cogen_next(a, &out), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_next(b, &out), COGEN_YIELDED);
    cogen_free(a);
    cogen_free(b);
}

TEST(cleanup_freeing_its_generator_during_free_is_refused)
{
    cogen *a, *b;
    cogen_unraisable_fn old = cogen_set_unraisable_hook(record_free_hook);
    to_free_again = cogen_new(ignores_exit_with_cleanup, NULL, NULL);
    CHECK_EQ_INT(cogen_next(to_free_again, NULL), COGEN_YIELDED);
    cogen_free(to_free_again);
    cogen_set_unraisable_hook(old);
    CHECK_EQ_INT(hook_count, 2);
    CHECK_EQ_INT(hook_codes[0], COGEN_EIGNORED);
    CHECK_EQ_INT(hook_codes[1], COGEN_EBUSY);
    a = cogen_new(yields_then_returns, NULL, NULL);
    b = cogen_new(yields_then_returns, NULL, NULL);
    CHECK(a != b); /* one stack, given back once */
    cogen_free(a);
    cogen_free(b);
}
