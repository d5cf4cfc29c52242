/* SPDX-License-Identifier: MIT */
/*
 * All sanitizer bookkeeping for stack switches, in one place.
 *
 * AddressSanitizer must be told before and after every switch which stack
 * is about to run (__sanitizer_start/finish_switch_fiber), or it takes the
 * new stack for a stack overflow and its "fake stacks" (used for
 * detect_stack_use_after_return) get mixed up; a context that leaves for
 * good passes NULL so its fake stack is released. ThreadSanitizer wants one
 * "fiber" per stack and a switch_to_fiber before each switch. valgrind's
 * stack registration is done once per stack, in stack.c.
 *
 * A resumer may run on a thread's own stack, whose bounds we do not know:
 * the first generator it reaches learns them from finish_switch_fiber and
 * stores them in the resumer's side of the record, for the switch back.
 */
#ifndef COGEN_SANITIZE_H
#define COGEN_SANITIZE_H

#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__)
#define COGEN_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define COGEN_ASAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define COGEN_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define COGEN_TSAN 1
#endif
#endif

#ifdef COGEN_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#ifdef COGEN_TSAN
#include <sanitizer/tsan_interface.h>
#endif

/* Builds whose switches must be seen by a sanitizer: every switch returns
 * to code that tells it where it landed, so none can end in a tail call. */
#if defined(COGEN_ASAN) || defined(COGEN_TSAN)
#define COGEN_SAN_SWITCH 1
#endif

/* The resumer's side (its ASan fake stack stays in the resumer's frame). */
typedef struct cogen__san_side {
    const void *bottom; /* its stack, learnt on arrival in a generator */
    size_t size;
    void *fiber; /* its TSan fiber */
} cogen__san_side;

/* A generator's side. */
typedef struct cogen__san_gen {
    void *fake;
    void *fiber;
    const char *low; /* ASan: lowest frame live when it last switched away */
} cogen__san_gen;

/* Room below the recorded frame for the calls that lead to the switch. */
#define COGEN__SAN_MARGIN ((size_t)16384)

static inline void cogen__san_new(cogen__san_gen *g, const char *top)
{
#ifdef COGEN_SAN_SWITCH
    g->fake = NULL;
    g->fiber = NULL;
    g->low = top;
#ifdef COGEN_TSAN
    g->fiber = __tsan_create_fiber(0);
#endif
#else
    (void)g; /* read by sanitizer builds only */
    (void)top;
#endif
}

/* The body's stack [lo, top) goes back to the pool. ASan poisons the
 * redzones of a frame on entry and unpoisons them on return; a body that
 * ends (or is abandoned) without returning leaves the poison of the frames
 * that were live when it last switched away, and nothing below them. Only
 * that part is unpoisoned: a huge, mostly untouched stack costs no shadow
 * memory. */
static inline void cogen__san_free(cogen__san_gen *g, const char *lo, const char *top)
{
#ifdef COGEN_ASAN
    const char *from = (size_t)(g->low - lo) > COGEN__SAN_MARGIN ? g->low - COGEN__SAN_MARGIN : lo;
    ASAN_UNPOISON_MEMORY_REGION(from, (size_t)(top - from));
#else
    (void)lo;
    (void)top;
#endif
#ifdef COGEN_TSAN
    __tsan_destroy_fiber(g->fiber);
#endif
    (void)g;
}

/* A generator is switching away: note how deep its live frames go. */
static inline void cogen__san_note_depth(cogen__san_gen *g)
{
#ifdef COGEN_ASAN
    const char *sp = (const char *)__builtin_frame_address(0);
    if (sp < g->low)
        g->low = sp;
#else
    (void)g;
#endif
}

/* Called by the one function that switches stacks, immediately before
 * the switch: TSan keeps a shadow call stack per fiber, which drifts if
 * an instrumented function is entered on one fiber and left on another. */
static inline void cogen__san_switch_fiber(void *fiber)
{
#ifdef COGEN_TSAN
    __tsan_switch_to_fiber(fiber, 0);
#else
    (void)fiber;
#endif
}

/* A resumer is about to switch into generator stack [lo, lo+size). */
static inline void cogen__san_leave_resumer(cogen__san_side *r, void **fake, const char *lo,
                                            size_t size)
{
    r->bottom = NULL;
    r->size = 0;
#ifdef COGEN_TSAN
    r->fiber = __tsan_get_current_fiber();
#endif
#ifdef COGEN_ASAN
    __sanitizer_start_switch_fiber(fake, lo, size);
#else
    (void)fake;
    (void)lo;
    (void)size;
#endif
}

static inline void cogen__san_arrive_resumer(void *fake)
{
#ifdef COGEN_ASAN
    __sanitizer_finish_switch_fiber(fake, NULL, NULL);
#else
    (void)fake;
#endif
}

/* A generator is about to switch to the stack [bottom, bottom+size), which
 * it will be resumed later. */
static inline void cogen__san_leave_gen(cogen__san_gen *g, const void *bottom, size_t size)
{
    cogen__san_note_depth(g);
#ifdef COGEN_ASAN
    __sanitizer_start_switch_fiber(&g->fake, bottom, size);
#else
    (void)g;
    (void)bottom;
    (void)size;
#endif
}

/* Same, but the generator has ended and will never be resumed. */
static inline void cogen__san_leave_final(cogen__san_gen *g, const void *bottom, size_t size)
{
    cogen__san_note_depth(g);
#ifdef COGEN_ASAN
    __sanitizer_start_switch_fiber(NULL, bottom, size);
#else
    (void)bottom;
    (void)size;
#endif
}

/* Arrived on a generator's stack, resumed on behalf of resumer side r. */
static inline void cogen__san_arrive_gen(cogen__san_gen *g, cogen__san_side *r)
{
#ifdef COGEN_ASAN
    const void *bottom;
    size_t size;
    __sanitizer_finish_switch_fiber(g->fake, &bottom, &size);
    if (!r->bottom) {
        r->bottom = bottom;
        r->size = size;
    }
#else
    (void)g;
    (void)r;
#endif
}

#endif
