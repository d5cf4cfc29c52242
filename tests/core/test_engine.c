/* SPDX-License-Identifier: MIT */
/* The engine: many generators, stacks, pool reuse, failure injection. */
#include "harness.h"
#include "overflow_body.h"

#include "shared.h"
#include <cogen.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static void *accumulate(cogen *self, void *arg)
{
    intptr_t sum = (intptr_t)arg;
    void *got;
    while (cogen_yield(self, V(sum), &got) == COGEN_SENT)
        sum += (intptr_t)got;
    return V(sum);
}

/* ThreadSanitizer gives every generator a fiber, and all of a process's
 * fibers and threads share its 8,128 slots. */
#if defined(__SANITIZE_THREAD__)
#define ALIVE_AT_ONCE 5000
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ALIVE_AT_ONCE 5000
#endif
#endif
#ifndef ALIVE_AT_ONCE
#define ALIVE_AT_ONCE 10000
#endif

TEST(thousands_alive_at_once)
{
    enum { N = ALIVE_AT_ONCE };
    static cogen *gs[N];
    void *out;
    for (int i = 0; i < N; i++) {
        gs[i] = cogen_new(accumulate, V(i), NULL);
        CHECK(gs[i] != NULL);
        CHECK_EQ_INT(cogen_next(gs[i], &out), COGEN_YIELDED);
    }
    for (int round = 1; round <= 3; round++)
        for (int i = 0; i < N; i++) {
            CHECK_EQ_INT(cogen_send(gs[i], V(round), &out), COGEN_YIELDED);
            CHECK_EQ_INT(I(out), i + round * (round + 1) / 2);
        }
    for (int i = 0; i < N; i++)
        cogen_free(gs[i]);
}

static int recurse(int depth, volatile char *prev)
{
    volatile char frame[1024];
    frame[0] = (char)depth;
    frame[1023] = prev ? prev[0] : 0;
    if (depth == 0)
        return frame[0] + frame[1023];
    return recurse(depth - 1, frame) + 1;
}

static void *uses_stack(cogen *self, void *arg)
{
    int r = recurse(I(arg), NULL);
    cogen_yield(self, V(r), NULL);
    return V(recurse(I(arg), NULL));
}

TEST(body_can_use_most_of_its_stack)
{
    /* 100 frames of ~1 KiB in a 128 KiB stack (the default), twice */
    cogen *g = cogen_new(uses_stack, V(100), NULL);
    void *out;
    CHECK_EQ_INT(cogen_next(g, &out), COGEN_YIELDED);
    CHECK_EQ_INT(I(out), 101);
    CHECK_EQ_INT(cogen_next(g, &out), COGEN_RETURNED);
    cogen_free(g);
    /* a 1 MiB stack takes 900 frames (ASan's redzones make frames bigger) */
#if defined(__SANITIZE_ADDRESS__)
    int frames = 400;
#else
    int frames = 900;
#endif
    cogen_opts big = {(size_t)1 << 20, "big", 0};
    g = cogen_new(uses_stack, V(frames), &big);
    CHECK(g != NULL);
    CHECK_EQ_INT(cogen_next(g, &out), COGEN_YIELDED);
    CHECK_EQ_INT(I(out), frames + 1);
    cogen_free(g);
}

TEST(stacks_are_reused_from_the_pool)
{
    /* Create and free far more generators than could fit at once in the
     * address space we would otherwise use, in several size classes. */
    for (int i = 0; i < 200000; i++) {
        cogen_opts o = {(size_t)16384 << (i % 4), NULL, 0};
        cogen *g = cogen_new(accumulate, V(i), &o);
        void *out;
        CHECK(g != NULL);
        CHECK_EQ_INT(cogen_next(g, &out), COGEN_YIELDED);
        CHECK_EQ_INT(I(out), i);
        cogen_free(g);
    }
}

static void count_cleanup(void *arg)
{
    (*(int *)arg)++;
}

static void noop_cleanup(void *arg)
{
    (void)arg;
}

