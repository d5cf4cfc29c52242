/* SPDX-License-Identifier: MIT */
/*
 * Stacks: carved from large mappings, guarded, lazily committed, pooled.
 *
 * Why not one mmap per stack: each mprotect'ed guard page splits a mapping,
 * and Linux's default limit of 65,530 mappings per process then caps a
 * program near 32k generators. Instead stacks are carved from chunks of
 * about 8 MiB, and each slot's lowest 16 KiB are made a guard with
 * MADV_GUARD_INSTALL (Linux >= 6.13), which does not split the mapping.
 * Older kernels fall back to mprotect (and to the old limit).
 *
 * Sizes are rounded up to powers of two (size classes), so that there are
 * few classes and each has its own free lists. Freed stacks go to a small
 * per-thread cache first (no lock: create/free cost a pointer pop/push;
 * the link lives in the stack's top page, which stays resident); past
 * COGEN__WARM_STACKS per thread and class they go to a global list kept
 * outside the stacks, and all their pages are given back to the system.
 *
 * Chunks are never unmapped: a stack's address range stays reserved for
 * reuse. The chunk list doubles as the registry the overflow handler reads
 * to name the generator whose guard page was hit.
 */
#include "internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifdef COGEN_VALGRIND
#include <valgrind/valgrind.h>
#else
#define VALGRIND_STACK_REGISTER(lo, hi) ((void)(lo), (void)(hi), 0u)
#define RUNNING_ON_VALGRIND 0
#endif

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif

enum {
    CLASS_MIN_SHIFT = COGEN__CLASS_MIN_SHIFT,
    CLASS_MAX_SHIFT = COGEN__CLASS_MAX_SHIFT,
    NCLASSES = COGEN__NCLASSES,
};
_Static_assert(((size_t)1 << (COGEN__DEFAULT_CLASS + CLASS_MIN_SHIFT)) == COGEN_STACK_DEFAULT,
               "COGEN__DEFAULT_CLASS is not the class of COGEN_STACK_DEFAULT");

#define CHUNK_BYTES ((size_t)8 << 20)

typedef cogen__chunk chunk;
typedef cogen__free_slot free_slot;

typedef struct size_class {
    chunk *carving; /* chunk new slots are cut from */
    size_t carved;  /* slots already cut from it */
    char **free;    /* global free list: trimmed slots */
    size_t nfree, cap;
} size_class;

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static size_class classes[NCLASSES];
static atomic_int guard_by_mprotect;
static atomic_int guard_checked; /* MADV_GUARD_INSTALL seen to work */

/* This thread's cache (internal.h). */
_Thread_local cogen__stack_cache cogen__stack_cache_of_thread
    __attribute__((tls_model("initial-exec")));
#define tcache cogen__stack_cache_of_thread
static pthread_key_t tcache_key;
static pthread_once_t tcache_once = PTHREAD_ONCE_INIT;

static size_t page_size(void)
{
    static _Atomic size_t page;
    size_t p = atomic_load_explicit(&page, memory_order_relaxed);
    if (COGEN_UNLIKELY(!p)) {
        p = (size_t)sysconf(_SC_PAGESIZE);
        atomic_store_explicit(&page, p, memory_order_relaxed);
    }
    return p;
}

static size_t slot_usable(unsigned cls)
{
    return (size_t)1 << (cls + CLASS_MIN_SHIFT);
}

/* 16 KiB: a function whose frame is smaller than the guard cannot jump
 * over it into the stack below (bodies with bigger frames should be built
 * with -fstack-clash-protection). With MADV_GUARD_INSTALL a guard costs
 * address space only. */
static size_t guard_size(void)
{
    size_t p = page_size();
    return p > 16384 ? p : 16384;
}

static void describe(unsigned cls, char *slot, cogen__stack *out)
{
    out->lo = slot + guard_size();
    out->hi = out->lo + slot_usable(cls);
    out->cls = cls;
}

static char *link_slot(unsigned cls, free_slot *link)
{
    return (char *)link + sizeof(free_slot) - slot_usable(cls) - guard_size();
}

