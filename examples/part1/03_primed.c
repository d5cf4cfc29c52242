/* SPDX-License-Identifier: MIT */
/*
 * 03_primed.c: priming a coroutine on creation (Beazley's @coroutine).
 *
 * The Python it mirrors:
 *
 *     def coroutine(func):
 *         def start(*args, **kwargs):
 *             cr = func(*args, **kwargs)
 *             next(cr)                # run to the first yield
 *             return cr
 *         return start
 *
 *     @coroutine
 *     def grep(pattern):
 *         print("Looking for", pattern)
 *         while True:
 *             line = yield
 *             if pattern in line:
 *                 print(line)
 *
 *     g = grep("python")              # "Looking for python": already primed
 *     g.send("Yeah, but no, but yeah, but no")
 *     g.send("A series of tubes")
 *     g.send("python generators rock!")
 *
 * In C the decorator is a flag: COGEN_PRIMED makes cogen_new run the body to
 * its first yield before returning (and report a body that ends before it).
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
        if (cogen_yield(self, NULL, &line) != COGEN_SENT)
            return NULL;
        if (strstr(line, pattern))
            printf("%s\n", (const char *)line);
    }
}

/* The decorator: create fn(arg), already started. */
static cogen *coroutine(cogen_fn fn, void *arg, const char *name)
{
    return cogen_new(fn, arg, &(cogen_opts){.name = name, .flags = COGEN_PRIMED});
}

int main(void)
{
    cogen *g = coroutine(grep, "python", "grep");
    if (!g) {
        perror("cogen_new");
        return EXIT_FAILURE;
    }
    printf("created, and ready for lines\n");

    const char *lines[] = {"Yeah, but no, but yeah, but no", "A series of tubes",
                           "python generators rock!"};
    int status = EXIT_SUCCESS;
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        int rc = cogen_send(g, (void *)lines[i], NULL);
        if (rc != COGEN_YIELDED) {
            fprintf(stderr, "send: %s\n",
                    rc == COGEN_ERROR ? cogen_last_error(g)->msg : "grep ended early");
            status = EXIT_FAILURE;
            break;
        }
    }
    cogen_free(g);
    return status;
}
