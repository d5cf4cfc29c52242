/* SPDX-License-Identifier: MIT */
/*
 * Channels and select.
 *
 * A channel is a ring of values plus two queues of parked waiters: senders
 * (each holding the value it wants to send) and receivers. An operation
 * that can complete does so at once, handing values straight to a parked
 * partner and queueing it; one that cannot parks the task, through a
 * select trap, on every operation it waits for. Whichever fires first
 * unhooks the others. Sends and receives are a select of one.
 *
 * Channel operations that complete at once do not yield, but count
 * against the task's budget like I/O, so a producer and a consumer on a
 * big buffer still let the other tasks run.
 */
#include "task_internal.h"

#include <string.h>

struct cogen_chan {
    size_t cap;
    void **ring;
    size_t head, count, ring_cap;
    bool closed;
    cogen__waiter *senders, *senders_tail;
    cogen__waiter *receivers, *receivers_tail;
};

cogen_chan *cogen_chan_new(size_t cap)
{
    cogen_chan *c = cogen__calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->cap = cap;
    return c;
}

size_t cogen_chan_len(const cogen_chan *c)
{
    return c ? c->count : 0;
}

/* ---------------------------------------------------------- waiter queues */

static void enqueue(cogen__waiter **head, cogen__waiter **tail, cogen__waiter *w)
{
    w->next = NULL;
    w->prev = *tail;
    if (*tail)
        (*tail)->next = w;
    else
        *head = w;
    *tail = w;
}

static bool queued(cogen__waiter *const *head, const cogen__waiter *w)
{
    return w->prev || *head == w;
}

static void dequeue(cogen__waiter **head, cogen__waiter **tail, cogen__waiter *w)
{
    if (w->prev)
        w->prev->next = w->next;
    else
        *head = w->next;
    if (w->next)
        w->next->prev = w->prev;
    else
        *tail = w->prev;
    w->prev = w->next = NULL;
}

/* Wakes the task parked on w (already off its queue) with `result`. */
static void fire(cogen__waiter *w, int result)
{
    w->task->waiting->u.sel.fired = w->index;
    cogen__task_wake(w->task, result);
}

/* ------------------------------------------------------------ the ring */

static int ring_push(cogen_chan *c, void *v)
{
    if (c->count == c->ring_cap) {
        size_t cap = c->ring_cap ? c->ring_cap * 2 : 8;
        if (c->cap != COGEN_UNBOUNDED && cap > c->cap)
            cap = c->cap;
        void **r = cogen__malloc(cap * sizeof *r);
        if (!r)
            return COGEN_ENOMEM;
        for (size_t i = 0; i < c->count; i++)
            r[i] = c->ring[(c->head + i) % c->ring_cap];
        free(c->ring);
        c->ring = r;
        c->ring_cap = cap;
        c->head = 0;
    }
    c->ring[(c->head + c->count) % c->ring_cap] = v;
    c->count++;
    return 0;
}

static void *ring_pop(cogen_chan *c)
{
    void *v = c->ring[c->head];
    c->head = (c->head + 1) % c->ring_cap;
    c->count--;
    return v;
}

/* ------------------------------------------------ operations done at once */

/* 0 done, 1 would wait, or a code. */
static int try_send(cogen_chan *c, void *v)
{
    if (c->closed)
        return COGEN_ECLOSED;
    cogen__waiter *r = c->receivers;
    if (r) {
        dequeue(&c->receivers, &c->receivers_tail, r);
        r->value = v;
        fire(r, 0);
        return 0;
    }
    if (c->count < c->cap)
        return ring_push(c, v);
    return 1;
}

static int try_recv(cogen_chan *c, void **v)
{
    cogen__waiter *w = c->senders;
    if (c->count > 0) {
        *v = ring_pop(c);
        if (w) { /* its value takes the room just made */
            dequeue(&c->senders, &c->senders_tail, w);
            ring_push(c, w->value); /* cannot fail: the ring has room */
            fire(w, 0);
        }
        return 0;
    }
    if (w) {
        dequeue(&c->senders, &c->senders_tail, w);
        *v = w->value;
        fire(w, 0);
        return 0;
    }
    return c->closed ? COGEN_ECLOSED : 1;
}

int cogen_chan_close(cogen_chan *c)
{
    if (!c)
        return COGEN_EINVAL;
    if (c->closed)
        return COGEN_ECLOSED;
    c->closed = true;
    /* Parked receivers mean an empty ring: they get "closed" now. */
    while (c->receivers) {
        cogen__waiter *w = c->receivers;
        dequeue(&c->receivers, &c->receivers_tail, w);
        fire(w, COGEN_ECLOSED);
    }
    while (c->senders) {
        cogen__waiter *w = c->senders;
        dequeue(&c->senders, &c->senders_tail, w);
        fire(w, COGEN_ECLOSED);
    }
    return 0;
}

void cogen_chan_free(cogen_chan *c)
{
    if (!c)
        return;
    cogen_chan_close(c);
    free(c->ring);
    free(c);
}

/* --------------------------------------------------------------- select */

static bool valid(const cogen_sel *o)
{
    switch (o->op) {
    case COGEN_SEL_RECV:
    case COGEN_SEL_SEND: return o->chan != NULL;
    case COGEN_SEL_READABLE:
    case COGEN_SEL_WRITABLE: return o->fd >= 0;
    default: return false;
    }
}