static void *many_cleanups_then_return(cogen *self, void *arg)
{
    int n = 0;
    (void)arg;
    for (int i = 0; i < 20; i++)
        n += cogen_defer(self, noop_cleanup, NULL) == 0;
    cogen_return(self, V(n));
}

static void *raise_after_cleanups(cogen *self, void *arg)
{
    for (int i = 0; i < 9; i++) /* more than fit inline: the list grows */
        CHECK_EQ_INT(cogen_defer(self, count_cleanup, arg), 0);
    cogen_raise(self, COGEN_EIO, "dirty %d", 1);
}

static void *yield_stack_size(cogen *self, void *arg)
{
    (void)arg;
    cogen_yield(self, V(cogen_stack_size(self)), NULL);
    return NULL;
}

/* A new generator on a slot of this thread's cache reuses the control
 * block its predecessor left there: nothing of the predecessor (name,
 * error, grown cleanup list, flags) may show through. */
TEST(a_reused_slot_starts_clean)
{
    for (int round = 0; round < 3; round++) {
        int ran = 0;
        cogen_opts named = {0, "a rather long name for the previous generator", COGEN_FPENV};
        cogen *g = cogen_new(raise_after_cleanups, &ran, &named);
        void *out;
        size_t size;
        CHECK(g != NULL);
        CHECK_EQ_INT(cogen_next(g, NULL), COGEN_ERROR);
        CHECK_EQ_INT(ran, 9);
        CHECK_EQ_INT(cogen_last_error(g)->code, COGEN_EIO);
        cogen_free(g);
        g = cogen_new(yield_stack_size, NULL, NULL); /* the slot just freed */
        CHECK(g != NULL);
        CHECK_STR(cogen_name(g), "cogen");
        CHECK_EQ_INT(cogen_last_error(g)->code, 0);
        CHECK_STR(cogen_last_error(g)->msg, "");
        CHECK_EQ_INT(cogen_getstate(g), COGEN_CREATED);
        CHECK_EQ_INT(cogen_next(g, &out), COGEN_YIELDED);
        size = (size_t)(uintptr_t)out;
        CHECK(size >= COGEN_STACK_DEFAULT - 1024);
        CHECK_EQ_INT(cogen_close(g), 0);
        cogen_free(g);
        g = cogen_new(many_cleanups_then_return, NULL, &named); /* a name given again */
        CHECK(g != NULL);
        CHECK_STR(cogen_name(g), named.name);
        CHECK_EQ_INT(cogen_next(g, &out), COGEN_RETURNED);
        CHECK_EQ_INT(I(out), 20);
        cogen_free(g);
    }
}

/* Registers cleanups with the next allocation made to fail; yields how
 * many it registered before one failed (those kept inline need none). */
static void *cleanups_until_enomem(cogen *self, void *arg)
{
    int n = 0;
    (void)arg;
    cogen__fail_after(0);
    while (n < 100 && cogen_defer(self, noop_cleanup, NULL) == 0)
        n++;
    cogen__fail_after(-1);
    cogen_yield(self, V(n), NULL);
    return NULL;
}

static int cleanups_before_an_allocation(void)
{
    void *out;
    cogen *g = cogen_new(cleanups_until_enomem, NULL, NULL);
    CHECK(g != NULL);
    CHECK_EQ_INT(cogen_next(g, &out), COGEN_YIELDED);
    cogen_free(g);
    return (int)I(out);
}

/* A grown cleanup list is freed with its generator, not left to the next
 * one on its slot: that one needs an allocation after as many cleanups as
 * a generator whose slot never had a grown list. */
TEST(a_grown_cleanup_list_is_not_handed_down)
{
    int fresh = cleanups_before_an_allocation(), ran = 0;
    cogen *g = cogen_new(raise_after_cleanups, &ran, NULL);
    CHECK(fresh > 0 && fresh < 9); /* raise_after_cleanups grows its list */
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_ERROR);
    CHECK_EQ_INT(ran, 9);
    cogen_free(g);
    CHECK_EQ_INT(cleanups_before_an_allocation(), fresh);
}

