/* SPDX-License-Identifier: MIT */
/*
 * grep.c: a coroutine that filters the lines sent to it (Beazley's grep.py).
 *
 * The Python it mirrors:
 *
 *     def grep(pattern):
 *         print("Looking for %s" % pattern)
 *         while True:
 *             line = (yield)
 *             if pattern in line:
 *                 print(line, end="")
 *
 *     g = grep("python")
 *     next(g)                             # prime it
 *     g.send("Yeah, but no, but yeah, but no\n")
 *     g.send("A series of tubes\n")
 *     g.send("python generators rock!\n")
 *
 * A coroutine consumes values: `line = (yield)` hands nothing out and waits
 * for the next send. In C that is cogen_yield(self, NULL, &line).
 */
#include <cogen.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *grep(cogen *self, void *arg)
{
    const char *pattern = arg;
    printf("Looking for %s\n", pattern);
    void *line;
    while (cogen_yield(self, NULL, &line) == COGEN_SENT) {
        if (strstr(line, pattern))
            fputs(line, stdout);
    }
    return NULL; /* closed (here, by cogen_free) */
}

int main(void)
{
    cogen *g = cogen_new(grep, "python", &(cogen_opts){.name = "grep"});
    if (!g) {
        perror("cogen_new");
        return EXIT_FAILURE;
    }
    int ok = cogen_next(g, NULL) == COGEN_YIELDED &&
             cogen_send(g, "Yeah, but no, but yeah, but no\n", NULL) == COGEN_YIELDED &&
             cogen_send(g, "A series of tubes\n", NULL) == COGEN_YIELDED &&
             cogen_send(g, "python generators rock!\n", NULL) == COGEN_YIELDED;
    if (!ok)
        fprintf(stderr, "grep: %s\n", cogen_last_error(g)->msg);
    cogen_free(g);
    return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
