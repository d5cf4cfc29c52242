/* SPDX-License-Identifier: MIT */
/*
 * 04_close.c: shutting a coroutine down with close().
 *
 * The Python it mirrors:
 *
 *     @coroutine
 *     def grep(pattern):
 *         print("Looking for", pattern)
 *         try:
 *             while True:
 *                 line = yield
 *                 if pattern in line:
 *                     print(line)
 *         except GeneratorExit:
 *             print("Going away. Goodbye")
 *
 *     g = grep("python")
 *     g.send("python generators rock!")
 *     g.close()                       # GeneratorExit at the paused yield
 *     g.send("python again")          # StopIteration: nothing runs any more
 *     g.close()                       # closing again does nothing
 *
 * In C, close() makes the paused cogen_yield return COGEN_EXIT; the body
 * cleans up and returns. Afterwards every send reports COGEN_RETURNED (the
 * StopIteration of C) without running anything. A coroutine that is never
 * closed is closed by cogen_free, as Python's garbage collector would.
 */
#include <cogen.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *grep(cogen *self, void *arg)
{
    const char *pattern = arg;
    printf("Looking for %s\n", pattern);
    for (;;) {
        void *line;
        int rc = cogen_yield(self, NULL, &line);
        if (rc == COGEN_EXIT) {
            printf("Going away. Goodbye\n");
            return NULL;
        }
        if (rc == COGEN_THROWN)
            cogen_reraise(self); /* not ours to handle: pass it on */
        if (strstr(line, pattern))
            printf("%s\n", (const char *)line);
    }
}

static const char *state_name(const cogen *g)
{
    switch (cogen_getstate(g)) {
    case COGEN_CREATED: return "created";
    case COGEN_RUNNING: return "running";
    case COGEN_SUSPENDED: return "suspended";
    case COGEN_CLOSED: return "closed";
    default: return "?";
    }
}

int main(void)
{
    cogen *g = cogen_new(grep, "python", &(cogen_opts){.name = "grep", .flags = COGEN_PRIMED});
    if (!g) {
        perror("cogen_new");
        return EXIT_FAILURE;
    }
    int status = EXIT_FAILURE;
    if (cogen_send(g, "python generators rock!", NULL) != COGEN_YIELDED)
        goto fail;

    if (cogen_close(g) != 0)
        goto fail;
    printf("after close: %s\n", state_name(g));

    /* A closed coroutine runs nothing: send reports that the body has ended. */
    if (cogen_send(g, "python again", NULL) != COGEN_RETURNED)
        goto fail;
    printf("send after close: returned (StopIteration)\n");

    if (cogen_close(g) != 0) /* closing twice is fine */
        goto fail;
    printf("closed again: %s\n", state_name(g));
    status = EXIT_SUCCESS;
fail:
    if (status != EXIT_SUCCESS)
        fprintf(stderr, "unexpected result (last error: \"%s\")\n", cogen_last_error(g)->msg);
    cogen_free(g);
    return status;
}
