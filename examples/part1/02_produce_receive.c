/* SPDX-License-Identifier: MIT */
/*
 * 02_produce_receive.c: a generator that both produces and receives values.
 *
 * The Python it mirrors:
 *
 *     def running_total():
 *         total = 0
 *         while True:
 *             value = yield total     # hand out the total, take in a number
 *             if value is not None:
 *                 total += value
 *
 *     t = running_total()
 *     print(next(t))          # 0   (the first next() gets a total nobody asked to add to)
 *     print(t.send(10))       # 10  (each send delivers a number AND returns a total)
 *     print(t.send(5))        # 15
 *     print(next(t))          # 15  (next() is send(None): nothing added)
 *
 * It works, but it is hard to follow: every resume is at once a delivery
 * and a request, the answers are shifted by one yield, and iterating it
 * (`for x in t`) would never end. bogus.c shows how easily that goes wrong.
 * The advice: keep the two apart. Generators produce, coroutines consume.
 *
 * In C, values travel as pointers. The body yields a pointer to its own
 * `total`, which lives on the generator's stack: read it before resuming.
 */
#include <cogen.h>

#include <stdio.h>
#include <stdlib.h>

static void *running_total(cogen *self, void *arg)
{
    (void)arg;
    int total = 0;
    for (;;) {
        void *value;
        if (cogen_yield(self, &total, &value) != COGEN_SENT)
            return NULL;
        if (value != NULL) /* `is not None` */
            total += *(const int *)value;
    }
}

/* Resumes t with `value` (NULL = next()) and prints what it hands back. */
static int show(cogen *t, const char *call, int *value)
{
    void *out;
    if (cogen_send(t, value, &out) != COGEN_YIELDED) {
        fprintf(stderr, "%s: %s\n", call, cogen_last_error(t)->msg);
        return -1;
    }
    printf("%-9s -> %d\n", call, *(const int *)out);
    return 0;
}

int main(void)
{
    cogen *t = cogen_new(running_total, NULL, &(cogen_opts){.name = "running_total"});
    if (!t) {
        perror("cogen_new");
        return EXIT_FAILURE;
    }
    int ten = 10, five = 5;
    int failed = show(t, "next()", NULL) || show(t, "send(10)", &ten) ||
                 show(t, "send(5)", &five) || show(t, "next()", NULL);
    cogen_free(t);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