/* Gives back all pages of a pooled stack (they read as zeros afterwards). */
static void trim(unsigned cls, char *slot)
{
    (void)madvise(slot + guard_size(), slot_usable(cls), MADV_DONTNEED);
}

/* Trims a slot and puts it on its class's global list; pool_lock held. If
 * the list cannot grow, the slot is dropped: its pages are given back and
 * only its address range is lost. */
static void push_global(unsigned cls, char *slot)
{
    size_class *sc = &classes[cls];
    trim(cls, slot);
    if (sc->nfree == sc->cap) {
        size_t cap = sc->cap ? sc->cap * 2 : 64;
        char **grown = cogen__realloc(sc->free, cap * sizeof *grown);
        if (!grown)
            return;
        sc->free = grown;
        sc->cap = cap;
    }
    sc->free[sc->nfree++] = slot;
}

enum { GUARD_HOLDS, GUARD_IGNORED, GUARD_UNKNOWN };

/* Whether reading `page` now faults. MADV_GUARD_INSTALL can succeed
 * without installing anything: qemu-user returns 0 for any madvise advice
 * it does not know. The probe is a write() of the page into a pipe: the
 * kernel reads it and reports EFAULT if the guard holds. (Not a syscall
 * that takes a path, like access(): valgrind reads paths itself before the
 * kernel does, and dies on the guard.) */
static int guard_probe(const char *page)
{
    int fds[2], saved = errno, r = GUARD_UNKNOWN;
    if (pipe(fds) == 0) {
        r = write(fds[1], page, 1) < 0 && errno == EFAULT ? GUARD_HOLDS : GUARD_IGNORED;
        (void)close(fds[0]);
        (void)close(fds[1]);
    }
    errno = saved;
    return r;
}

/* COGEN_GUARD in the environment, read once: "auto" (default: guard
 * regions where the kernel has them, else mprotect), "mprotect" (always
 * mprotect: what kernels before 6.13 do; for tests), "none" (no guard: no
 * mapping per stack and no limit on their number, but an overflow is not
 * detected and silently overwrites the stack below; see docs/design.md). */
enum guard_mode { GUARD_AUTO = 1, GUARD_MPROTECT, GUARD_NONE };
static atomic_int guard_mode;

static int mode_of_guard(void)
{
    int m = atomic_load_explicit(&guard_mode, memory_order_relaxed);
    if (COGEN_UNLIKELY(!m)) {
        const char *e = getenv("COGEN_GUARD");
        m = !e                           ? GUARD_AUTO
            : strcmp(e, "mprotect") == 0 ? GUARD_MPROTECT
            : strcmp(e, "none") == 0     ? GUARD_NONE
                                         : GUARD_AUTO;
        if (m == GUARD_MPROTECT)
            atomic_store_explicit(&guard_by_mprotect, 1, memory_order_relaxed);
        atomic_store_explicit(&guard_mode, m, memory_order_relaxed);
    }
    return m;
}

/* mprotect failed with ENOMEM: almost always the limit on mappings per
 * process, as each guarded stack splits its mapping in two. Says so once;
 * cogen_new then fails with ENOMEM. */
static void report_map_limit(void)
{
    static atomic_flag told = ATOMIC_FLAG_INIT;
    long limit = -1;
    FILE *f;
    if (atomic_flag_test_and_set(&told))
        return;
    f = fopen("/proc/sys/vm/max_map_count", "r");
    if (f) {
        if (fscanf(f, "%ld", &limit) != 1)
            limit = -1;
        (void)fclose(f);
    }
    (void)fprintf(stderr,
                  "cogen: cannot guard another stack: the limit of mappings per process "
                  "(vm.max_map_count = %ld) is reached. Without MADV_GUARD_INSTALL (Linux < "
                  "6.13) each stack's guard takes two mappings. Raise the limit (sysctl "
                  "vm.max_map_count) or run with COGEN_GUARD=none (no overflow detection); "
                  "see cogen's docs/design.md, \"Stacks\".\n",
                  limit);
}

