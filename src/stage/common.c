/* SPDX-License-Identifier: MIT */
/* What the thread, parallel and process stages share: copying items across,
 * delivering to a target from a worker, bringing an error back. */
#include "stage_internal.h"

#include <errno.h>
#include <string.h>

void cogen__stage_items_init(cogen__stage_items *it, const cogen_stage_opts *opts)
{
    memset(it, 0, sizeof *it);
    if (opts && (opts->flags & COGEN_STAGE_BY_VALUE))
        return;
    if (opts && opts->copy) {
        it->copy = opts->copy;
        it->release = opts->release;
        it->ud = opts->ud;
        return;
    }
    it->copy = cogen_str_dup;
    it->release = cogen_str_release;
    it->ud = opts ? opts->ud : NULL;
}

void *cogen__stage_copy(const cogen__stage_items *it, void *item, bool *failed)
{
    *failed = false;
    if (!it->copy)
        return item;
    void *c = it->copy(item, it->ud);
    *failed = c == NULL;
    return c;
}

void cogen__stage_release(const cogen__stage_items *it, void *item)
{
    if (it->release)
        it->release(item, it->ud);
}

void cogen__stage_release_all(const cogen__stage_items *it, void **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cogen__stage_release(it, v[i]);
}

bool cogen__stage_deliver(cogen *target, void *item, cogen__errbuf *err)
{
    int rc = cogen_send(target, item, NULL);
    if (rc == COGEN_YIELDED)
        return true;
    if (rc == COGEN_ERROR)
        cogen__errbuf_copy(err, cogen_last_error(target));
    else
        cogen__errbuf_set(err, COGEN_EPIPE, cogen_name(target), "target '%s' has already ended",
                          cogen_name(target));
    return false;
}

bool cogen__stage_close_target(cogen *target, cogen__errbuf *err)
{
    if (cogen_close(target) == 0)
        return true;
    if (err->err.code == 0)
        cogen__errbuf_copy(err, cogen_last_error(target));
    return false;
}

void cogen__stage_raise_from(cogen *self, const cogen_err *err, const char *side)
{
    cogen_raise(self, err->code, "%s (in '%s' %s)", err->msg, err->where, side);
}

int cogen__stage_thread_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
    if (cogen__inject(EAGAIN))
        return EAGAIN;
    return pthread_create(t, NULL, fn, arg);
}
