/* SPDX-License-Identifier: MIT */
/* Push stages: generators that receive items with cogen_yield and send them
 * on (filter, map, grep, broadcast, fan-in, batch, sinks). */
#include "pipe_internal.h"

#include <errno.h>
#include <string.h>

/* Sends item to t from stage body `self`; does not return on failure. */
void cogen__pipe_send_or_raise(cogen_pipe *p, cogen *self, cogen *t, void *item)
{
    int rc = cogen_send(t, item, NULL);
    if (rc == COGEN_YIELDED)
        return;
    if (rc == COGEN_ERROR) {
        const cogen_err *e = cogen_last_error(t);
        if (!e) /* t == NULL */
            cogen_raise(self, COGEN_EINVAL, "send to a NULL target");
        cogen__pipe_record_err(p, e);
        cogen_raise(self, e->code, "%s", e->msg);
    }
    cogen__pipe_record(p, COGEN_EPIPE, cogen_name(self), "target has already ended");
    cogen_raise(self, COGEN_EPIPE, "target '%s' has already ended", cogen_name(t));
}

int cogen_pipe_send(cogen_pipe *p, cogen *self, cogen *target, void *item)
{
    if (!self || cogen_current() != self) {
        errno = EINVAL;
        return COGEN_ERROR;
    }
    cogen__pipe_send_or_raise(p, self, target, item);
    return 0;
}

/* Closes s's targets in order (a fan-in port: its share of the target).
 * Returns the first error, having tried them all. */
const cogen_err *cogen__pipe_close_targets(stage *s)
{
    const cogen_err *first = NULL;
    if (s->kind == K_PORT) {
        if (s->counted)
            return NULL;
        s->counted = true;
        if (--s->fan->open == 0)
            first = cogen__pipe_close_one(s->p, s->fan->target);
        return first;
    }
    for (size_t i = 0; i < s->nt; i++) {
        const cogen_err *e = cogen__pipe_close_one(s->p, s->targets[i]);
        if (e && !first)
            first = e;
    }
    return first;
}

static void emit_batch(stage *s)
{
    cogen_batch b = {s->held, s->nheld};
    if (s->nheld == 0)
        return;
    cogen__pipe_send_or_raise(s->p, s->self, s->targets[0], &b);
    cogen__pipe_release_held(s);
}

static void collect_line(stage *s, const cogen_str *l)
{
    cogen_strlist *o = s->list;
    if (o->n == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 16;
        cogen_str *v = cogen__realloc(o->v, cap * sizeof *v);
        if (!v)
            cogen_raise(s->self, COGEN_ENOMEM, "out of memory collecting a line");
        o->v = v;
        o->cap = cap;
    }
    char *c = cogen__malloc(l->len + 1);
    if (!c)
        cogen_raise(s->self, COGEN_ENOMEM, "out of memory collecting a line");
    if (l->len)
        memcpy(c, l->ptr, l->len);
    c[l->len] = '\0';
    o->v[o->n++] = (cogen_str){c, l->len};
}

static void push_item(stage *s, void *item)
{
    cogen *self = s->self;
    switch (s->kind) {
    case K_FILTER:
        if (s->pred(item, s->ud))
            cogen__pipe_send_or_raise(s->p, self, s->targets[0], item);
        break;
    case K_MAP: {
        void *r = s->fn(item, s->ud);
        if (r)
            cogen__pipe_send_or_raise(s->p, self, s->targets[0], r);
        break;
    }
    case K_GREP:
        if (cogen__pipe_contains(s, item))
            cogen__pipe_send_or_raise(s->p, self, s->targets[0], item);
        break;
    case K_BCAST:
        for (size_t i = 0; i < s->nt; i++)
            cogen__pipe_send_or_raise(s->p, self, s->targets[i], item);
        break;
    case K_PORT: cogen__pipe_send_or_raise(s->p, self, s->fan->target, item); break;
    case K_BATCH: {
        void *h = item;
        if (s->copy) {
            h = s->copy(item, s->ud);
            if (!h)
                cogen_raise(self, COGEN_ENOMEM, "out of memory copying an item");
        }
        s->held[s->nheld++] = h;
        if (s->nheld == s->n)
            emit_batch(s);
        break;
    }
    case K_UNBATCH: {
        const cogen_batch *b = item;
        for (size_t i = 0; b && i < b->n; i++)
            cogen__pipe_send_or_raise(s->p, self, s->targets[0], b->items[i]);
        break;
    }
    case K_SINK: s->sinkfn(item, s->ud); break;
    case K_PRINTER: {
        const cogen_str *l = item;
        if (cogen__inject(EIO) || (l->len && fwrite(l->ptr, 1, l->len, s->f) != l->len) ||
            putc('\n', s->f) == EOF)
            cogen_raise(self, COGEN_EIO, "write failed: %s", strerror(errno));
        break;
    }
    case K_COLLECT: collect_line(s, item); break;
    default: break;
    }
}

