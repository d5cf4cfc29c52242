/* SPDX-License-Identifier: MIT */
/*
 * The parallel stage: N worker threads apply fn to copies of the items; the
 * results come back to the sender's thread, which sends them to the target.
 *
 * One mutex guards two rings of `cap` slots: `in` (items waiting for a
 * worker, each with its sequence number) and `out` (results). An item is
 * "in flight" from its submission until the sender takes its result, and
 * the sender never lets more than `cap` be in flight, so neither ring can
 * overflow and memory stays bounded. In order-preserving mode a result
 * goes to out[seq % cap] and the sender takes slots in sequence order;
 * otherwise results are appended to `out` as they are done.
 *
 * The sender takes results whenever it holds the lock, and sends them to
 * the target with the lock released: workers never wait for the sender,
 * so there is no cycle to deadlock on. Each worker runs fn inside a
 * generator of its own (created primed by the constructor), so that fn can
 * end the stage with cogen_raise as pipe.h callbacks do.
 */
#include "stage_internal.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>

typedef struct pslot {
    void *v;
    size_t seq;
    bool ready;
} pslot;

typedef struct pstage pstage;

typedef struct pworker {
    pstage *ps;
    cogen *gen; /* runs fn */
    pthread_t thread;
    bool started;
} pworker;

struct pstage {
    pthread_mutex_t mu;
    pthread_cond_t work; /* workers wait for items */
    pthread_cond_t done; /* the sender waits for results */
    pslot *in;
    size_t in_head, in_count;
    pslot *out;
    size_t out_head, out_count; /* unordered */
    size_t cap, inflight, next_seq, next_out;
    size_t idle;
    bool ordered, eof, stop, sender_waiting;
    atomic_bool failed;
    cogen__errbuf err;
    void **taken; /* results taken by the sender, not yet sent */
    size_t ntaken, sent;
    cogen__stage_items items;
    void *(*fn)(void *, void *);
    void (*release_result)(void *, void *);
    void *ud;
    cogen *target;
    cogen *self;
    pworker *w;
    size_t nw;
};

static void release_result(const pstage *ps, void *r)
{
    if (r && ps->release_result)
        ps->release_result(r, ps->ud);
}

/* The body each worker's generator runs: one fn call per send. */
static void *fn_body(cogen *self, void *arg)
{
    pworker *w = arg;
    void *item;
    int r = cogen_yield(self, NULL, &item);
    while (r == COGEN_SENT) {
        void *res = w->ps->fn(item, w->ps->ud);
        r = cogen_yield(self, res, &item);
    }
    return NULL;
}

static void fail_locked(pstage *ps, const cogen_err *e)
{
    if (!atomic_load(&ps->failed)) {
        cogen__errbuf_copy(&ps->err, e);
        atomic_store(&ps->failed, true);
    }
    ps->stop = true;
    pthread_cond_broadcast(&ps->work);
    pthread_cond_signal(&ps->done);
}

static void store_result_locked(pstage *ps, size_t seq, void *res)
{
    if (ps->ordered) {
        pslot *s = &ps->out[seq % ps->cap];
        s->v = res;
        s->seq = seq;
        s->ready = true;
    } else {
        pslot *s = &ps->out[(ps->out_head + ps->out_count) % ps->cap];
        s->v = res;
        s->ready = true;
        ps->out_count++;
    }
    if (ps->sender_waiting)
        pthread_cond_signal(&ps->done);
}

static void *pworker_main(void *arg)
{
    pworker *w = arg;
    pstage *ps = w->ps;
    pthread_mutex_lock(&ps->mu);
    for (;;) {
        while (ps->in_count == 0 && !ps->eof && !ps->stop) {
            ps->idle++;
            pthread_cond_wait(&ps->work, &ps->mu);
            ps->idle--;
        }
        if (ps->stop || ps->in_count == 0)
            break;
        pslot job = ps->in[ps->in_head];
        ps->in_head = (ps->in_head + 1) % ps->cap;
        ps->in_count--;
        pthread_mutex_unlock(&ps->mu);
        void *res = NULL;
        int rc = cogen_send(w->gen, job.v, &res);
        cogen__stage_release(&ps->items, job.v);
        pthread_mutex_lock(&ps->mu);
        if (rc != COGEN_YIELDED) {
            cogen__errbuf e;
            if (rc == COGEN_ERROR)
                cogen__errbuf_copy(&e, cogen_last_error(w->gen));
            else
                cogen__errbuf_set(&e, COGEN_EPIPE, cogen_name(w->gen), "work function ended");
            fail_locked(ps, &e.err);
            break;
        }
        if (ps->stop) {
            release_result(ps, res);
            break;
        }
        store_result_locked(ps, job.seq, res);
    }
    pthread_mutex_unlock(&ps->mu);
    return NULL;
}

