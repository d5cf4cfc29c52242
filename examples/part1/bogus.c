/* SPDX-License-Identifier: MIT */
/*
 * bogus.c: a generator that produces and receives, used wrongly
 * (Beazley's bogus.py).
 *
 * The Python it mirrors:
 *
 *     def countdown(n):
 *         print("Counting down from", n)
 *         while n >= 0:
 *             newvalue = (yield n)
 *             # If a new value got sent in, reset n with it
 *             if newvalue is not None:
 *                 n = newvalue
 *             else:
 *                 n -= 1
 *
 *     # The holy grail countdown
 *     c = countdown(5)
 *     for x in c:
 *         print(x)
 *         if x == 5:
 *             c.send(3)
 *
 * It prints 5, 2, 1, 0: the 3 never shows. send(3) resets n and resumes the
 * body, which yields 3 straight back, as the result of the send, which the
 * loop throws away; the loop's next next() then counts on from there. Mixing
 * iteration and send makes a generator hard to follow: keep producing and
 * consuming apart.
 */
#include <cogen.h>

#include <stdio.h>
#include <stdlib.h>

static void *countdown(cogen *self, void *arg)
{
    int n = *(const int *)arg;
    printf("Counting down from %d\n", n);
    while (n >= 0) {
        void *newvalue;
        if (cogen_yield(self, &n, &newvalue) != COGEN_SENT)
            return NULL;
        if (newvalue != NULL) /* a new value got sent in: reset n with it */
            n = *(const int *)newvalue;
        else
            n -= 1;
    }
    return NULL;
}

int main(void)
{
    int start = 5, reset = 3;
    cogen *c = cogen_new(countdown, &start, &(cogen_opts){.name = "countdown"});
    if (!c) {
        perror("cogen_new");
        return EXIT_FAILURE;
    }
    void *out;
    int rc;
    while ((rc = cogen_next(c, &out)) == COGEN_YIELDED) {
        int x = *(const int *)out;
        printf("%d\n", x);
        if (x == 5) {
            /* The 3 this yields back is dropped here, as in bogus.py. */
            rc = cogen_send(c, &reset, NULL);
            if (rc != COGEN_YIELDED)
                break;
        }
    }
    if (rc == COGEN_ERROR)
        fprintf(stderr, "countdown: %s\n", cogen_last_error(c)->msg);
    cogen_free(c);
    return rc == COGEN_RETURNED ? EXIT_SUCCESS : EXIT_FAILURE;
}
