/* SPDX-License-Identifier: MIT */
#include "harness.h"

#include <stdarg.h>

static test_case *cases;
char tlog[4096];

void harness_register(test_case *t)
{
    t->next = cases;
    cases = t;
}

void tlogf(const char *fmt, ...)
{
    size_t n = strlen(tlog);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tlog + n, sizeof tlog - n, fmt, ap);
    va_end(ap);
}

int main(int argc, char **argv)
{
    int ran = 0;
    for (test_case *t = cases; t; t = t->next) {
        if (argc > 1 && strcmp(argv[1], t->name) != 0)
            continue;
        tlog[0] = '\0';
        t->fn();
        ran++;
        if (argc == 1)
            printf("ok %s\n", t->name);
    }
    if (!ran) {
        fprintf(stderr, "no test named %s\n", argc > 1 ? argv[1] : "(any)");
        return 2;
    }
    return 0;
}