/* Takes the results that are ready, in the promised order (lock held). */
static void take_ready_locked(pstage *ps)
{
    if (ps->ordered) {
        for (;;) {
            pslot *s = &ps->out[ps->next_out % ps->cap];
            if (!s->ready || s->seq != ps->next_out)
                break;
            s->ready = false;
            ps->taken[ps->ntaken++] = s->v;
            ps->next_out++;
            ps->inflight--;
        }
        return;
    }
    while (ps->out_count > 0) {
        pslot *s = &ps->out[ps->out_head];
        s->ready = false;
        ps->taken[ps->ntaken++] = s->v;
        ps->out_head = (ps->out_head + 1) % ps->cap;
        ps->out_count--;
        ps->inflight--;
    }
}

static COGEN_NORETURN void raise_failure(pstage *ps)
{
    pthread_mutex_lock(&ps->mu);
    cogen__errbuf e = ps->err;
    pthread_mutex_unlock(&ps->mu);
    e.err.msg = e.msg;
    e.err.where = e.where;
    cogen__stage_raise_from(ps->self, &e.err, "on a worker thread");
}

/* Sends the taken results to the target (lock not held). */
static void send_taken(pstage *ps)
{
    while (ps->sent < ps->ntaken) {
        void *r = ps->taken[ps->sent];
        if (r) /* on failure the stage ends here; its cleanup releases r */
            (void)cogen_pipe_send(NULL, ps->self, ps->target, r);
        ps->sent++;
        release_result(ps, r);
    }
    ps->ntaken = ps->sent = 0;
}

/* Submits one item copy, waiting while `cap` items are in flight, and
 * sends whatever results are ready. */
static void submit(pstage *ps, void *c)
{
    pthread_mutex_lock(&ps->mu);
    for (;;) {
        take_ready_locked(ps);
        if (atomic_load(&ps->failed) || ps->ntaken > 0 || ps->inflight < ps->cap)
            break;
        ps->sender_waiting = true;
        pthread_cond_wait(&ps->done, &ps->mu);
        ps->sender_waiting = false;
    }
    /* Taking results lowered `inflight`: unless failed, there is room. */
    bool failed = atomic_load(&ps->failed);
    if (!failed) {
        ps->in[(ps->in_head + ps->in_count) % ps->cap] = (pslot){c, ps->next_seq++, false};
        ps->in_count++;
        ps->inflight++;
        if (ps->idle > 0)
            pthread_cond_signal(&ps->work);
    }
    pthread_mutex_unlock(&ps->mu);
    if (failed) {
        cogen__stage_release(&ps->items, c);
        raise_failure(ps);
    }
    send_taken(ps);
}

/* Close: waits for every result and sends them. */
static void drain(pstage *ps)
{
    pthread_mutex_lock(&ps->mu);
    ps->eof = true;
    pthread_cond_broadcast(&ps->work);
    for (;;) {
        take_ready_locked(ps);
        bool failed = atomic_load(&ps->failed);
        if (failed || ps->ntaken > 0 || ps->inflight == 0) {
            pthread_mutex_unlock(&ps->mu);
            if (failed)
                raise_failure(ps);
            if (ps->ntaken == 0)
                return;
            send_taken(ps);
            pthread_mutex_lock(&ps->mu);
            continue;
        }
        ps->sender_waiting = true;
        pthread_cond_wait(&ps->done, &ps->mu);
        ps->sender_waiting = false;
    }
}

static void stop_workers(pstage *ps)
{
    pthread_mutex_lock(&ps->mu);
    ps->eof = true;
    ps->stop = true;
    pthread_cond_broadcast(&ps->work);
    pthread_mutex_unlock(&ps->mu);
    for (size_t i = 0; i < ps->nw; i++)
        if (ps->w[i].started) {
            pthread_join(ps->w[i].thread, NULL);
            ps->w[i].started = false;
        }
}

static void pstage_free(pstage *ps)
{
    stop_workers(ps);
    /* What the workers left: items not taken, results not sent. */
    for (; ps->in_count > 0; ps->in_count--) {
        cogen__stage_release(&ps->items, ps->in[ps->in_head].v);
        ps->in_head = (ps->in_head + 1) % ps->cap;
    }
    for (size_t i = 0; ps->out && i < ps->cap; i++)
        if (ps->out[i].ready)
            release_result(ps, ps->out[i].v);
    for (size_t i = ps->sent; i < ps->ntaken; i++)
        release_result(ps, ps->taken[i]);
    for (size_t i = 0; ps->w && i < ps->nw; i++)
        cogen_free(ps->w[i].gen);
    pthread_cond_destroy(&ps->done);
    pthread_cond_destroy(&ps->work);
    pthread_mutex_destroy(&ps->mu);
    free(ps->w);
    free(ps->in);
    free(ps->out);
    free(ps->taken);
    free(ps);
}