/* What a push stage holds, sent on when it is closed. */
static void flush(stage *s)
{
    switch (s->kind) {
    case K_BATCH: emit_batch(s); break;
    case K_SINK:
        if (s->done)
            s->done(s->ud);
        break;
    case K_PRINTER:
        if (cogen__inject(EIO) || fflush(s->f) != 0)
            cogen_raise(s->self, COGEN_EIO, "flush failed: %s", strerror(errno));
        break;
    default: break;
    }
}

void *cogen__pipe_push_body(cogen *self, void *arg)
{
    stage *s = arg;
    s->self = self;
    if (cogen_defer(self, cogen__pipe_stage_end, s) != 0)
        cogen_reraise(self);
    for (;;) {
        void *item;
        int r = cogen_yield(self, NULL, &item);
        if (r == COGEN_SENT) {
            push_item(s, item);
        } else if (r == COGEN_EXIT) {
            flush(s);
            const cogen_err *e = cogen__pipe_close_targets(s);
            if (e)
                cogen_raise(self, e->code, "%s", e->msg);
            s->ended_ok = true;
            return NULL;
        } else {
            cogen_reraise(self); /* a thrown error ends the stage */
        }
    }
}

static stage *one_target(cogen_pipe *p, enum kind kind, cogen *target)
{
    if (!target) {
        errno = EINVAL;
        return NULL;
    }
    stage *s = cogen__pipe_stage_alloc(p, kind);
    if (s) {
        s->target1 = target;
        s->nt = 1;
    }
    return s;
}

cogen *cogen_pipe_filter(cogen_pipe *p, const char *name, int (*pred)(void *item, void *ud),
                         void *ud, cogen *target)
{
    if (!pred) {
        errno = EINVAL;
        return NULL;
    }
    stage *s = one_target(p, K_FILTER, target);
    if (!s)
        return NULL;
    s->pred = pred;
    s->ud = ud;
    return cogen__pipe_stage_start(s, name, "filter");
}

cogen *cogen_pipe_map(cogen_pipe *p, const char *name, void *(*fn)(void *item, void *ud), void *ud,
                      cogen *target)
{
    if (!fn) {
        errno = EINVAL;
        return NULL;
    }
    stage *s = one_target(p, K_MAP, target);
    if (!s)
        return NULL;
    s->fn = fn;
    s->ud = ud;
    return cogen__pipe_stage_start(s, name, "map");
}

cogen *cogen_pipe_grep(cogen_pipe *p, const char *name, const char *pattern, cogen *target)
{
    if (!pattern) {
        errno = EINVAL;
        return NULL;
    }
    stage *s = one_target(p, K_GREP, target);
    if (!s || cogen__pipe_set_pattern(s, pattern) != 0)
        return NULL;
    return cogen__pipe_stage_start(s, name, "grep");
}

