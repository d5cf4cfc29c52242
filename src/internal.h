/* Internal declarations shared by the library's source files. */
#ifndef COGEN_INTERNAL_H
#define COGEN_INTERNAL_H

#include "arch/context.h"
#include "cogen.h"

#include <stdbool.h>
#include <stddef.h>

#ifdef COGEN_FPENV_SUPPORT
#include <fenv.h>
#endif

#if defined(__GNUC__)
#define COGEN_LIKELY(x) __builtin_expect(!!(x), 1)
#define COGEN_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define COGEN_HIDDEN __attribute__((visibility("hidden")))
#else
#define COGEN_LIKELY(x) (x)
#define COGEN_UNLIKELY(x) (x)
#define COGEN_HIDDEN
#endif

/* Copies src into dst[cap], truncating; always terminated (cogen.c). */
COGEN_HIDDEN void cogen__copy_str(char *dst, size_t cap, const char *src);

/* ---- stacks (stack.c) ---- */

/* A stack slot: [guard page][usable stack ... control block] in one piece
 * of a larger mapping. The generator's control block lives at the top of its
 * own stack, so creating a generator is one pool pop and a parked
 * generator's struct shares a page with its topmost frames. */
typedef struct cogen__stack {
    char *lo;     /* lowest usable byte (just above the guard page) */
    char *hi;     /* one past the highest usable byte */
    unsigned cls; /* size class index, or COGEN__NO_CLASS (own mapping) */
} cogen__stack;

#define COGEN__NO_CLASS 0xffffffffu

/* Gets a stack with at least `usable` bytes; 0 or -1 with errno. */
COGEN_HIDDEN int cogen__stack_get(size_t usable, cogen__stack *out);
/* Returns a stack to the pool (or the system). */
COGEN_HIDDEN void cogen__stack_put(const cogen__stack *s);
/* For the overflow handler: if addr is in a guard page, the stack above it. */
COGEN_HIDDEN bool cogen__stack_guard_owner(const void *addr, cogen__stack *out);

/* The name and usable stack size of the generator living on stack st
 * (cogen.c; async-signal-safe: plain reads). */
COGEN_HIDDEN const char *cogen__stack_owner_name(const cogen__stack *st);
COGEN_HIDDEN size_t cogen__stack_owner_size(const cogen__stack *st);

/* ---- stack overflow reporting (overflow.c) ---- */

/* Makes sure this thread can report a stack overflow (handler installed,
 * alternate signal stack in place). Cheap after the first call. */
COGEN_HIDDEN void cogen__overflow_guard_thread(void);

/* ---- failure injection (fault.c) ---- */

/* True when the next fallible operation of the library should fail. Always
 * false unless the library was built with COGEN_TEST_HOOKS. */
#ifdef COGEN_TEST_HOOKS
COGEN_HIDDEN bool cogen__fail_now(void);
COGEN_HIDDEN void cogen__count_switch(void);
#else
#define cogen__fail_now() false
#define cogen__count_switch() ((void)0)
#endif

#endif
