/* SPDX-License-Identifier: MIT */
/* The README's example: a generator produces, a primed coroutine consumes. */
#include <cogen.h>
#include <stdio.h>

static void *countdown(cogen *self, void *arg) /* yields n, n-1, ..., 1 */
{
    for (int n = *(int *)arg; n > 0; n--)
        if (cogen_yield(self, &n, NULL) != COGEN_SENT)
            break;
    return NULL;
}

static void *summer(cogen *self, void *arg) /* adds up what it is sent */
{
    int sum = 0;
    void *x;
    (void)arg;
    while (cogen_yield(self, NULL, &x) == COGEN_SENT)
        printf("got %d\n", *(int *)x), sum += *(int *)x;
    printf("closed: sum = %d\n", sum); /* close() delivers COGEN_EXIT */
    return NULL;
}

int main(void)
{
    int n = 3;
    void *v;
    cogen *gen = cogen_new(countdown, &n, NULL);
    cogen *sink = cogen_new(summer, NULL, &(cogen_opts){.flags = COGEN_PRIMED});
    if (!gen || !sink)
        return perror("cogen_new"), 1;
    while (cogen_next(gen, &v) == COGEN_YIELDED) /* for v in countdown(3): */
        cogen_send(sink, v, NULL);               /*     sink.send(v)       */
    int rc = cogen_close(sink);                  /* sink.close()           */
    cogen_free(gen);
    cogen_free(sink);
    return rc == 0 ? 0 : 1;
}
