#include <cogen.h>
#include <stdio.h>

/* A generator produces values: countdown(n) yields n, n-1, ..., 1. */
static void *countdown(cogen *self, void *arg)
{
    for (int n = *(int *)arg; n > 0; n--)
        if (cogen_yield(self, &n, NULL) != COGEN_SENT)
            break; /* closed early */
    return NULL;
}

/* A coroutine consumes them: it adds up what it is sent until it is closed. */
static void *summer(cogen *self, void *arg)
{
    int sum = 0;
    void *x;
    (void)arg;
    while (cogen_yield(self, NULL, &x) == COGEN_SENT) {
        sum += *(int *)x;
        printf("got %d\n", *(int *)x);
    }
    printf("closed: sum = %d\n", sum); /* close() lands here (COGEN_EXIT): clean up */
    return NULL;
}

int main(void)
{
    int n = 3, rc = COGEN_ERROR, ok = 0;
    void *v;
    cogen *gen = cogen_new(countdown, &n, NULL);
    cogen *sink = cogen_new(summer, NULL, &(cogen_opts){.flags = COGEN_PRIMED}); /* @coroutine */
    if (!gen || !sink) {
        perror("cogen_new");
    } else {
        while ((rc = cogen_next(gen, &v)) == COGEN_YIELDED) /* for v in countdown(3): */
            if (cogen_send(sink, v, NULL) != COGEN_YIELDED) /*     sink.send(v)      */
                break;
        ok = rc == COGEN_RETURNED && cogen_close(sink) == 0; /* sink.close()          */
        if (!ok)
            fprintf(stderr, "countdown: '%s', summer: '%s'\n", cogen_last_error(gen)->msg,
                    cogen_last_error(sink)->msg);
    }
    cogen_free(gen);
    cogen_free(sink);
    return ok ? 0 : 1;
}