static void *many_cleanups(cogen *self, void *arg)
{
    int n = 0;
    for (int i = 0; i < 20; i++) {
        if (cogen_defer(self, count_cleanup, arg) != 0) {
            CHECK_EQ_INT(cogen_last_error(self)->code, COGEN_ENOMEM);
            count_cleanup(arg); /* not registered: ours to run */
            n++;
        }
    }
    cogen_yield(self, V(n), NULL);
    return NULL;
}

/* Walks the failure countdown through every fallible operation met when
 * creating a generator with a fresh stack class and growing its cleanup
 * list: each failure must come out as a clean error, and leak nothing
 * (the sanitizer and valgrind runs of this test check the leaks). */
TEST(every_failure_point_is_a_clean_error)
{
    cogen_opts o = {(size_t)64 << 20, "fi", 0}; /* a class no other test uses */
    int failures_seen = 0;
    /* The thread's first cogen_new also sets up its alternate signal stack,
     * a failure of which only degrades overflow reports: not walked here. */
    cogen_free(cogen_new(accumulate, NULL, NULL));
    for (long n = 0; n < 100; n++) {
        int cleanups = 0;
        void *out;
        cogen *g;
        cogen__fail_after(n);
        errno = 0;
        g = cogen_new(many_cleanups, &cleanups, &o);
        if (!g) {
            CHECK_EQ_INT(cogen__fail_count(), 1);
            CHECK_EQ_INT(errno, ENOMEM);
            failures_seen++;
            continue;
        }
        CHECK_EQ_INT(cogen_next(g, &out), COGEN_YIELDED);
        cogen_free(g);
        CHECK_EQ_INT(cleanups, 20); /* every cleanup ran exactly once */
        if (cogen__fail_count() == 0)
            break;         /* the countdown outlived every fallible operation */
        CHECK(I(out) > 0); /* a defer failed cleanly */
        failures_seen++;
    }
    cogen__fail_after(-1);
    /* chunk malloc, chunk mmap, guard page, then the cleanup list growths */
    CHECK(failures_seen >= 4);
}

static void *reports_current(cogen *self, void *arg)
{
    (void)arg;
    CHECK(cogen_current() == self);
    cogen_yield(self, NULL, NULL);
    CHECK(cogen_current() == self);
    return NULL;
}

TEST(current_is_the_running_generator)
{
    cogen *g = cogen_new(reports_current, NULL, NULL);
    CHECK(cogen_current() == NULL);
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
    CHECK(cogen_current() == NULL);
    CHECK_EQ_INT(cogen_next(g, NULL), COGEN_RETURNED);
    CHECK(cogen_current() == NULL);
    cogen_free(g);
}

/* Unbounded recursion hits the guard: the process says which generator
 * overflowed its N-byte stack, from the alternate signal stack, and aborts.
 * The child makes its own generator: ThreadSanitizer reports a fiber made
 * before a fork() as racing in the child. */
TEST(stack_overflow_is_reported_and_aborts)
{
    int fds[2], status;
    char buf[512] = {0}, expect[128];
    size_t got = 0;
    ssize_t n;
    pid_t pid;
    cogen_opts o = {16384, "deep", 0};
    cogen *g = cogen_new(overflows, NULL, &o);
    CHECK(g != NULL);
    snprintf(expect, sizeof expect,
             "cogen: generator 'deep' overflowed its %zu-byte stack; aborting\n",
             cogen_stack_size(g));
    CHECK(cogen_stack_size(g) > 8192 && cogen_stack_size(g) <= 16384);
    CHECK(pipe(fds) == 0);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        cogen *mine = cogen_new(overflows, NULL, &o);
        dup2(fds[1], 2);
        cogen_next(mine, NULL);
        cogen_next(mine, NULL); /* overflows */
        _exit(0);
    }
    close(fds[1]);
    while ((n = read(fds[0], buf + got, sizeof buf - 1 - got)) > 0)
        got += (size_t)n;
    close(fds[0]);
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFSIGNALED(status));
    CHECK_EQ_INT(WTERMSIG(status), SIGABRT);
    /* (a sanitizer may have printed a warning line before ours) */
    CHECK(strstr(buf, expect) != NULL);
    cogen_free(g);
}

