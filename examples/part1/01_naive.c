/* SPDX-License-Identifier: MIT */
/*
 * 01_naive.c: a naive coroutine, one that consumes the values sent to it.
 *
 * The Python it mirrors:
 *
 *     def grep(pattern):
 *         print("Looking for", pattern)
 *         while True:
 *             line = yield            # wait here for the next line
 *             if pattern in line:
 *                 print(line)
 *
 *     g = grep("python")              # nothing runs yet
 *     g.send("python rocks")          # TypeError: can't send non-None value
 *                                     # to a just-started generator
 *     next(g)                         # runs to the first yield: "Looking for python"
 *     g.send("Yeah, but no, but yeah, but no")
 *     g.send("A series of tubes")
 *     g.send("python generators rock!")   # printed
 *
 * A coroutine must be started ("primed") with next() before it can be sent
 * anything: the body only reaches its first `yield` then. Forgetting it is an
 * error, not a crash. 03_primed.c shows how to stop forgetting.
 */
#include <cogen.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The body: `arg` is the pattern. Each cogen_yield hands nothing (NULL) out
 * and brings the next line in. */
static void *grep(cogen *self, void *arg)
{
    const char *pattern = arg;
    printf("Looking for %s\n", pattern);
    for (;;) {
        void *line;
        if (cogen_yield(self, NULL, &line) != COGEN_SENT)
            return NULL; /* closed (or thrown into): stop */
        if (strstr(line, pattern))
            printf("%s\n", (const char *)line);
    }
}

/* Sends one line; the coroutine must still be waiting afterwards. */
static int send_line(cogen *g, const char *line)
{
    int rc = cogen_send(g, (void *)line, NULL);
    if (rc == COGEN_YIELDED)
        return 0;
    if (rc == COGEN_RETURNED)
        fprintf(stderr, "grep ended early\n");
    else
        fprintf(stderr, "send: %s\n", cogen_last_error(g)->msg);
    return -1;
}

int main(void)
{
    cogen *g = cogen_new(grep, "python", &(cogen_opts){.name = "grep"});
    if (!g) {
        perror("cogen_new");
        return EXIT_FAILURE;
    }
    printf("grep is %s\n", state_name(g));

    /* Sending before priming is refused (COGEN_EFRESH): no body code runs
     * and g is unchanged, so it can still be primed and used. */
    if (cogen_send(g, "python rocks", NULL) != COGEN_ERROR) {
        fprintf(stderr, "a send before priming was accepted\n");
        cogen_free(g);
        return EXIT_FAILURE;
    }
    printf("send too early: %s (still %s)\n", cogen_last_error(g)->msg, state_name(g));

    /* Prime it: run the body to its first yield. */
    if (cogen_next(g, NULL) != COGEN_YIELDED) {
        fprintf(stderr, "next: %s\n", cogen_last_error(g)->msg);
        cogen_free(g);
        return EXIT_FAILURE;
    }
    printf("grep is %s\n", state_name(g));

    int failed = send_line(g, "Yeah, but no, but yeah, but no") ||
                 send_line(g, "A series of tubes") || send_line(g, "python generators rock!");

    cogen_free(g); /* a suspended coroutine is closed first */
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