/* However the body ends: stop the workers, drop what is left, close the
 * target (pipe.h's rule: what is downstream of a failed stage is closed).
 * Its error cannot replace the one the body ends with. */
static void pstage_end(void *arg)
{
    pstage *ps = arg;
    cogen *target = ps->target;
    pstage_free(ps);
    (void)cogen_close(target);
}

static void *pstage_body(cogen *self, void *arg)
{
    pstage *ps = arg;
    ps->self = self;
    if (cogen_defer(self, pstage_end, ps) != 0) {
        pstage_free(ps);
        cogen_reraise(self);
    }
    for (;;) {
        void *item;
        int r = cogen_yield(self, NULL, &item);
        if (r == COGEN_SENT) {
            if (atomic_load_explicit(&ps->failed, memory_order_relaxed))
                raise_failure(ps);
            bool nomem;
            void *c = cogen__stage_copy(&ps->items, item, &nomem);
            if (nomem)
                cogen_raise(self, COGEN_ENOMEM, "out of memory copying an item");
            submit(ps, c);
        } else if (r == COGEN_EXIT) {
            drain(ps);
            stop_workers(ps);
            if (cogen_close(ps->target) != 0) {
                const cogen_err *e = cogen_last_error(ps->target);
                cogen_raise(self, e->code, "%s", e->msg);
            }
            return NULL;
        } else {
            cogen_reraise(self);
        }
    }
}

static pstage *pstage_alloc(size_t nworkers, const cogen_stage_opts *opts)
{
    pstage *ps = cogen__calloc(1, sizeof *ps);
    if (!ps)
        return NULL;
    ps->cap = opts && opts->capacity ? opts->capacity : STAGE_DEFAULT_CAPACITY;
    ps->ordered = opts && (opts->flags & COGEN_STAGE_ORDERED);
    cogen__stage_items_init(&ps->items, opts);
    cogen__errbuf_clear(&ps->err);
    atomic_init(&ps->failed, false);
    pthread_mutex_init(&ps->mu, NULL);
    pthread_cond_init(&ps->work, NULL);
    pthread_cond_init(&ps->done, NULL);
    ps->in = cogen__calloc(ps->cap, sizeof *ps->in);
    ps->out = ps->in ? cogen__calloc(ps->cap, sizeof *ps->out) : NULL;
    ps->taken = ps->out ? cogen__calloc(ps->cap, sizeof *ps->taken) : NULL;
    ps->w = ps->taken ? cogen__calloc(nworkers, sizeof *ps->w) : NULL;
    if (!ps->w) {
        pstage_free(ps);
        return NULL;
    }
    ps->nw = nworkers;
    return ps;
}

/* Each worker's generator, then its thread; errno value or 0. */
static int start_workers(pstage *ps, const char *name)
{
    cogen_opts o = {0, name, COGEN_PRIMED};
    for (size_t i = 0; i < ps->nw; i++) {
        ps->w[i].ps = ps;
        ps->w[i].gen = cogen_new(fn_body, &ps->w[i], &o);
        if (!ps->w[i].gen)
            return errno == ECANCELED ? ENOMEM : errno;
    }
    for (size_t i = 0; i < ps->nw; i++) {
        int rc = cogen__stage_thread_start(&ps->w[i].thread, pworker_main, &ps->w[i]);
        if (rc != 0)
            return rc;
        ps->w[i].started = true;
    }
    return 0;
}

cogen *cogen_stage_parallel(const char *name, size_t nworkers, void *(*fn)(void *item, void *ud),
                            void (*release_result_fn)(void *result, void *ud), void *ud,
                            cogen *target, const cogen_stage_opts *opts)
{
    if (!fn || !target || nworkers == 0) {
        errno = EINVAL;
        return NULL;
    }
    pstage *ps = pstage_alloc(nworkers, opts);
    if (!ps) {
        errno = ENOMEM;
        return NULL;
    }
    ps->fn = fn;
    ps->release_result = release_result_fn;
    ps->ud = ud;
    ps->target = target;
    name = name ? name : "parallel";
    int rc = start_workers(ps, name);
    if (rc != 0) {
        pstage_free(ps);
        errno = rc;
        return NULL;
    }
    cogen_opts o = {0, name, COGEN_PRIMED};
    cogen *g = cogen_new(pstage_body, ps, &o);
    if (!g) {
        int e = errno;
        if (e != ECANCELED) /* else the body has freed ps */
            pstage_free(ps);
        errno = e == ECANCELED ? ENOMEM : e;
        return NULL;
    }
    return g;
}