/* Tries op i now: 0 done, 1 would wait, or a code. */
static int try_op(cogen_sched *s, cogen_sel *o)
{
    switch (o->op) {
    case COGEN_SEL_RECV: return try_recv(o->chan, &o->value);
    case COGEN_SEL_SEND: return try_send(o->chan, o->value);
    default: {
        int rc = cogen__fd_prepare(s, o->fd);
        if (rc < 0)
            return rc;
        cogen__fdent *e = &s->fds[o->fd];
        bool *ready = o->op == COGEN_SEL_READABLE ? &e->rready : &e->wready;
        if (!*ready)
            return 1;
        *ready = false;
        return 0;
    }
    }
}

static void unpark(cogen_sched *s, const cogen_sel *ops, cogen__waiter *w, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        cogen_chan *c = w[i].chan;
        if (ops[i].op == COGEN_SEL_RECV && queued(&c->receivers, &w[i]))
            dequeue(&c->receivers, &c->receivers_tail, &w[i]);
        else if (ops[i].op == COGEN_SEL_SEND && queued(&c->senders, &w[i]))
            dequeue(&c->senders, &c->senders_tail, &w[i]);
        else if (ops[i].op == COGEN_SEL_READABLE || ops[i].op == COGEN_SEL_WRITABLE)
            cogen__fd_unpark(s, &w[i]);
    }
}

void cogen__select_cancel(cogen_sched *s, cogen__trap *tr)
{
    unpark(s, tr->u.sel.ops, tr->u.sel.waiters, tr->u.sel.n);
}

void cogen__select_serve(cogen_sched *s, cogen__task *t, cogen__trap *tr)
{
    cogen_sel *ops = tr->u.sel.ops;
    cogen__waiter *w = tr->u.sel.waiters;
    for (size_t i = 0; i < tr->u.sel.n; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].task = t;
        w[i].index = i;
        w[i].chan = ops[i].chan;
        w[i].value = ops[i].value;
        w[i].fd = -1;
        int rc = 1;
        if (ops[i].op == COGEN_SEL_RECV) {
            enqueue(&ops[i].chan->receivers, &ops[i].chan->receivers_tail, &w[i]);
        } else if (ops[i].op == COGEN_SEL_SEND) {
            enqueue(&ops[i].chan->senders, &ops[i].chan->senders_tail, &w[i]);
        } else {
            w[i].fd = ops[i].fd;
            w[i].dir = ops[i].op == COGEN_SEL_READABLE ? COGEN_READABLE : COGEN_WRITABLE;
            rc = cogen__fd_park(s, &w[i]);
        }
        if (rc != 1) { /* ready after all, or failed */
            w[i].fd = -1;
            unpark(s, ops, w, i);
            tr->u.sel.fired = i;
            tr->result = rc;
            cogen__task_ready(t);
            return;
        }
    }
    t->state = COGEN__BLOCKED;
}

static int select_in(cogen *self, cogen__task *t, cogen_sel *ops, size_t n, cogen_time deadline,
                     size_t *which)
{
    cogen_sched *s = t->sched;
    /* Start the scan at a different operation each time: fairness. */
    size_t first = s->turn++ % n;
    for (size_t k = 0; k < n; k++) {
        size_t i = (first + k) % n;
        int rc = try_op(s, &ops[i]);
        if (rc == 1)
            continue;
        *which = i;
        if (rc < 0)
            return rc;
        return cogen__task_spend(self, t);
    }
    cogen__waiter local[4];
    cogen__waiter *w = n <= 4 ? local : cogen__calloc(n, sizeof *w);
    if (!w)
        return COGEN_ENOMEM;
    cogen__trap tr = {.kind = COGEN__TRAP_SELECT, .deadline = deadline};
    tr.u.sel.ops = ops;
    tr.u.sel.n = n;
    tr.u.sel.waiters = w;
    tr.u.sel.fired = n;
    int rc = cogen__task_trap(self, t, &tr);
    if (tr.u.sel.fired < n) {
        *which = tr.u.sel.fired;
        if (rc == 0 && ops[*which].op == COGEN_SEL_RECV)
            ops[*which].value = w[*which].value;
    }
    if (w != local)
        free(w);
    return rc;
}

int cogen_select(cogen *self, cogen_sel *ops, size_t n, cogen_time deadline, size_t *which)
{
    cogen__task *t = cogen__task_of(self);
    if (!t || !ops || !which || n == 0)
        return COGEN_EINVAL;
    *which = 0;
    for (size_t i = 0; i < n; i++) {
        if (!valid(&ops[i])) {
            *which = i;
            return COGEN_EINVAL;
        }
    }
    return select_in(self, t, ops, n, deadline, which);
}

int cogen_chan_send(cogen *self, cogen_chan *c, void *v, cogen_time deadline)
{
    cogen_sel op = {.op = COGEN_SEL_SEND, .chan = c, .value = v, .fd = -1};
    size_t which;
    return c ? cogen_select(self, &op, 1, deadline, &which) : COGEN_EINVAL;
}

int cogen_chan_recv(cogen *self, cogen_chan *c, void **v, cogen_time deadline)
{
    cogen_sel op = {.op = COGEN_SEL_RECV, .chan = c, .fd = -1};
    size_t which;
    if (!c || !v)
        return COGEN_EINVAL;
    int rc = cogen_select(self, &op, 1, deadline, &which);
    *v = rc == 0 ? op.value : NULL;
    return rc;
}
