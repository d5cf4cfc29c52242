/* SPDX-License-Identifier: MIT */
/*
 * The thread stage: a primed generator on the sender's side, a worker
 * thread that sends to the target, and between them a bounded ring of item
 * copies under one mutex.
 *
 * Wake-ups are what a hand-over costs (a futex call each way), so both
 * sides move items in batches: the sender gathers `batch` copies before
 * taking the lock, and signals the worker only when it sleeps; the worker
 * takes up to `batch` items per lock and signals the sender only when it
 * waits for room. The sender waits when the ring is full (backpressure).
 *
 * Ending: the sender's close (or any end of its body) sets `eof`; the
 * worker delivers what is queued, closes the target on its own thread and
 * returns; the sender joins it and raises the worker's error, if any. A
 * worker whose target fails sets `failed`, drops what is queued and
 * returns at once; the sender notices at its next item or hand-over.
 */
#include "stage_internal.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>

typedef struct tstage {
    pthread_mutex_t mu;
    pthread_cond_t not_empty; /* the worker waits for items or eof */
    pthread_cond_t not_full;  /* the sender waits for room */
    void **ring;
    size_t cap, head, count;
    size_t batch;
    bool eof, worker_waiting, sender_waiting;
    bool abandon; /* the constructor failed: leave the target alone */
    atomic_bool failed;
    cogen__errbuf err; /* the worker's error; read by the sender after `failed` */
    void **local;      /* the sender's batch */
    size_t nlocal;
    void **wlocal; /* the worker's batch */
    cogen__stage_items items;
    cogen *target;
    cogen *self;
    pthread_t thread;
    bool started, joined;
} tstage;

static void tstage_free(tstage *t)
{
    if (!t)
        return;
    pthread_cond_destroy(&t->not_full);
    pthread_cond_destroy(&t->not_empty);
    pthread_mutex_destroy(&t->mu);
    free(t->ring);
    free(t->local);
    free(t->wlocal);
    free(t);
}

/* Worker: called with the lock held after the target failed. */
static void worker_fail_locked(tstage *t)
{
    atomic_store(&t->failed, true);
    while (t->count > 0) {
        cogen__stage_release(&t->items, t->ring[t->head]);
        t->head = (t->head + 1) % t->cap;
        t->count--;
    }
    pthread_cond_signal(&t->not_full);
}

static void *worker(void *arg)
{
    tstage *t = arg;
    cogen__errbuf err;
    cogen__errbuf_clear(&err);
    pthread_mutex_lock(&t->mu);
    for (;;) {
        while (t->count == 0 && !t->eof) {
            t->worker_waiting = true;
            pthread_cond_wait(&t->not_empty, &t->mu);
            t->worker_waiting = false;
        }
        if (t->count == 0)
            break; /* eof, everything delivered */
        size_t n = t->count < t->batch ? t->count : t->batch;
        for (size_t i = 0; i < n; i++) {
            t->wlocal[i] = t->ring[t->head];
            t->head = (t->head + 1) % t->cap;
        }
        t->count -= n;
        if (t->sender_waiting)
            pthread_cond_signal(&t->not_full);
        pthread_mutex_unlock(&t->mu);
        size_t i = 0;
        bool ok = true;
        for (; i < n && ok; i++) {
            ok = cogen__stage_deliver(t->target, t->wlocal[i], &err);
            cogen__stage_release(&t->items, t->wlocal[i]);
        }
        cogen__stage_release_all(&t->items, t->wlocal + i, n - i);
        pthread_mutex_lock(&t->mu);
        if (!ok) {
            t->err = err;
            t->err.err.msg = t->err.msg;
            t->err.err.where = t->err.where;
            worker_fail_locked(t);
            pthread_mutex_unlock(&t->mu);
            /* The failed target has ended; closing it again is harmless
             * and closes one that ended without an error (EPIPE). */
            (void)cogen_close(t->target);
            return NULL;
        }
    }
    bool abandon = t->abandon;
    pthread_mutex_unlock(&t->mu);
    if (abandon)
        return NULL;
    if (!cogen__stage_close_target(t->target, &err)) {
        pthread_mutex_lock(&t->mu);
        t->err = err;
        t->err.err.msg = t->err.msg;
        t->err.err.where = t->err.where;
        atomic_store(&t->failed, true);
        pthread_mutex_unlock(&t->mu);
    }
    return NULL;
}

static COGEN_NORETURN void raise_worker_error(tstage *t)
{
    /* `failed` was stored after err under the lock: take it to read err. */
    pthread_mutex_lock(&t->mu);
    cogen__errbuf e = t->err;
    pthread_mutex_unlock(&t->mu);
    e.err.msg = e.msg;
    e.err.where = e.where;
    cogen__stage_raise_from(t->self, &e.err, "on its worker thread");
}

