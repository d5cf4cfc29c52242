/* SPDX-License-Identifier: MIT */
/* A minimal test harness: TEST(name) defines a case; each test binary runs
 * the case named on its command line (CTest registers one test per case)
 * or, with no argument, all of them. CHECK failures print and exit 1. */
#ifndef COGEN_TEST_HARNESS_H
#define COGEN_TEST_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct test_case {
    const char *name;
    void (*fn)(void);
    struct test_case *next;
} test_case;

void harness_register(test_case *t);

#define TEST(name)                                                                                 \
    static void test_##name(void);                                                                 \
    __attribute__((constructor)) static void register_##name(void)                                 \
    {                                                                                              \
        static test_case t = {#name, test_##name, NULL};                                           \
        harness_register(&t);                                                                      \
    }                                                                                              \
    static void test_##name(void)

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                         \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        if (a_ != b_) {                                                                            \
            fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__,  \
                    #a, #b, a_, b_);                                                               \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (!a_ || !b_ || strcmp(a_, b_) != 0) {                                                   \
            fprintf(stderr, "%s:%d: CHECK failed: %s == \"%s\" (got \"%s\")\n", __FILE__,          \
                    __LINE__, #a, b_ ? b_ : "(null)", a_ ? a_ : "(null)");                         \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

/* Integers carried as void * values. */
#define V(i) ((void *)(intptr_t)(i))
#define I(p) ((int)(intptr_t)(p))

/* A log tests append to, to check the order of events. */
extern char tlog[4096];
void tlogf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
