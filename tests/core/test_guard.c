/* SPDX-License-Identifier: MIT */
/* Stack guards on kernels without MADV_GUARD_INSTALL (forced with
 * COGEN_GUARD=mprotect): overflows are still reported, and running out of
 * mappings is explained. Each case sets COGEN_GUARD before the process's
 * first generator, so CTest runs each in its own process. */
#include "harness.h"
#include "overflow_body.h"

#include "shared.h"
#include <cogen.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs fn in a child with stderr into buf; returns the wait status. */
static int in_child(void (*fn)(void), char *buf, size_t cap)
{
    int fds[2], status;
    size_t got = 0;
    ssize_t n;
    pid_t pid;
    CHECK(pipe(fds) == 0);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], 2);
        fn();
        _exit(0);
    }
    close(fds[1]);
    while ((n = read(fds[0], buf + got, cap - 1 - got)) > 0)
        got += (size_t)n;
    buf[got] = '\0';
    close(fds[0]);
    CHECK(waitpid(pid, &status, 0) == pid);
    return status;
}

static void overflow_now(void)
{
    cogen_opts o = {16384, "guarded", 0};
    cogen *g;
    setenv("COGEN_GUARD", "mprotect", 1);
    g = cogen_new(overflows, NULL, &o);
    if (!g || !cogen__guards_by_mprotect())
        _exit(3);
    cogen_next(g, NULL);
    cogen_next(g, NULL);
}

TEST(forced_mprotect_guard_reports_overflow)
{
    char buf[1024];
    int st = in_child(overflow_now, buf, sizeof buf);
    CHECK(WIFSIGNALED(st));
    CHECK_EQ_INT(WTERMSIG(st), SIGABRT);
    CHECK(strstr(buf, "cogen: generator 'guarded' overflowed its") != NULL);
}

/* The k-th fallible operation fails, for growing k, on fresh size classes
 * (each carves and guards a new stack), until a guard's mprotect is the
 * one that fails: cogen_new fails with ENOMEM and says why. */
static void run_out_of_mappings(void)
{
    setenv("COGEN_GUARD", "mprotect", 1);
    for (long k = 0; k < 40; k++) {
        cogen_opts o = {(size_t)16384 << (k % 20), NULL, 0};
        cogen *g;
        cogen__fail_after(k);
        g = cogen_new(overflows, NULL, &o);
        cogen__fail_after(-1);
        if (g)
            cogen_free(g);
        else
            CHECK_EQ_INT(errno, ENOMEM);
    }
}

TEST(running_out_of_mappings_is_explained)
{
    char buf[2048];
    int st = in_child(run_out_of_mappings, buf, sizeof buf);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK(strstr(buf, "cogen: cannot guard another stack: the limit of mappings per process "
                      "(vm.max_map_count = ") != NULL);
    CHECK(strstr(buf, "COGEN_GUARD=none") != NULL);
}

static void *counts(cogen *self, void *arg)
{
    for (intptr_t i = 0;; i++)
        if (cogen_yield(self, V(i), NULL) != COGEN_SENT)
            return arg;
}

TEST(unguarded_stacks_work)
{
    void *out;
    cogen *g;
    setenv("COGEN_GUARD", "none", 1);
    g = cogen_new(counts, NULL, NULL);
    CHECK(g != NULL);
    CHECK_EQ_INT(cogen_next(g, &out), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_next(g, &out), COGEN_YIELDED);
    CHECK_EQ_INT(I(out), 1);
    CHECK_EQ_INT(cogen__guards_by_mprotect(), 0);
    cogen_free(g);
}
