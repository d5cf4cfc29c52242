/* SPDX-License-Identifier: MIT */
/*
 * Stack overflow: never silent corruption.
 *
 * Every stack has a guard region below it (stack.c). A body that runs into
 * it faults; this SIGSEGV/SIGBUS handler, running on an alternate signal
 * stack (the faulting stack has no room left), looks the address up in the
 * stack registry and, if it is a guard, writes
 *   cogen: generator 'NAME' overflowed its N-byte stack; aborting
 * and aborts. Faults anywhere else are passed on to the handler that was
 * installed before ours (or the default action, which dumps core as usual).
 *
 * By default it aborts rather than returning COGEN_ESTACK from the resume,
 * as Lua does: the body may have overflowed inside malloc, stdio or while
 * holding a lock; unwinding past that from a signal handler leaves the
 * process in a state no later code could trust. A generator created with
 * COGEN_OVERFLOW_ERROR opts in to exactly that (protocol.c ends it and
 * switches from this handler to its resumer). See docs/design.md.
 */
#include "internal.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

static struct sigaction previous_segv, previous_bus;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static pthread_key_t altstack_key;
_Thread_local bool cogen__altstack_ready __attribute__((tls_model("initial-exec")));

static size_t fmt_unsigned(char *out, uintmax_t v)
{
    char tmp[24];
    size_t n = 0, i;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

/* Appends s to buf[0..len) without a terminator (the result goes to write). */
static size_t append(char *buf, size_t len, size_t cap, const char *s)
{
    while (*s && len < cap)
        buf[len++] = *s++;
    return len;
}

/* Only async-signal-safe calls from here on. */
static void report_overflow(const cogen__stack *st)
{
    char buf[256], num[24];
    size_t len = 0;
    const char *name = cogen__stack_owner_name(st);
    len = append(buf, len, sizeof buf, "cogen: generator '");
    len = append(buf, len, sizeof buf, name);
    len = append(buf, len, sizeof buf, "' overflowed its ");
    num[fmt_unsigned(num, (uintmax_t)cogen__stack_owner_size(st))] = '\0';
    len = append(buf, len, sizeof buf, num);
    len = append(buf, len, sizeof buf, "-byte stack; aborting\n");
    (void)!write(STDERR_FILENO, buf, len);
}

/* Not a guard hit: end exactly as without cogen. The previous handler
 * runs if there was one. Otherwise, a signal sent with kill/raise (si_code
 * <= 0) does not come back by itself: ignored, it is dropped; by default,
 * it is raised again under the default action (it stays pending until this
 * handler returns). A real fault comes back when the faulting instruction
 * runs again: the kernel kills a process that ignores or blocks a fault, so
 * both ignored and default faults get the default action back and retry. */
static void pass_on(int sig, siginfo_t *info, void *uctx)
{
    const struct sigaction *prev = sig == SIGBUS ? &previous_bus : &previous_segv;
    bool sent = info->si_code <= 0;
    if ((prev->sa_flags & SA_SIGINFO) && prev->sa_sigaction) {
        prev->sa_sigaction(sig, info, uctx);
        return;
    }
    if (prev->sa_handler != SIG_DFL && prev->sa_handler != SIG_IGN) {
        prev->sa_handler(sig);
        return;
    }
    if (sent && prev->sa_handler == SIG_IGN)
        return;
    (void)signal(sig, SIG_DFL);
    if (sent)
        (void)raise(sig);
}

static void on_fault(int sig, siginfo_t *info, void *uctx)
{
    cogen__stack st;
    if (cogen__stack_guard_owner(info->si_addr, &st)) {
        cogen__overflow_recover(&st, &((const ucontext_t *)uctx)->uc_sigmask);
        report_overflow(&st);
        (void)signal(SIGABRT, SIG_DFL);
        abort();
    }
    pass_on(sig, info, uctx);
}

/* Thread exit: take down the alternate stack we gave the thread. */
static void drop_altstack(void *sp)
{
    stack_t ss, old;
    memset(&ss, 0, sizeof ss);
    ss.ss_flags = SS_DISABLE;
    if (sigaltstack(NULL, &old) == 0 && old.ss_sp == sp && !(old.ss_flags & SS_ONSTACK)) {
        (void)sigaltstack(&ss, NULL);
        munmap(sp, old.ss_size);
    }
}

static void install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    (void)sigaction(SIGSEGV, &sa, &previous_segv);
    (void)sigaction(SIGBUS, &sa, &previous_bus);
    (void)pthread_key_create(&altstack_key, drop_altstack);
}

/* Called by cogen_new: installs the handler once per process and an
 * alternate signal stack once per thread (unless the thread has one). */
void cogen__overflow_guard_thread_slow(void)
{
    stack_t old, ss;
    (void)pthread_once(&install_once, install);
    cogen__altstack_ready = true;
    if (sigaltstack(NULL, &old) == 0 && !(old.ss_flags & SS_DISABLE))
        return; /* the application's own */
    ss.ss_size = (size_t)SIGSTKSZ > 65536 ? (size_t)SIGSTKSZ : 65536;
    ss.ss_sp = cogen__fail_now() ? MAP_FAILED
                                 : mmap(NULL, ss.ss_size, PROT_READ | PROT_WRITE,
                                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (ss.ss_sp == MAP_FAILED) {
        cogen__altstack_ready = false; /* try again next time; overflow still faults */
        return;
    }
    ss.ss_flags = 0;
    if (sigaltstack(&ss, NULL) != 0) {
        munmap(ss.ss_sp, ss.ss_size);
        cogen__altstack_ready = false;
        return;
    }
    (void)pthread_setspecific(altstack_key, ss.ss_sp);
}