/* A thread that never created a generator resumes one that overflows: it
 * gets an alternate signal stack too, so the overflow is reported. */
#if !defined(__SANITIZE_THREAD__)
static void *resume_twice(void *arg)
{
    cogen_next(arg, NULL);
    cogen_next(arg, NULL); /* overflows */
    return NULL;
}
#endif

TEST(stack_overflow_on_a_thread_that_never_made_a_generator)
{
#if defined(__SANITIZE_THREAD__)
    return; /* TSan defers signals to its own points: no report from a fault */
#else
    int fds[2], status;
    char buf[512] = {0};
    size_t got = 0;
    ssize_t n;
    pid_t pid;
    cogen_opts o = {16384, "wanderer", 0};
    cogen *g = cogen_new(overflows, NULL, &o);
    CHECK(g != NULL);
    CHECK(pipe(fds) == 0);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        pthread_t t;
        dup2(fds[1], 2);
        if (pthread_create(&t, NULL, resume_twice, g) == 0)
            pthread_join(t, NULL);
        _exit(0);
    }
    close(fds[1]);
    while ((n = read(fds[0], buf + got, sizeof buf - 1 - got)) > 0)
        got += (size_t)n;
    close(fds[0]);
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFSIGNALED(status));
    CHECK_EQ_INT(WTERMSIG(status), SIGABRT);
    CHECK(strstr(buf, "cogen: generator 'wanderer' overflowed its") != NULL);
    cogen_free(g);
#endif
}

/* Faults that are not guard hits end as they would without cogen (not
 * under the sanitizers, whose own SIGSEGV handlers come first and report
 * instead). */
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
static void *yields_one(cogen *self, void *arg)
{
    cogen_yield(self, arg, NULL);
    return NULL;
}

enum fault_kind { RAISE_SEGV, RAISE_BUS, TOUCH_PROT_NONE };

static int child_status(int disposition_ignored, enum fault_kind kind)
{
    int status;
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        cogen *g;
        alarm(10); /* a fault that loops forever ends as SIGALRM */
        if (disposition_ignored) {
            signal(SIGSEGV, SIG_IGN);
            signal(SIGBUS, SIG_IGN);
        }
        g = cogen_new(yields_one, NULL, NULL); /* installs cogen's handler */
        if (!g)
            _exit(3);
        if (kind == RAISE_SEGV)
            raise(SIGSEGV);
        else if (kind == RAISE_BUS)
            raise(SIGBUS);
        else {
            volatile char *p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            p[0] = 1;
        }
        _exit(0);
    }
    CHECK(waitpid(pid, &status, 0) == pid);
    return status;
}

#endif

TEST(faults_that_are_not_overflows_end_as_without_cogen)
{
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
    int st;
    st = child_status(0, RAISE_SEGV); /* sent, default: killed, not swallowed */
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
    st = child_status(0, RAISE_BUS);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGBUS);
    st = child_status(1, RAISE_SEGV); /* sent, ignored: ignored */
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    st = child_status(1, RAISE_BUS);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    st = child_status(1, TOUCH_PROT_NONE); /* a real fault, ignored: killed, no loop */
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
    st = child_status(0, TOUCH_PROT_NONE);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
#endif
}

/* Both engines run a body with its resumer's signal mask. */
static void *reports_usr1_blocked(cogen *self, void *arg)
{
    (void)arg;
    for (;;) {
        sigset_t now;
        pthread_sigmask(SIG_SETMASK, NULL, &now);
        if (cogen_yield(self, V(sigismember(&now, SIGUSR1)), NULL) != COGEN_SENT)
            return NULL;
    }
}

