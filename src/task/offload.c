/* SPDX-License-Identifier: MIT */
/*
 * Helper threads for calls that block (getaddrinfo, a slow disk read): a
 * task hands a job over and waits; the helper runs it, puts it on the
 * finished list and writes the scheduler's eventfd, which the poller
 * watches. A job whose task stopped waiting (killed, timed out) is
 * abandoned: the helper still runs it to its end, then calls its release
 * function and frees it.
 */
#include "task_internal.h"

#include <unistd.h>

struct cogen__job {
    void (*fn)(void *);
    void *arg;
    void (*release)(void *);
    cogen__task *task; /* NULL once abandoned */
    bool finished;
    cogen__job *next;
};

struct cogen__pool {
    pthread_mutex_t lock;
    pthread_cond_t work;
    cogen__job *todo_head, *todo_tail;
    cogen__job *finished; /* for the scheduler to collect */
    bool quit;
    unsigned nthreads, idle;
    pthread_t threads[64];
    int wakefd;
};

static void *helper(void *arg)
{
    cogen__pool *p = arg;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->todo_head && !p->quit) {
            p->idle++;
            pthread_cond_wait(&p->work, &p->lock);
            p->idle--;
        }
        cogen__job *j = p->todo_head;
        if (!j)
            break; /* quit, and nothing left to do */
        p->todo_head = j->next;
        if (!p->todo_head)
            p->todo_tail = NULL;
        pthread_mutex_unlock(&p->lock);
        j->fn(j->arg);
        pthread_mutex_lock(&p->lock);
        j->finished = true;
        if (!j->task) {
            pthread_mutex_unlock(&p->lock);
            if (j->release)
                j->release(j->arg);
            free(j);
            pthread_mutex_lock(&p->lock);
            continue;
        }
        j->next = p->finished;
        p->finished = j;
        uint64_t one = 1;
        ssize_t n = write(p->wakefd, &one, sizeof one);
        (void)n; /* a full counter already wakes the poller */
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

static cogen__pool *pool_get(cogen_sched *s)
{
    if (s->pool)
        return s->pool;
    cogen__pool *p = cogen__calloc(1, sizeof *p);
    if (!p)
        return NULL;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->work, NULL);
    p->wakefd = s->wakefd;
    s->pool = p;
    return p;
}

/* A thread more, if every one is busy and the limit allows. Called with
 * the lock held. 0, or a code. */
static int maybe_grow(cogen_sched *s, cogen__pool *p)
{
    if (p->idle > 0 || p->nthreads >= s->helper_threads)
        return 0;
    int err =
        cogen__inject(EAGAIN) ? EAGAIN : pthread_create(&p->threads[p->nthreads], NULL, helper, p);
    if (err != 0) {
        errno = err;
        return p->nthreads ? 0 : COGEN_ESYS; /* the others will get to it */
    }
    p->nthreads++;
    return 0;
}

void cogen__offload_serve(cogen_sched *s, cogen__task *t, cogen__trap *tr)
{
    cogen__job *j = tr->u.job;
    cogen__pool *p = pool_get(s);
    int rc = p ? 0 : COGEN_ENOMEM;
    if (p) {
        pthread_mutex_lock(&p->lock);
        rc = maybe_grow(s, p);
        if (rc == 0) {
            j->task = t;
            j->next = NULL;
            if (p->todo_tail)
                p->todo_tail->next = j;
            else
                p->todo_head = j;
            p->todo_tail = j;
            pthread_cond_signal(&p->work);
        }
        pthread_mutex_unlock(&p->lock);
    }
    if (rc != 0) {
        free(j);
        tr->u.job = NULL;
        tr->result = rc;
        cogen__task_ready(t);
        return;
    }
    s->jobs_waited++;
    t->state = COGEN__BLOCKED;
}

void cogen__offload_abandon(cogen_sched *s, cogen__job *j)
{
    cogen__pool *p = s->pool;
    s->jobs_waited--;
    pthread_mutex_lock(&p->lock);
    j->task = NULL;
    /* A finished job stays on the finished list: the next collect frees it
     * without releasing (its fn ran while its task still waited). */
    pthread_mutex_unlock(&p->lock);
}

void cogen__offload_collect(cogen_sched *s)
{
    cogen__pool *p = s->pool;
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    cogen__job *j = p->finished;
    p->finished = NULL;
    pthread_mutex_unlock(&p->lock);
    while (j) {
        cogen__job *next = j->next;
        if (j->task) {
            s->jobs_waited--;
            j->task->waiting->u.job = NULL; /* nothing left to abandon */
            cogen__task_wake(j->task, 0);
        } else if (j->release) {
            j->release(j->arg); /* finished just as its task stopped waiting */
        }
        free(j);
        j = next;
    }
}

void cogen__offload_shutdown(cogen_sched *s)
{
    cogen__pool *p = s->pool;
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->quit = true;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->lock);
    for (unsigned i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    for (cogen__job *j = p->finished, *next; j; j = next) {
        next = j->next;
        if (!j->task && j->release)
            j->release(j->arg);
        free(j);
    }
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->work);
    free(p);
    s->pool = NULL;
}

int cogen_task_offload(cogen *self, void (*fn)(void *), void *arg, void (*release)(void *),
                       cogen_time deadline)
{
    cogen__task *t = cogen__task_of(self);
    if (!t || !fn)
        return COGEN_EINVAL;
    cogen__job *j = cogen__calloc(1, sizeof *j);
    if (!j)
        return COGEN_ENOMEM;
    j->fn = fn;
    j->arg = arg;
    j->release = release;
    cogen__trap tr = {.kind = COGEN__TRAP_OFFLOAD, .deadline = deadline};
    tr.u.job = j;
    return cogen__task_trap(self, t, &tr);
}
