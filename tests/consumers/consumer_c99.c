/* SPDX-License-Identifier: MIT */
/* A C99 program using cogen: the public headers need nothing newer. */
#include <cogen.h>
#include <cogen/pipe.h>

#include <stdio.h>

static void *count(cogen *self, void *arg)
{
    int i;
    int *n = (int *)arg;
    for (i = 0; i < *n; i++)
        if (cogen_yield(self, &i, NULL) != COGEN_SENT)
            break;
    return n;
}

int main(void)
{
    int n = 3, sum = 0;
    void *out = NULL;
    cogen *g = cogen_new(count, &n, NULL);
    if (!g || cogen_version() != COGEN_VERSION)
        return 1;
    while (cogen_next(g, &out) == COGEN_YIELDED)
        sum += *(int *)out;
    cogen_free(g);
    printf("c99 consumer: sum %d, cogen %s\n", sum, cogen_version_string());
    return sum == 3 && out == &n ? 0 : 1;
}
