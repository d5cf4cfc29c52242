/* SPDX-License-Identifier: MIT */
/*
 * What every layer of the library shares, and nothing else: the allocator
 * with failure injection, the error buffer, string copying. A layer includes
 * the public headers of the layers below it and this one; the core's private
 * declarations (src/core/internal.h) are for the core alone.
 *
 * Implemented in src/core/fault.c (failure injection) and src/core/error.c
 * (error buffers, cogen_strerror).
 */
#ifndef COGEN_SHARED_H
#define COGEN_SHARED_H

#include <cogen.h>

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

#if defined(__GNUC__)
#define COGEN_LIKELY(x) __builtin_expect(!!(x), 1)
#define COGEN_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define COGEN_HIDDEN __attribute__((visibility("hidden")))
#define COGEN_TEST_API __attribute__((visibility("default")))
#else
#define COGEN_LIKELY(x) (x)
#define COGEN_UNLIKELY(x) (x)
#define COGEN_HIDDEN
#define COGEN_TEST_API
#endif

/* ------------------------------------------------------ failure injection */

/* True when the next fallible operation of the library should fail. Every
 * allocation, mapping and system call of every layer that can fail asks it
 * first, so that tests can walk each failure point. Always false unless the
 * library was built with COGEN_TEST_HOOKS (the test libraries are). */
#ifdef COGEN_TEST_HOOKS
COGEN_HIDDEN bool cogen__fail_now(void);
COGEN_HIDDEN void cogen__count_switch(void);
COGEN_HIDDEN void cogen__count_put_back(void);
COGEN_HIDDEN void cogen__chain_step(int step, const void *target, const void *leaf);
#else
#define cogen__fail_now() false
#define cogen__count_switch() ((void)0)
#define cogen__count_put_back() ((void)0)
#define cogen__chain_step(step, target, leaf) ((void)0)
#endif

/* The test-side controls, present in test builds only. */
/* Makes the (n+1)-th fallible operation from now fail (n = 0: the next
 * one), once; n < 0 disarms. */
COGEN_TEST_API void cogen__fail_after(long n);
/* How many failures were injected since the last cogen__fail_after. */
COGEN_TEST_API long cogen__fail_count(void);
/* Non-zero once stack guards have fallen back to mprotect (old kernel,
 * emulator, valgrind): each guarded stack then costs two mappings. */
COGEN_TEST_API int cogen__guards_by_mprotect(void);
/* Stacks in the global pool (freed, not in any thread's cache). */
COGEN_TEST_API long cogen__stacks_pooled(void);
/* Context switches made by the library since the program started. */
COGEN_TEST_API long cogen__switch_count(void);
/* Generators claimed and put back at once because they were not, or no
 * longer, the innermost of the chain a call was addressed to. */
COGEN_TEST_API long cogen__put_back_count(void);
/* Non-zero once generators are taken by claims biased to one thread
 * (x86-64 with membarrier, not in sanitizer builds); how many biases
 * other threads have revoked since the program started. */
COGEN_TEST_API int cogen__claims_biased(void);
COGEN_TEST_API long cogen__bias_revocations(void);
/* Calls fn on the thread of a call addressed to `target`, a generator of
 * a yield_from chain, at steps where the chain's links have been read
 * but not yet acted on: COGEN__STEP_LINK_READ, once the link to the
 * innermost `leaf` is read and before it is claimed; COGEN__STEP_PROBING,
 * once leaf is claimed as PROBING and before it is checked;
 * COGEN__STEP_STATE, in cogen_getstate, once the link is read and before
 * leaf's state is. NULL removes it. */
enum { COGEN__STEP_LINK_READ = 1, COGEN__STEP_PROBING = 2, COGEN__STEP_STATE = 3 };
typedef void (*cogen__chain_step_fn)(int step, const void *target, const void *leaf);
COGEN_TEST_API void cogen__on_chain_step(cogen__chain_step_fn fn);

/* A system call that is about to be made fails with `err` instead when
 * failure injection says so: `if (cogen__inject(EIO)) n = -1; else n =
 * read(...)`. */
static inline bool cogen__inject(int err)
{
    if (COGEN_LIKELY(!cogen__fail_now()))
        return false;
    errno = err;
    return true;
}

/* ---------------------------------------------------------- the allocator */

/* malloc, calloc and realloc, failing (NULL, errno ENOMEM) when failure
 * injection says so. A failed realloc leaves the old block as it was. Free
 * with free(). */
static inline void *cogen__malloc(size_t n)
{
    return cogen__inject(ENOMEM) ? NULL : malloc(n);
}

static inline void *cogen__calloc(size_t n, size_t size)
{
    return cogen__inject(ENOMEM) ? NULL : calloc(n, size);
}

static inline void *cogen__realloc(void *p, size_t n)
{
    return cogen__inject(ENOMEM) ? NULL : realloc(p, n);
}

/* ------------------------------------------------------------------ errors */

/* Sizes of the strings an error carries, truncated to fit: the name of the
 * generator or stage it comes from, and its message. */
enum { COGEN__NAME_CAP = 48, COGEN__MSG_CAP = 256 };

/* An error with room for its strings; `err` points into the buffer. */
typedef struct cogen__errbuf {
    cogen_err err;
    char msg[COGEN__MSG_CAP];
    char where[COGEN__NAME_CAP];
} cogen__errbuf;

/* Copies src into dst[cap], truncating; always terminated. dst and src may
 * overlap. */
COGEN_HIDDEN void cogen__copy_str(char *dst, size_t cap, const char *src);

/* Empties b: code 0, empty message and origin. */
COGEN_HIDDEN void cogen__errbuf_clear(cogen__errbuf *b);

/* Sets b to {code, message formatted from fmt, where}. The arguments may
 * point into b itself (re-raising b's own message with more words around
 * it): the message is formatted aside first. */
COGEN_HIDDEN void cogen__errbuf_setv(cogen__errbuf *b, int code, const char *where, const char *fmt,
                                     va_list ap);
COGEN_HIDDEN void cogen__errbuf_set(cogen__errbuf *b, int code, const char *where, const char *fmt,
                                    ...) COGEN_PRINTF(4, 5);
/* Sets b to {code, msg, where}, msg taken as it is (no formatting): the
 * quick way for a message already made. msg may point into b. */
COGEN_HIDDEN void cogen__errbuf_set_str(cogen__errbuf *b, int code, const char *where,
                                        const char *msg);

/* Copies src (which may be b's own error) into b. */
COGEN_HIDDEN void cogen__errbuf_copy(cogen__errbuf *b, const cogen_err *src);

#endif /* COGEN_SHARED_H */
