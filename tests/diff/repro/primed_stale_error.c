/* SPDX-License-Identifier: MIT */
/*
 * Finding 1 of tests/diff (see ../FINDINGS.md): cogen_new(COGEN_PRIMED)
 * reports an error through the unraisable hook although the body did not
 * raise. The body handled an error from cogen_yield_from (it stays in
 * cogen_last_error) and then returned before its first yield; cogen_new
 * looks at g->err.code instead of at how the priming resume ended.
 *
 * Python: a primed generator that catches the sub's exception and returns
 * raises plain StopIteration, nothing is reported.
 *
 * Build: cc -std=c11 -I include tests/diff/repro/primed_stale_error.c \
 *           build/libcogen.a -lm -lpthread -o /tmp/repro && /tmp/repro
 * Exits 0 when fixed, 1 (and says so) while the bug is there.
 */
#include <cogen.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>

static int reported;

static void hook(const cogen *g, const char *context, const cogen_err *err)
{
    (void)g;
    printf("reported: %s: %s (code %d)\n", context, err->msg, err->code);
    reported++;
}

static void *failing(cogen *self, void *arg)
{
    (void)arg;
    cogen_raise(self, 1, "E1");
}

static void *catches_then_returns(cogen *self, void *arg)
{
    if (cogen_yield_from(self, arg, NULL) == COGEN_ERROR)
        return NULL; /* handled: `except E1: return` */
    return NULL;
}

int main(void)
{
    cogen_opts primed = {0, "primed", COGEN_PRIMED};
    cogen *sub = cogen_new(failing, NULL, NULL);
    cogen *g;
    cogen_set_unraisable_hook(hook);
    errno = 0;
    g = cogen_new(catches_then_returns, sub, &primed);
    printf("cogen_new: %p, errno %s\n", (void *)g, errno == ECANCELED ? "ECANCELED" : "other");
    cogen_free(sub);
    if (reported) {
        printf("BUG: a body that returned normally was reported as having raised\n");
        return 1;
    }
    printf("ok\n");
    return 0;
}
