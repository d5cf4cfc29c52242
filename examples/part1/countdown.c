/* SPDX-License-Identifier: MIT */
/*
 * countdown.c: a generator, iterated (Beazley's countdown.py).
 *
 * The Python it mirrors:
 *
 *     def countdown(n):
 *         print("Counting down from", n)
 *         while n > 0:
 *             yield n
 *             n -= 1
 *         print("Done counting down")
 *
 *     for i in countdown(5):
 *         print(i)
 *
 * A generator produces values: each next() runs the body to its next yield.
 * The `for` loop is "call next() until the body ends": in C, loop while
 * cogen_next reports COGEN_YIELDED. The final next() runs the code after the
 * loop and reports COGEN_RETURNED, Python's StopIteration.
 */
#include <cogen.h>

#include <stdio.h>
#include <stdlib.h>

static void *countdown(cogen *self, void *arg)
{
    int n = *(const int *)arg;
    printf("Counting down from %d\n", n);
    while (n > 0) {
        if (cogen_yield(self, &n, NULL) != COGEN_SENT)
            return NULL; /* closed early: stop counting */
        n -= 1;
    }
    printf("Done counting down\n");
    return NULL;
}

int main(void)
{
    int start = 5;
    cogen *c = cogen_new(countdown, &start, &(cogen_opts){.name = "countdown"});
    if (!c) {
        perror("cogen_new");
        return EXIT_FAILURE;
    }
    void *out;
    int rc;
    while ((rc = cogen_next(c, &out)) == COGEN_YIELDED)
        printf("%d\n", *(const int *)out);
    if (rc == COGEN_ERROR)
        fprintf(stderr, "countdown: %s\n", cogen_last_error(c)->msg);
    cogen_free(c);
    return rc == COGEN_RETURNED ? EXIT_SUCCESS : EXIT_FAILURE;
}