/* Moves the sender's batch into the ring, waiting for room. Returns false
 * (the batch released) if the worker has failed. */
static bool hand_over(tstage *t)
{
    size_t i = 0;
    pthread_mutex_lock(&t->mu);
    for (; i < t->nlocal; i++) {
        while (t->count == t->cap && !atomic_load(&t->failed)) {
            t->sender_waiting = true;
            pthread_cond_wait(&t->not_full, &t->mu);
            t->sender_waiting = false;
        }
        if (atomic_load(&t->failed))
            break;
        t->ring[(t->head + t->count) % t->cap] = t->local[i];
        t->count++;
        if (t->worker_waiting)
            pthread_cond_signal(&t->not_empty);
    }
    pthread_mutex_unlock(&t->mu);
    cogen__stage_release_all(&t->items, t->local + i, t->nlocal - i);
    bool ok = i == t->nlocal;
    t->nlocal = 0;
    return ok;
}

/* Tells the worker nothing more comes and waits for it to finish. */
static void finish_worker(tstage *t)
{
    if (t->joined)
        return;
    pthread_mutex_lock(&t->mu);
    t->eof = true;
    pthread_cond_signal(&t->not_empty);
    pthread_mutex_unlock(&t->mu);
    pthread_join(t->thread, NULL);
    t->joined = true;
}

/* However the body ends: drop the batch not handed over, let the worker
 * deliver what is queued and close the target, join it, free. */
static void tstage_end(void *arg)
{
    tstage *t = arg;
    cogen__stage_release_all(&t->items, t->local, t->nlocal);
    t->nlocal = 0;
    finish_worker(t);
    tstage_free(t);
}

static void *tstage_body(cogen *self, void *arg)
{
    tstage *t = arg;
    t->self = self;
    if (cogen_defer(self, tstage_end, t) != 0) {
        finish_worker(t);
        tstage_free(t);
        cogen_reraise(self);
    }
    for (;;) {
        void *item;
        int r = cogen_yield(self, NULL, &item);
        if (r == COGEN_SENT) {
            if (atomic_load_explicit(&t->failed, memory_order_relaxed))
                raise_worker_error(t);
            bool nomem;
            void *c = cogen__stage_copy(&t->items, item, &nomem);
            if (nomem)
                cogen_raise(self, COGEN_ENOMEM, "out of memory copying an item");
            t->local[t->nlocal++] = c;
            if (t->nlocal == t->batch && !hand_over(t))
                raise_worker_error(t);
        } else if (r == COGEN_EXIT) {
            if (t->nlocal > 0 && !hand_over(t))
                raise_worker_error(t);
            finish_worker(t);
            if (atomic_load(&t->failed))
                raise_worker_error(t);
            return NULL;
        } else {
            cogen_reraise(self);
        }
    }
}

static tstage *tstage_alloc(cogen *target, const cogen_stage_opts *opts)
{
    tstage *t = cogen__calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->cap = opts && opts->capacity ? opts->capacity : STAGE_DEFAULT_CAPACITY;
    t->batch = opts && opts->batch ? opts->batch : STAGE_DEFAULT_BATCH;
    if (t->batch > t->cap)
        t->batch = t->cap;
    t->target = target;
    cogen__stage_items_init(&t->items, opts);
    cogen__errbuf_clear(&t->err);
    atomic_init(&t->failed, false);
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->not_empty, NULL);
    pthread_cond_init(&t->not_full, NULL);
    t->ring = cogen__calloc(t->cap, sizeof *t->ring);
    t->local = t->ring ? cogen__calloc(t->batch, sizeof *t->local) : NULL;
    t->wlocal = t->local ? cogen__calloc(t->batch, sizeof *t->wlocal) : NULL;
    if (!t->wlocal) {
        tstage_free(t);
        return NULL;
    }
    return t;
}

cogen *cogen_stage_thread(const char *name, cogen *target, const cogen_stage_opts *opts)
{
    if (!target) {
        errno = EINVAL;
        return NULL;
    }
    tstage *t = tstage_alloc(target, opts);
    if (!t) {
        errno = ENOMEM;
        return NULL;
    }
    int rc = cogen__stage_thread_start(&t->thread, worker, t);
    if (rc != 0) {
        tstage_free(t);
        errno = rc;
        return NULL;
    }
    cogen_opts o = {0, name ? name : "thread", COGEN_PRIMED};
    cogen *g = cogen_new(tstage_body, t, &o);
    if (!g) {
        /* The body never ran (or failed before it could own t). */
        int e = errno == ECANCELED ? ENOMEM : errno;
        if (errno != ECANCELED) {
            pthread_mutex_lock(&t->mu);
            t->abandon = true;
            pthread_mutex_unlock(&t->mu);
            finish_worker(t);
            tstage_free(t);
        }
        errno = e;
        return NULL;
    }
    return g;
}
