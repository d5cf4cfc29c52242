/* SPDX-License-Identifier: MIT */
/* Pull stages: generators that resume their upstream and yield what passes
 * (grep, filter, map), and cogen_pipe_next. */
#include "pipe_internal.h"

#include <errno.h>

void *cogen__pipe_pull_body(cogen *self, void *arg)
{
    stage *s = arg;
    s->self = self;
    if (cogen_defer(self, cogen__pipe_stage_end, s) != 0)
        cogen_reraise(self);
    for (;;) {
        void *item = NULL;
        int rc = cogen_next(s->up, &item);
        if (rc == COGEN_RETURNED)
            break;
        if (rc != COGEN_YIELDED) {
            const cogen_err *e = cogen_last_error(s->up);
            cogen__pipe_record_err(s->p, e);
            cogen_raise(self, e ? e->code : COGEN_EINVAL, "%s", e ? e->msg : "no upstream");
        }
        void *out = NULL;
        switch (s->kind) {
        case K_PGREP: out = cogen__pipe_contains(s, item) ? item : NULL; break;
        case K_PFILTER: out = s->pred(item, s->ud) ? item : NULL; break;
        case K_PMAP: out = s->fn(item, s->ud); break;
        default: break;
        }
        if (!out)
            continue;
        int r = cogen_yield(self, out, NULL);
        if (r == COGEN_EXIT)
            break;
        if (r != COGEN_SENT)
            cogen_reraise(self);
    }
    s->ended_ok = true;
    return NULL;
}

static stage *pull_stage(cogen_pipe *p, enum kind kind, cogen *upstream)
{
    if (!upstream) {
        errno = EINVAL;
        return NULL;
    }
    stage *s = cogen__pipe_stage_alloc(p, kind);
    if (s)
        s->up = upstream;
    return s;
}

cogen *cogen_pipe_pull_grep(cogen_pipe *p, const char *name, const char *pattern, cogen *upstream)
{
    if (!pattern) {
        errno = EINVAL;
        return NULL;
    }
    stage *s = pull_stage(p, K_PGREP, upstream);
    if (!s || cogen__pipe_set_pattern(s, pattern) != 0)
        return NULL;
    return cogen__pipe_stage_start(s, name, "grep");
}

cogen *cogen_pipe_pull_filter(cogen_pipe *p, const char *name, int (*pred)(void *item, void *ud),
                              void *ud, cogen *upstream)
{
    if (!pred) {
        errno = EINVAL;
        return NULL;
    }
    stage *s = pull_stage(p, K_PFILTER, upstream);
    if (!s)
        return NULL;
    s->pred = pred;
    s->ud = ud;
    return cogen__pipe_stage_start(s, name, "filter");
}

cogen *cogen_pipe_pull_map(cogen_pipe *p, const char *name, void *(*fn)(void *item, void *ud),
                           void *ud, cogen *upstream)
{
    if (!fn) {
        errno = EINVAL;
        return NULL;
    }
    stage *s = pull_stage(p, K_PMAP, upstream);
    if (!s)
        return NULL;
    s->fn = fn;
    s->ud = ud;
    return cogen__pipe_stage_start(s, name, "map");
}

int cogen_pipe_next(cogen_pipe *p, cogen *g, void **item)
{
    void *v = NULL;
    int rc = cogen_next(g, &v);
    if (item)
        *item = rc == COGEN_YIELDED ? v : NULL;
    if (rc == COGEN_YIELDED)
        return 1;
    if (rc == COGEN_RETURNED)
        return 0;
    if (g)
        cogen__pipe_record_err(p, cogen_last_error(g));
    return COGEN_ERROR;
}
