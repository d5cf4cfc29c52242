/* SPDX-License-Identifier: MIT */
/*
 * grepclose.c: a coroutine that notices it is closed (Beazley's grepclose.py).
 *
 * The Python it mirrors:
 *
 *     @coroutine
 *     def grep(pattern):
 *         print("Looking for %s" % pattern)
 *         try:
 *             while True:
 *                 line = (yield)
 *                 if pattern in line:
 *                     print(line, end="")
 *         except GeneratorExit:
 *             print("Going away. Goodbye")
 *
 *     g = grep("python")
 *     g.send("Yeah, but no, but yeah, but no\n")
 *     g.send("A series of tubes\n")
 *     g.send("python generators rock!\n")
 *     g.close()
 *
 * close() makes the waiting cogen_yield return COGEN_EXIT (GeneratorExit).
 * Here the EXIT is not caught by a try but by a test of the result; the body
 * says goodbye and returns, and cogen_close reports success.
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
    int rc;
    while ((rc = cogen_yield(self, NULL, &line)) == COGEN_SENT) {
        if (strstr(line, pattern))
            fputs(line, stdout);
    }
    if (rc == COGEN_THROWN)
        cogen_reraise(self); /* only EXIT is handled here */
    printf("Going away. Goodbye\n");
    return NULL;
}

int main(void)
{
    cogen *g = cogen_new(grep, "python", &(cogen_opts){.name = "grep", .flags = COGEN_PRIMED});
    if (!g) {
        perror("cogen_new");
        return EXIT_FAILURE;
    }
    int ok = cogen_send(g, "Yeah, but no, but yeah, but no\n", NULL) == COGEN_YIELDED &&
             cogen_send(g, "A series of tubes\n", NULL) == COGEN_YIELDED &&
             cogen_send(g, "python generators rock!\n", NULL) == COGEN_YIELDED &&
             cogen_close(g) == 0;
    if (!ok)
        fprintf(stderr, "grep: %s\n", cogen_last_error(g)->msg);
    cogen_free(g);
    return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