TEST(body_runs_with_its_resumers_signal_mask)
{
    sigset_t usr1, old;
    void *out;
    cogen *g = cogen_new(reports_usr1_blocked, NULL, NULL);
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &usr1, &old);
    CHECK_EQ_INT(cogen_next(g, &out), COGEN_YIELDED);
    CHECK_EQ_INT(I(out), 1);
    pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);
    CHECK_EQ_INT(cogen_next(g, &out), COGEN_YIELDED);
    CHECK_EQ_INT(I(out), 0);
    pthread_sigmask(SIG_BLOCK, &usr1, NULL);
    CHECK_EQ_INT(cogen_next(g, &out), COGEN_YIELDED);
    CHECK_EQ_INT(I(out), 1);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    cogen_free(g);
}

/* A huge accepted stack costs address space only, in every build: under
 * ASan too, where reusing it must not unpoison shadow for all of it. */
TEST(huge_stack_is_cheap_to_create_and_reuse)
{
    cogen_opts o = {(size_t)1 << 39, "huge", 0};
    for (int i = 0; i < 3; i++) {
        cogen *g = cogen_new(accumulate, V(i), &o);
        void *out;
        CHECK(g != NULL);
        CHECK(cogen_stack_size(g) >= ((size_t)1 << 39) - 4096);
        CHECK_EQ_INT(cogen_next(g, &out), COGEN_YIELDED);
        CHECK_EQ_INT(I(out), i);
        cogen_free(g);
    }
}

/* Opt-in: an overflow is an error of the resume; the process goes on. */
static int estack_cleanups;

static void counts_estack_cleanup(void *arg)
{
    (void)arg;
    estack_cleanups++;
}

static void *overflows_with_cleanup(cogen *self, void *arg)
{
    (void)arg;
    cogen_defer(self, counts_estack_cleanup, NULL);
    cogen_yield(self, NULL, NULL);
    return V(runaway(0));
}

static void *delegates_to(cogen *self, void *arg)
{
    int rc = cogen_yield_from(self, arg, NULL);
    if (rc == COGEN_ERROR && cogen_last_error(self)->code == COGEN_ESTACK)
        return V(99); /* the delegator may handle its sub's overflow */
    return NULL;
}

TEST(stack_overflow_opted_in_is_an_error_of_the_resume)
{
    cogen_opts o = {16384, "deep", COGEN_OVERFLOW_ERROR};
    for (int round = 0; round < 3; round++) { /* again and again: nothing is left broken */
        cogen *g = cogen_new(overflows_with_cleanup, NULL, &o), *d;
        void *out;
        CHECK(g != NULL);
        CHECK_EQ_INT(cogen_next(g, NULL), COGEN_YIELDED);
        CHECK_EQ_INT(cogen_next(g, NULL), COGEN_ERROR);
        CHECK_EQ_INT(cogen_last_error(g)->code, COGEN_ESTACK);
        CHECK_STR(cogen_last_error(g)->where, "deep");
        CHECK_EQ_INT(cogen_getstate(g), COGEN_CLOSED);
        CHECK_EQ_INT(estack_cleanups, 0); /* not run on the overflowed stack */
        cogen_free(g);
        /* its stack is retired: no new generator gets it */
        d = cogen_new(accumulate, V(1), &o);
        CHECK(d != NULL && d != g);
        cogen_free(d);
        /* as a sub: its delegator's yield_from gets the error */
        g = cogen_new(overflows_with_cleanup, NULL, &o);
        d = cogen_new(delegates_to, g, NULL);
        CHECK_EQ_INT(cogen_next(d, NULL), COGEN_YIELDED);
        CHECK_EQ_INT(cogen_next(d, &out), COGEN_RETURNED);
        CHECK_EQ_INT(I(out), 99);
        cogen_free(d);
        cogen_free(g);
    }
    /* and the process goes on making and running generators */
    cogen *h = cogen_new(accumulate, V(1), NULL);
    void *out;
    CHECK_EQ_INT(cogen_next(h, &out), COGEN_YIELDED);
    CHECK_EQ_INT(I(out), 1);
    cogen_free(h);
}
