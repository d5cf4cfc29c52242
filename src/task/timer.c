/* SPDX-License-Identifier: MIT */
/* Timers: a 4-ary min-heap of tasks on their `due` time (as Go's runtime
 * keeps its timers): a shallower tree than a binary heap, so fewer cache
 * misses per push and pop; each task knows its index, so cancelling is
 * O(log n) too. A task has at most one timer: its deadline, or its grace
 * deadline once killed, whichever comes first. */
#include "task_internal.h"

static bool before(const cogen__task *a, const cogen__task *b)
{
    return a->due < b->due || (a->due == b->due && a->id < b->id);
}

static void place(cogen_sched *s, size_t i, cogen__task *t)
{
    s->heap[i] = t;
    t->heap_at = i + 1;
}

static void sift_up(cogen_sched *s, size_t i)
{
    cogen__task *t = s->heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / 4;
        if (!before(t, s->heap[parent]))
            break;
        place(s, i, s->heap[parent]);
        i = parent;
    }
    place(s, i, t);
}

static void sift_down(cogen_sched *s, size_t i)
{
    cogen__task *t = s->heap[i];
    for (;;) {
        size_t first = 4 * i + 1, best = i;
        cogen__task *min = t;
        for (size_t c = first; c < first + 4 && c < s->nheap; c++) {
            if (before(s->heap[c], min)) {
                best = c;
                min = s->heap[c];
            }
        }
        if (best == i)
            break;
        place(s, i, min);
        i = best;
    }
    place(s, i, t);
}

int cogen__timer_set(cogen_sched *s, cogen__task *t, cogen_time due)
{
    if (t->heap_at) {
        t->due = due;
        sift_up(s, t->heap_at - 1);
        sift_down(s, t->heap_at - 1);
        return 0;
    }
    if (s->nheap == s->heap_cap) {
        size_t cap = s->heap_cap ? s->heap_cap * 2 : 64;
        cogen__task **h = cogen__realloc(s->heap, cap * sizeof *h);
        if (!h)
            return -1;
        s->heap = h;
        s->heap_cap = cap;
    }
    t->due = due;
    s->heap[s->nheap] = t;
    s->nheap++;
    sift_up(s, s->nheap - 1);
    return 0;
}

void cogen__timer_cancel(cogen_sched *s, cogen__task *t)
{
    if (!t->heap_at)
        return;
    size_t i = t->heap_at - 1;
    t->heap_at = 0;
    s->nheap--;
    if (i == s->nheap)
        return;
    cogen__task *moved = s->heap[s->nheap];
    place(s, i, moved);
    sift_up(s, i);
    sift_down(s, moved->heap_at - 1);
}

cogen__task *cogen__timer_top(const cogen_sched *s)
{
    return s->nheap ? s->heap[0] : NULL;
}