static int mprotect_guard(char *slot)
{
    if (cogen__inject(ENOMEM) || mprotect(slot, guard_size(), PROT_NONE) != 0) {
        if (errno == ENOMEM)
            report_map_limit();
        return -1;
    }
    return 0;
}

static int install_guard(char *slot)
{
    if (cogen__fail_now())
        return -1;
    switch (mode_of_guard()) {
    case GUARD_NONE: return 0;
    case GUARD_MPROTECT: return mprotect_guard(slot);
    default: break;
    }
    /* valgrind knows nothing of guard regions (its own reads of one, e.g.
     * for access() below, kill it) but tracks mprotect. */
    if (RUNNING_ON_VALGRIND)
        atomic_store_explicit(&guard_by_mprotect, 1, memory_order_relaxed);
    if (!atomic_load_explicit(&guard_by_mprotect, memory_order_relaxed)) {
        if (madvise(slot, guard_size(), MADV_GUARD_INSTALL) == 0) {
            if (atomic_load_explicit(&guard_checked, memory_order_relaxed))
                return 0;
            switch (guard_probe(slot)) {
            case GUARD_HOLDS:
                atomic_store_explicit(&guard_checked, 1, memory_order_relaxed);
                return 0;
            case GUARD_UNKNOWN: return 0; /* no pipe now (EMFILE?): probe the next one */
            default: break;               /* accepted but not enforced (emulator) */
            }
        } else if (errno != EINVAL) {
            return -1;
        }
        /* Kernel older than 6.13, or the above: fall back for good. */
        atomic_store_explicit(&guard_by_mprotect, 1, memory_order_relaxed);
    }
    return mprotect_guard(slot);
}