cogen *cogen_pipe_broadcast(cogen_pipe *p, const char *name, cogen *const *targets, size_t n)
{
    if (!targets || n == 0) {
        errno = EINVAL;
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        if (!targets[i]) {
            errno = EINVAL;
            return NULL;
        }
    stage *s = cogen__pipe_stage_alloc(p, K_BCAST);
    if (!s)
        return NULL;
    s->targets = cogen__malloc(n * sizeof *s->targets);
    if (!s->targets) {
        s->targets = &s->target1;
        cogen__pipe_stage_free(s);
        errno = ENOMEM;
        return NULL;
    }
    memcpy(s->targets, targets, n * sizeof *targets);
    s->nt = n;
    return cogen__pipe_stage_start(s, name, "broadcast");
}

cogen *cogen_pipe_fanin(cogen_pipe *p, const char *name, cogen *target, size_t n, cogen **ports)
{
    if (!p || !target || !ports || n == 0) {
        errno = EINVAL;
        return NULL;
    }
    fanin_shared *fan = cogen__malloc(sizeof *fan);
    if (!fan) {
        errno = ENOMEM;
        return NULL;
    }
    fan->open = n;
    fan->target = target;
    size_t made = 0;
    for (; made < n; made++) {
        char nm[COGEN__NAME_CAP + 24];
        (void)snprintf(nm, sizeof nm, "%.*s[%zu]", COGEN__NAME_CAP - 8, name ? name : "fanin",
                       made);
        stage *s = cogen__pipe_stage_alloc(p, K_PORT);
        if (!s)
            break;
        s->fan = fan;
        ports[made] = cogen__pipe_stage_start(s, nm, "fanin");
        if (!ports[made])
            break; /* s is freed; it did not own fan yet */
        if (made == 0)
            s->fan_own = fan;
    }
    if (made < n) {
        int e = errno;
        /* Undo: the ports made are the newest stages of p; none has run
         * beyond priming, and port 0 (freed last) owns `fan`. */
        if (made == 0)
            free(fan);
        while (made-- > 0) {
            stage *s = p->v[--p->n];
            s->counted = true;
            cogen_free(s->self);
            cogen__pipe_stage_free(s);
            ports[made] = NULL;
        }
        errno = e;
        return NULL;
    }
    return ports[0];
}

cogen *cogen_pipe_batch(cogen_pipe *p, const char *name, size_t n,
                        void *(*copy)(void *item, void *ud), void (*release)(void *item, void *ud),
                        void *ud, cogen *target)
{
    if (n == 0) {
        errno = EINVAL;
        return NULL;
    }
    stage *s = one_target(p, K_BATCH, target);
    if (!s)
        return NULL;
    s->held = cogen__malloc(n * sizeof *s->held);
    if (!s->held) {
        cogen__pipe_stage_free(s);
        errno = ENOMEM;
        return NULL;
    }
    s->n = n;
    s->copy = copy;
    s->release = release;
    s->ud = ud;
    return cogen__pipe_stage_start(s, name, "batch");
}

cogen *cogen_pipe_unbatch(cogen_pipe *p, const char *name, cogen *target)
{
    stage *s = one_target(p, K_UNBATCH, target);
    return s ? cogen__pipe_stage_start(s, name, "unbatch") : NULL;
}

cogen *cogen_pipe_sink(cogen_pipe *p, const char *name, void (*fn)(void *item, void *ud),
                       void (*done)(void *ud), void *ud)
{
    if (!fn) {
        errno = EINVAL;
        return NULL;
    }
    stage *s = cogen__pipe_stage_alloc(p, K_SINK);
    if (!s)
        return NULL;
    s->sinkfn = fn;
    s->done = done;
    s->ud = ud;
    return cogen__pipe_stage_start(s, name, "sink");
}

cogen *cogen_pipe_printer(cogen_pipe *p, const char *name, FILE *f)
{
    if (!f) {
        errno = EINVAL;
        return NULL;
    }
    stage *s = cogen__pipe_stage_alloc(p, K_PRINTER);
    if (!s)
        return NULL;
    s->f = f;
    return cogen__pipe_stage_start(s, name, "printer");
}

void cogen_strlist_free(cogen_strlist *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        free((void *)l->v[i].ptr);
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

cogen *cogen_pipe_collect(cogen_pipe *p, const char *name, cogen_strlist *out)
{
    if (!out) {
        errno = EINVAL;
        return NULL;
    }
    stage *s = cogen__pipe_stage_alloc(p, K_COLLECT);
    if (!s)
        return NULL;
    s->list = out;
    return cogen__pipe_stage_start(s, name, "collect");
}

void *cogen_str_dup(void *item, void *ud)
{
    const cogen_str *l = item;
    (void)ud;
    if (!l)
        return NULL;
    cogen_str *c = cogen__malloc(sizeof *c + l->len + 1);
    if (!c)
        return NULL;
    char *bytes = (char *)(c + 1);
    if (l->len)
        memcpy(bytes, l->ptr, l->len);
    bytes[l->len] = '\0';
    c->ptr = bytes;
    c->len = l->len;
    return c;
}

void cogen_str_release(void *item, void *ud)
{
    (void)ud;
    free(item);
}
