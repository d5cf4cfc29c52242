/* SPDX-License-Identifier: MIT */
/*
 * Pipelines (L2): push stages, pull stages and line sources on the core
 * protocol. See include/cogen/pipe.h for the contract;
 * this file holds the pipe object, its error and the lifecycle every stage
 * shares. push.c, pull.c and lines.c hold the three kinds of stage.
 *
 * Every stage is one generator running one of three bodies: push_body (a
 * loop receiving items with cogen_yield and acting on them according to
 * the stage's `kind`), pull_body (a loop resuming its upstream and
 * yielding) or lines_body. Because generators are stackful, the line reader
 * below is a plain function with an `emit` callback: called from a push
 * source it sends, called from the pull `lines` body it yields straight
 * from inside the reader loop, with no state machine in between.
 *
 * How an error finds its stage: a stage that ends with an error records
 * it in its pipe from its cleanup (cogen_defer), where its own last error
 * is already the one raised; the stage upstream sees its send fail and
 * ends with the same code and message, and so on up to the source. The
 * pipe keeps the first error only, which is the one of the stage that
 * failed first, `where` included.
 */
#include "pipe_internal.h"

#include <errno.h>
#include <string.h>

/* ------------------------------------------------------------ the pipe */

/* Records an error in p unless it already holds one. */
void cogen__pipe_record(cogen_pipe *p, int code, const char *where, const char *msg)
{
    if (!p || p->e.err.code != 0 || code == 0)
        return;
    cogen__errbuf_set(&p->e, code, where ? where : "?", "%s", msg ? msg : "error");
}

void cogen__pipe_record_err(cogen_pipe *p, const cogen_err *e)
{
    if (e)
        cogen__pipe_record(p, e->code, e->where, e->msg);
}

cogen_pipe *cogen_pipe_new(void)
{
    cogen_pipe *p = cogen__calloc(1, sizeof *p);
    if (!p) {
        errno = ENOMEM;
        return NULL;
    }
    cogen__errbuf_clear(&p->e);
    return p;
}

void cogen__pipe_stage_free(stage *s)
{
    if (s->targets != &s->target1)
        free(s->targets);
    free(s->pattern);
    free(s->held);
    free(s->fan_own);
    free(s);
}

void cogen_pipe_free(cogen_pipe *p)
{
    if (!p)
        return;
    /* Newest first: a stage still suspended flushes into older targets. */
    for (size_t i = p->n; i-- > 0;) {
        cogen *g = p->v[i]->self;
        if (g && cogen_getstate(g) == COGEN_SUSPENDED && cogen_close(g) != 0)
            cogen__pipe_record_err(p, cogen_last_error(g));
    }
    for (size_t i = p->n; i-- > 0;) {
        cogen_free(p->v[i]->self);
        cogen__pipe_stage_free(p->v[i]);
    }
    free(p->v);
    free(p);
}

const cogen_err *cogen_pipe_error(const cogen_pipe *p)
{
    return p ? &p->e.err : NULL;
}

void cogen_pipe_clear_error(cogen_pipe *p)
{
    if (!p)
        return;
    cogen__errbuf_clear(&p->e);
}

/* Closes t; on failure records its error and returns it (or NULL). */
const cogen_err *cogen__pipe_close_one(cogen_pipe *p, cogen *t)
{
    if (!t || cogen_close(t) == 0)
        return NULL;
    const cogen_err *e = cogen_last_error(t);
    cogen__pipe_record_err(p, e);
    return e;
}

void cogen__pipe_release_held(stage *s)
{
    if (s->release)
        for (size_t i = 0; i < s->nheld; i++)
            s->release(s->held[i], s->ud);
    s->nheld = 0;
}

/* Cleanup of every stage, however its body ends: record the stage's own
 * error, drop what it holds, close what is downstream (push) or upstream
 * (pull). Closing is idempotent, so after a clean close this does nothing
 * more. */
void cogen__pipe_stage_end(void *arg)
{
    stage *s = arg;
    if (!s->ended_ok) {
        const cogen_err *e = cogen_last_error(s->self);
        if (e && e->code != 0 && e->code != COGEN_EEXIT)
            cogen__pipe_record_err(s->p, e);
    }
    cogen__pipe_release_held(s);
    if (s->kind >= K_LINES)
        (void)cogen__pipe_close_one(s->p, s->up);
    else
        (void)cogen__pipe_close_targets(s);
}

bool cogen__pipe_contains(const stage *s, const cogen_str *l)
{
    if (s->patlen == 0)
        return true;
    if (l->len < s->patlen)
        return false;
    return memmem(l->ptr, l->len, s->pattern, s->patlen) != NULL;
}

int cogen__pipe_set_pattern(stage *s, const char *pattern)
{
    s->patlen = strlen(pattern);
    s->pattern = cogen__malloc(s->patlen + 1);
    if (!s->pattern) {
        cogen__pipe_stage_free(s);
        errno = ENOMEM;
        return -1;
    }
    memcpy(s->pattern, pattern, s->patlen + 1);
    return 0;
}

/* Allocates a stage of p (not started, not yet registered). */
stage *cogen__pipe_stage_alloc(cogen_pipe *p, enum kind kind)
{
    if (!p) {
        errno = EINVAL;
        return NULL;
    }
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        stage **v = cogen__realloc(p->v, cap * sizeof *v);
        if (!v) {
            errno = ENOMEM;
            return NULL;
        }
        p->v = v;
        p->cap = cap;
    }
    stage *s = cogen__calloc(1, sizeof *s);
    if (!s) {
        errno = ENOMEM;
        return NULL;
    }
    s->p = p;
    s->kind = kind;
    s->targets = &s->target1;
    s->fd = -1;
    return s;
}

/* Starts s as a generator named name (or defname) and adds it to its pipe;
 * on failure frees s and returns NULL with errno set. */
cogen *cogen__pipe_stage_start(stage *s, const char *name, const char *defname)
{
    cogen_opts o = {0, name ? name : defname, 0};
    cogen_fn fn = cogen__pipe_push_body;
    if (s->kind == K_LINES)
        fn = cogen__pipe_lines_body;
    else if (s->kind > K_LINES)
        fn = cogen__pipe_pull_body;
    else
        o.flags = COGEN_PRIMED;
    /* Register first (room was made by stage_alloc). */
    s->p->v[s->p->n++] = s;
    cogen *g = cogen_new(fn, s, &o);
    if (!g) {
        int e = errno;
        s->p->n--;
        cogen__pipe_stage_free(s);
        errno = e == ECANCELED ? ENOMEM : e;
        return NULL;
    }
    s->self = g;
    return g;
}