static chunk *new_chunk(unsigned cls)
{
    size_t slot = guard_size() + slot_usable(cls);
    size_t n = CHUNK_BYTES / slot ? CHUNK_BYTES / slot : 1;
    chunk *c = cogen__malloc(sizeof *c);
    if (!c)
        return NULL;
    c->slot_size = slot;
    c->len = n * slot;
    c->base = cogen__fail_now() ? MAP_FAILED
                                : mmap(NULL, c->len, PROT_READ | PROT_WRITE,
                                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (c->base == MAP_FAILED) {
        free(c);
        return NULL;
    }
    /* With transparent huge pages, touching one byte of a stack could
     * commit 2 MiB; stacks are touched sparsely, so opt out. */
    (void)madvise(c->base, c->len, MADV_NOHUGEPAGE);
    c->next = atomic_load(&cogen__chunks);
    while (!atomic_compare_exchange_weak(&cogen__chunks, &c->next, c))
        ;
    return c;
}

/* Cuts a fresh slot; pool_lock held. */
static char *carve(unsigned cls)
{
    size_class *sc = &classes[cls];
    char *slot;
    if (!sc->carving || (sc->carved + 1) * sc->carving->slot_size > sc->carving->len) {
        chunk *c = new_chunk(cls);
        if (!c)
            return NULL;
        sc->carving = c;
        sc->carved = 0;
    }
    slot = sc->carving->base + sc->carved * sc->carving->slot_size;
    if (install_guard(slot) != 0)
        return NULL; /* the slot is not consumed: the next carve retries it */
    sc->carved++;
    (void)VALGRIND_STACK_REGISTER(slot + guard_size(), slot + sc->carving->slot_size);
    return slot;
}

/* Thread exit. Destructors of other thread-specific data may run after
 * this one and free generators: those stacks go to the global pool
 * (`flushed`), not into a cache nobody will read again. */
static void flush_thread_cache(void *unused)
{
    (void)unused;
    tcache.flushed = true;
    tcache.open = false;
    pthread_mutex_lock(&pool_lock);
    for (unsigned cls = 0; cls < NCLASSES; cls++) {
        free_slot *l;
        while ((l = tcache.head[cls])) {
            tcache.head[cls] = l->next;
            push_global(cls, link_slot(cls, l));
        }
        tcache.count[cls] = 0;
    }
    pthread_mutex_unlock(&pool_lock);
}

static void make_key(void)
{
    (void)pthread_key_create(&tcache_key, flush_thread_cache);
}

/* The smallest class of at least `usable` bytes (a power of two), without
 * a loop: this runs on every create. */
static unsigned class_of(size_t usable, bool *ok)
{
    unsigned shift;
    *ok = true;
    if (usable <= slot_usable(0))
        return 0;
    shift = (unsigned)(sizeof(unsigned long long) * 8) - (unsigned)__builtin_clzll(usable - 1);
    if (shift > CLASS_MAX_SHIFT) {
        *ok = false;
        return 0;
    }
    return shift - CLASS_MIN_SHIFT;
}

/* Not from this thread's cache: the global list, or a fresh slot. Kept
 * out of cogen__stack_get so that its cached path saves no registers. */
__attribute__((noinline)) static int get_uncached(unsigned cls, cogen__stack *out)
{
    char *slot;
    pthread_mutex_lock(&pool_lock);
    if (classes[cls].nfree)
        slot = classes[cls].free[--classes[cls].nfree];
    else
        slot = carve(cls);
    pthread_mutex_unlock(&pool_lock);
    if (!slot) {
        errno = ENOMEM;
        return -1;
    }
    describe(cls, slot, out);
    return 0;
}

int cogen__stack_get(size_t usable, cogen__stack *out)
{
    bool ok;
    unsigned cls;
    /* With pages above 16 KiB (64 KiB AArch64 kernels) the smallest classes
     * would not be page multiples: slots would not be page-aligned (guard
     * install fails with EINVAL) and trim() would underflow. Page sizes
     * are powers of two, so a class of at least one page is a multiple. */
    if (COGEN_UNLIKELY(usable < page_size()))
        usable = page_size();
    cls = class_of(usable, &ok);
    if (!ok) {
        errno = EINVAL;
        return -1;
    }
    if (COGEN_UNLIKELY((out->hi = cogen__stack_pop_cached(cls)) == NULL))
        return get_uncached(cls, out);
    out->lo = out->hi - slot_usable(cls);
    out->cls = cls;
    return 1;
}

/* The cache is full, the thread is exiting, or this is its first free. */
__attribute__((noinline)) static void put_uncached(const cogen__stack *s)
{
    unsigned cls = s->cls;
    if (tcache.count[cls] < COGEN__WARM_STACKS && !tcache.flushed) {
        (void)pthread_once(&tcache_once, make_key);
        (void)pthread_setspecific(tcache_key, &tcache);
        tcache.open = true;
        cogen__stack_put(s);
        return;
    }
    pthread_mutex_lock(&pool_lock);
    push_global(cls, s->lo - guard_size());
    pthread_mutex_unlock(&pool_lock);
}

void cogen__stack_put(const cogen__stack *s)
{
    if (COGEN_UNLIKELY(!cogen__stack_push_cached(s)))
        put_uncached(s);
}

void cogen__stack_retire(const cogen__stack *s)
{
    (void)madvise(s->lo, (size_t)(s->hi - s->lo), MADV_DONTNEED);
}

bool cogen__stack_guard_owner(const void *addr, cogen__stack *out)
{
    uintptr_t a = (uintptr_t)addr;
    for (chunk *c = atomic_load(&cogen__chunks); c; c = c->next) {
        uintptr_t base = (uintptr_t)c->base;
        if (a < base || a >= base + c->len)
            continue;
        uintptr_t slot = base + (a - base) / c->slot_size * c->slot_size;
        if (a >= slot + guard_size())
            return false;
        unsigned cls = 0;
        while (guard_size() + slot_usable(cls) != c->slot_size)
            cls++;
        describe(cls, (char *)slot, out);
        return true;
    }
    return false;
}

#ifdef COGEN_TEST_HOOKS
long cogen__stacks_pooled(void)
{
    long n = 0;
    pthread_mutex_lock(&pool_lock);
    for (unsigned cls = 0; cls < NCLASSES; cls++)
        n += (long)classes[cls].nfree;
    pthread_mutex_unlock(&pool_lock);
    return n;
}

int cogen__guards_by_mprotect(void)
{
    return atomic_load(&guard_by_mprotect);
}
#endif
