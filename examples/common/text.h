/* SPDX-License-Identifier: MIT */
/* A growable string, for the examples that collect text or bytes. */
#ifndef EXAMPLES_TEXT_H
#define EXAMPLES_TEXT_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* s[0..len) and a NUL after it; s NULL until the first append. */
typedef struct text {
    char *s;
    size_t len, cap;
} text;

/* Appends s[0..n); false (t unchanged) when out of memory. */
static inline bool text_append(text *t, const char *s, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        while (cap < t->len + n + 1)
            cap *= 2;
        char *p = realloc(t->s, cap);
        if (!p)
            return false;
        t->s = p;
        t->cap = cap;
    }
    memcpy(t->s + t->len, s, n);
    t->len += n;
    t->s[t->len] = '\0';
    return true;
}

#endif
