/* SPDX-License-Identifier: MIT */
/*
 * 06_throw.c: throwing an error into a coroutine, at the yield it waits at.
 *
 * The Python it mirrors:
 *
 *     @coroutine
 *     def logger():
 *         while True:
 *             try:
 *                 line = yield
 *                 print("log:", line)
 *             except ValueError as e:         # handled: keep going
 *                 print("log: skipped,", e)
 *
 *     log = logger()
 *     log.send("starting")
 *     log.throw(ValueError("bad record"))     # handled; throw() returns the next yield's value
 *     log.send("still here")
 *     log.throw(RuntimeError("You're hosed")) # not handled: raised out of throw()
 *     log.send("anyone?")                     # StopIteration
 *
 * In C the paused cogen_yield returns COGEN_THROWN and cogen_last_error(self)
 * is the thrown error. The body handles the codes it knows and passes the
 * rest on with cogen_reraise, which ends it with that error.
 */
#include <cogen.h>

#include <stdio.h>
#include <stdlib.h>

enum { VALUE_ERROR = 1, RUNTIME_ERROR = 2 };

static void *logger(cogen *self, void *arg)
{
    (void)arg;
    for (;;) {
        void *line;
        int rc = cogen_yield(self, NULL, &line);
        if (rc == COGEN_SENT) {
            printf("log: %s\n", (const char *)line);
        } else if (rc == COGEN_THROWN) {
            const cogen_err *e = cogen_last_error(self);
            if (e->code != VALUE_ERROR)
                cogen_reraise(self); /* not ours to handle: pass it on */
            printf("log: skipped, %s\n", e->msg);
        } else {
            return NULL; /* COGEN_EXIT: closed */
        }
    }
}

/* Prints how a send or throw on g came back, and passes rc on. */
static int show(const char *call, const cogen *g, int rc)
{
    if (rc == COGEN_YIELDED) {
        printf("%s: yielded, waiting for more\n", call);
    } else if (rc == COGEN_RETURNED) {
        printf("%s: returned, the coroutine has ended\n", call);
    } else {
        const cogen_err *e = cogen_last_error(g);
        printf("%s: error %d from '%s': %s\n", call, e->code, e->where, e->msg);
    }
    return rc;
}

int main(void)
{
    cogen *log = cogen_new(logger, NULL, &(cogen_opts){.name = "logger", .flags = COGEN_PRIMED});
    if (!log) {
        perror("cogen_new");
        return EXIT_FAILURE;
    }
    int ok = show("send", log, cogen_send(log, "starting", NULL)) == COGEN_YIELDED;

    /* A ValueError is handled: throw returns what the body yields next. */
    int rc = cogen_throw(log, VALUE_ERROR, "bad record", NULL);
    ok &= show("throw ValueError", log, rc) == COGEN_YIELDED;
    ok &= show("send", log, cogen_send(log, "still here", NULL)) == COGEN_YIELDED;

    /* Anything else is passed on: it comes out of throw and ends the coroutine. */
    rc = cogen_throw(log, RUNTIME_ERROR, "You're hosed", NULL);
    ok &= show("throw RuntimeError", log, rc) == COGEN_ERROR;
    ok &= show("send", log, cogen_send(log, "anyone?", NULL)) == COGEN_RETURNED;

    cogen_free(log);
    return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
