/* SPDX-License-Identifier: MIT */
/*
 * The scheduler: tasks, the ready queue, the round loop, the traps tasks
 * yield, kill and join.
 *
 * A round: poll I/O (without waiting if tasks are ready), fire the timers
 * that are due, then run every task that was ready when the round began,
 * once each. Tasks woken or yielding during a round run in the next one,
 * so a task that yields in a loop cannot starve the others or the poller.
 */
#include "task_internal.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

static _Thread_local cogen_sched *here;

/* The poller's token for the wake eventfd; fd tokens have their fd in the
 * low 32 bits, which never reach this. */
#define WAKE_TOKEN UINT64_MAX

cogen_time cogen_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (cogen_time)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

cogen_time cogen_deadline_ms(int64_t ms)
{
    if (ms < 0 || ms > INT64_MAX / 2000000)
        return COGEN_NEVER;
    return cogen_now() + ms * 1000000;
}

cogen_sched *cogen__sched_here(void)
{
    return here;
}

cogen_sched *cogen_sched_current(void)
{
    return here;
}

/* ------------------------------------------------------- the task table */

static size_t slot_of(cogen_tid id, size_t cap)
{
    return (size_t)((uint64_t)id * 0x9E3779B97F4A7C15u) & (cap - 1);
}

static int table_grow(cogen_sched *s)
{
    size_t cap = s->table_cap ? s->table_cap * 2 : 64;
    cogen__task **t = cogen__calloc(cap, sizeof *t);
    if (!t)
        return -1;
    for (size_t i = 0; i < s->table_cap; i++) {
        cogen__task *x = s->table[i];
        if (!x)
            continue;
        size_t j = slot_of(x->id, cap);
        while (t[j])
            j = (j + 1) & (cap - 1);
        t[j] = x;
    }
    free(s->table);
    s->table = t;
    s->table_cap = cap;
    return 0;
}

static int table_put(cogen_sched *s, cogen__task *x)
{
    if ((s->table_used + 1) * 4 > s->table_cap * 3 && table_grow(s) < 0)
        return -1;
    size_t j = slot_of(x->id, s->table_cap);
    while (s->table[j])
        j = (j + 1) & (s->table_cap - 1);
    s->table[j] = x;
    s->table_used++;
    return 0;
}

static cogen__task *table_get(const cogen_sched *s, cogen_tid id)
{
    if (!s->table_cap || id <= 0)
        return NULL;
    size_t mask = s->table_cap - 1;
    for (size_t j = slot_of(id, s->table_cap);; j = (j + 1) & mask) {
        cogen__task *x = s->table[j];
        if (!x || x->id == id)
            return x;
    }
}

/* Removal with backward shift, so that lookups never meet tombstones. */
static void table_del(cogen_sched *s, cogen_tid id)
{
    size_t mask = s->table_cap - 1;
    size_t j = slot_of(id, s->table_cap);
    while (s->table[j]->id != id)
        j = (j + 1) & mask;
    s->table[j] = NULL;
    s->table_used--;
    for (size_t k = (j + 1) & mask; s->table[k]; k = (k + 1) & mask) {
        size_t home = slot_of(s->table[k]->id, s->table_cap);
        /* Move k's entry into the hole unless its home lies in (j, k]. */
        bool stays = (j < k) ? (home > j && home <= k) : (home > j || home <= k);
        if (!stays) {
            s->table[j] = s->table[k];
            s->table[k] = NULL;
            j = k;
        }
    }
}

/* --------------------------------------------------------- ready queue */

void cogen__task_ready(cogen__task *t)
{
    cogen_sched *s = t->sched;
    /* A killed task that goes on running is forced at its grace deadline
     * even if it never blocks again. */
    if (t->killed && !t->heap_at && cogen__timer_set(s, t, t->grace_due) < 0)
        t->grace_due = 0; /* no room for the timer: forced at its next wait */
    t->state = COGEN__READY;
    t->next = NULL;
    t->prev = s->ready_tail;
    if (s->ready_tail)
        s->ready_tail->next = t;
    else
        s->ready_head = t;
    s->ready_tail = t;
    s->nready++;
}

static void ready_remove(cogen_sched *s, cogen__task *t)
{
    if (t->prev)
        t->prev->next = t->next;
    else
        s->ready_head = t->next;
    if (t->next)
        t->next->prev = t->prev;
    else
        s->ready_tail = t->prev;
    t->prev = t->next = NULL;
    s->nready--;
}

static cogen__task *ready_pop(cogen_sched *s)
{
    cogen__task *t = s->ready_head;
    if (t)
        ready_remove(s, t);
    return t;
}

/* Tasks not DONE are on one of two lists, so that freeing the scheduler
 * kills each once without scanning the table again and again. */
static void list_add(cogen__task **head, cogen__task *t)
{
    t->lprev = NULL;
    t->lnext = *head;
    if (*head)
        (*head)->lprev = t;
    *head = t;
}

static void list_del(cogen__task **head, cogen__task *t)
{
    if (t->lprev)
        t->lprev->lnext = t->lnext;
    else
        *head = t->lnext;
    if (t->lnext)
        t->lnext->lprev = t->lprev;
    t->lprev = t->lnext = NULL;
}

/* ------------------------------------------------------------ creation */

cogen_sched *cogen_sched_new(const cogen_sched_opts *opts)
{
    cogen_sched_opts o = {0};
    if (opts)
        o = *opts;
    if (o.helper_threads > 64 || o.grace_ms > INT64_MAX / 2000000) {
        errno = EINVAL;
        return NULL;
    }
    cogen_sched *s = cogen__calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->grace_ns = o.grace_ms == 0 ? 1000000000 : o.grace_ms < 0 ? 0 : o.grace_ms * 1000000;
    s->helper_threads = o.helper_threads ? o.helper_threads : 2;
    s->next_id = 1;
    s->wakefd = -1;
    atomic_init(&s->stop, 0);
    atomic_init(&s->running, false);
    s->poller = cogen__poll_new();
    if (!s->poller)
        goto fail;
    s->wakefd = cogen__inject(EMFILE) ? -1 : eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (s->wakefd < 0 || cogen__poll_add(s->poller, s->wakefd, WAKE_TOKEN) < 0)
        goto fail;
    return s;
fail:;
    int e = errno;
    if (s->wakefd >= 0)
        close(s->wakefd);
    cogen__poll_free(s->poller);
    free(s);
    errno = e;
    return NULL;
}

cogen_tid cogen_spawn(cogen_sched *s, cogen_fn fn, void *arg, const cogen_opts *opts)
{
    if (!s || !fn || (here && here != s))
        return COGEN_EINVAL;
    if (here != s && atomic_load(&s->running))
        return COGEN_EBUSY; /* s runs on another thread: not ours to touch */
    cogen_opts o = {0};
    if (opts)
        o = *opts;
    if (o.flags & COGEN_PRIMED)
        return COGEN_EINVAL;
    bool detached = (o.flags & COGEN_DETACHED) != 0;
    o.flags &= ~COGEN_DETACHED;
    cogen__task *t = cogen__calloc(1, sizeof *t);
    if (!t)
        return COGEN_ENOMEM;
    t->gen = cogen_new(fn, arg, &o);
    if (!t->gen) {
        int e = errno;
        free(t);
        return e == ENOMEM ? COGEN_ENOMEM : COGEN_EINVAL;
    }
    t->sched = s;
    t->id = s->next_id;
    t->detached = detached;
    t->budget = COGEN__IO_BUDGET;
    if (table_put(s, t) < 0) {
        cogen_free(t->gen);
        free(t);
        return COGEN_ENOMEM;
    }
    s->next_id++;
    s->live++;
    list_add(&s->alive, t);
    cogen__task_ready(t);
    return t->id;
}

size_t cogen_sched_tasks(const cogen_sched *s)
{
    return s ? s->live : 0;
}

/* ------------------------------------------------------------- ending */

/* Keeps how t ended. The message is copied (from the generator, about to
 * be freed) only when someone may ask for it and it says more than the
 * code's description; if that copy fails, the description stands in. */
static void end_set(cogen__task *t, int code, void *value, const char *msg)
{
    t->end_code = code;
    t->end_value = value;
    t->end_msg = NULL;
    if (code == 0 || t->detached || !msg || strcmp(msg, cogen_strerror(code)) == 0)
        return;
    size_t n = strlen(msg) + 1;
    if (n > sizeof((cogen_task_end *)0)->msg)
        n = sizeof((cogen_task_end *)0)->msg;
    t->end_msg = cogen__malloc(n);
    if (t->end_msg)
        cogen__copy_str(t->end_msg, n, msg);
}

static void end_copy(const cogen__task *t, cogen_task_end *e)
{
    if (!e)
        return;
    e->code = t->end_code;
    e->value = t->end_value;
    const char *msg = t->end_msg ? t->end_msg : t->end_code ? cogen_strerror(t->end_code) : "";
    cogen__copy_str(e->msg, sizeof e->msg, msg);
}

static void forget(cogen_sched *s, cogen__task *t)
{
    table_del(s, t->id);
    free(t->end_msg);
    free(t);
}

/* t's body has ended (or t was forced): keep how, free its generator,
 * hand its end to the tasks joining it, and keep it for a later join
 * unless someone collected it or nobody may. `msg` may point into the
 * generator: it is copied first. */
static void finish(cogen_sched *s, cogen__task *t, int code, void *value, const char *msg)
{
    cogen__timer_cancel(s, t);
    end_set(t, code, value, msg);
    if (t->gen) {
        cogen_free(t->gen);
        t->gen = NULL;
    }
    list_del(t->killed ? &s->dying : &s->alive, t);
    t->state = COGEN__DONE;
    s->live--;
    bool collected = t->joiners != NULL;
    while (t->joiners) {
        cogen__task *j = t->joiners;
        t->joiners = j->next_joiner;
        j->next_joiner = NULL;
        end_copy(t, j->waiting->u.join.end);
        j->waiting->u.join.tid = 0; /* already unlinked */
        cogen__task_wake(j, 0);
    }
    if (t->detached || collected)
        forget(s, t);
}

/* What a resume of t came back with. */
static void serve(cogen_sched *s, cogen__task *t, cogen__trap *tr);

static void after_resume(cogen_sched *s, cogen__task *t, int rc, void *out)
{
    if (rc == COGEN_YIELDED) {
        cogen__trap *tr = t->posted;
        t->posted = NULL;
        if (tr && out == tr)
            serve(s, t, tr); /* t may be gone after this */
        else
            cogen__task_ready(t); /* a plain yield */
        return;
    }
    if (rc == COGEN_RETURNED) {
        finish(s, t, t->killed ? COGEN_EKILLED : 0, t->killed ? NULL : out, "task was killed");
        return;
    }
    const cogen_err *e = cogen_last_error(t->gen);
    int code = e->code;
    if (t->killed && code == COGEN_EEXIT)
        code = COGEN_EKILLED;
    finish(s, t, code, NULL, e->msg);
}

static void resume(cogen_sched *s, cogen__task *t)
{
    void *out = NULL;
    t->state = COGEN__RUNNING;
    t->posted = NULL;
    s->current = t;
    int rc = cogen_send(t->gen, NULL, &out);
    s->current = NULL;
    after_resume(s, t, rc, out);
}

/* ---------------------------------------------------------------- kill */

/* Unhooks a BLOCKED or READY t from whatever it waits for, without waking
 * it. */
static void unhook(cogen_sched *s, cogen__task *t);

/* Closes t (EXIT at the call it is blocked in) on the scheduler's stack. A
 * body that goes on with a blocking call (cleanup) is served as usual,
 * until its grace deadline. */
static void close_task(cogen_sched *s, cogen__task *t)
{
    cogen__task *was = s->current;
    t->state = COGEN__RUNNING;
    t->posted = NULL;
    s->current = t;
    int rc = cogen_close(t->gen);
    s->current = was;
    if (rc == 0) {
        finish(s, t, COGEN_EKILLED, NULL, "task was killed");
        return;
    }
    const cogen_err *e = cogen_last_error(t->gen);
    if (e->code == COGEN_EIGNORED) {
        after_resume(s, t, COGEN_YIELDED, t->posted);
        return;
    }
    finish(s, t, e->code == COGEN_EEXIT ? COGEN_EKILLED : e->code, NULL, e->msg);
}

static int kill_task(cogen_sched *s, cogen__task *t)
{
    if (!t || t->state == COGEN__DONE)
        return COGEN_ENOTASK;
    if (t->killed)
        return 0; /* already dying */
    if (t->killing) {
        t->kill_pending = true; /* its own kill call is being served */
        return 0;
    }
    list_del(&s->alive, t);
    list_add(&s->dying, t);
    t->killed = true;
    t->grace_due = cogen_now() + s->grace_ns;
    unhook(s, t);
    close_task(s, t);
    return 0;
}

/* The grace deadline of a killed task passed: EXIT once more where it is;
 * if it still goes on, free it (the core reports the ignored EXIT through
 * its unraisable-error hook and runs its cleanups). */
static void force(cogen_sched *s, cogen__task *t)
{
    unhook(s, t);
    cogen__task *was = s->current;
    s->current = t;
    t->state = COGEN__RUNNING;
    int rc = cogen_close(t->gen);
    if (rc == 0) {
        s->current = was;
        finish(s, t, COGEN_EKILLED, NULL, "task was killed");
        return;
    }
    int code = cogen_last_error(t->gen)->code;
    cogen_free(t->gen);
    s->current = was;
    t->gen = NULL;
    if (code == COGEN_EIGNORED)
        finish(s, t, COGEN_EIGNORED, NULL, "task ignored EXIT");
    else
        finish(s, t, code == COGEN_EEXIT ? COGEN_EKILLED : code, NULL, "task was killed");
}

static void unlink_joiner(cogen__task *j, const cogen__trap *tr)
{
    cogen__task *target = table_get(j->sched, tr->u.join.tid);
    if (!target)
        return;
    for (cogen__task **p = &target->joiners; *p; p = &(*p)->next_joiner) {
        if (*p == j) {
            *p = j->next_joiner;
            j->next_joiner = NULL;
            return;
        }
    }
}

static void unhook_wait(cogen_sched *s, cogen__task *t)
{
    cogen__trap *tr = t->waiting;
    t->waiting = NULL;
    switch (tr->kind) {
    case COGEN__TRAP_FD: cogen__fd_unpark(s, &tr->u.fd); break;
    case COGEN__TRAP_JOIN:
        if (tr->u.join.tid)
            unlink_joiner(t, tr);
        break;
    case COGEN__TRAP_OFFLOAD:
        if (tr->u.job)
            cogen__offload_abandon(s, tr->u.job);
        break;
    case COGEN__TRAP_SELECT: cogen__select_cancel(s, tr); break;
    default: break;
    }
}

static void unhook(cogen_sched *s, cogen__task *t)
{
    if (t->state == COGEN__READY)
        ready_remove(s, t);
    else if (t->state == COGEN__BLOCKED && t->waiting)
        unhook_wait(s, t);
    cogen__timer_cancel(s, t);
}

void cogen__task_wake(cogen__task *t, int result)
{
    cogen_sched *s = t->sched;
    cogen__trap *tr = t->waiting;
    if (tr) {
        /* The parked side that woke t has already unhooked itself (its
         * record says so); the others go now. */
        unhook_wait(s, t);
        tr->result = result;
    }
    cogen__timer_cancel(s, t);
    cogen__task_ready(t);
}

/* --------------------------------------------------------------- traps */

cogen__task *cogen__task_of(cogen *self)
{
    cogen_sched *s = here;
    if (!s || !s->current || !self || cogen_current() != self)
        return NULL;
    return s->current;
}

int cogen__task_trap(cogen *self, cogen__task *t, cogen__trap *tr)
{
    tr->result = 0;
    t->posted = tr;
    int rc = cogen_yield(self, tr, NULL);
    if (rc == COGEN_EXIT)
        return COGEN_EXIT;
    if (rc == COGEN_THROWN)
        return cogen_last_error(self)->code;
    if (rc != COGEN_SENT)
        return COGEN_EINVAL;
    return tr->result;
}

int cogen__task_spend(cogen *self, cogen__task *t)
{
    if (--t->budget > 0)
        return 0;
    t->budget = COGEN__IO_BUDGET;
    return cogen_task_yield(self);
}

int cogen_task_yield(cogen *self)
{
    cogen__task *t = cogen__task_of(self);
    if (!t)
        return COGEN_EINVAL;
    t->budget = COGEN__IO_BUDGET;
    int rc = cogen_yield(self, NULL, NULL);
    return rc == COGEN_EXIT ? COGEN_EXIT : 0;
}

cogen_tid cogen_task_self(void)
{
    cogen_sched *s = here;
    return s && s->current ? s->current->id : 0;
}

/* Parks t on its trap until something wakes it, or its deadline. */
static void park(cogen_sched *s, cogen__task *t, cogen__trap *tr)
{
    t->state = COGEN__BLOCKED;
    t->waiting = tr;
    cogen_time due = tr->deadline;
    if (t->killed && t->grace_due < due)
        due = t->grace_due;
    if (due != COGEN_NEVER && cogen__timer_set(s, t, due) < 0) {
        /* No room for the timer: fail the call rather than lose it. */
        cogen__task_wake(t, COGEN_ENOMEM);
    }
}

static void done(cogen__task *t, cogen__trap *tr, int result)
{
    tr->result = result;
    cogen__task_ready(t);
}

static void serve_join(cogen_sched *s, cogen__task *t, cogen__trap *tr)
{
    cogen__task *target = table_get(s, tr->u.join.tid);
    if (target == t) {
        done(t, tr, COGEN_EINVAL);
        return;
    }
    if (!target || target->detached) {
        done(t, tr, COGEN_ENOTASK);
        return;
    }
    if (target->state == COGEN__DONE) {
        end_copy(target, tr->u.join.end);
        forget(s, target);
        done(t, tr, 0);
        return;
    }
    t->next_joiner = target->joiners;
    target->joiners = t;
    park(s, t, tr);
}

static void serve(cogen_sched *s, cogen__task *t, cogen__trap *tr)
{
    switch (tr->kind) {
    case COGEN__TRAP_SLEEP:
        /* Even a deadline already passed goes through the timers, so that
         * sleepers always wake in the order of their deadlines. */
        park(s, t, tr);
        return;
    case COGEN__TRAP_JOIN: serve_join(s, t, tr); return;
    case COGEN__TRAP_KILL: {
        cogen__task *victim = table_get(s, tr->u.kill);
        t->state = COGEN__BLOCKED; /* the killer waits for the close */
        t->waiting = NULL;
        if (victim == t) {
            kill_task(s, t);
            return;
        }
        /* The victim's cleanups run now and may kill t in turn: t must
         * stay whole until this call has been answered. */
        t->killing = true;
        int rc = kill_task(s, victim);
        t->killing = false;
        done(t, tr, rc);
        if (t->kill_pending) {
            t->kill_pending = false;
            kill_task(s, t);
        }
        return;
    }
    case COGEN__TRAP_FD:
        cogen__fd_serve(s, t, tr);
        if (t->state == COGEN__BLOCKED)
            park(s, t, tr);
        return;
    case COGEN__TRAP_OFFLOAD:
        cogen__offload_serve(s, t, tr);
        if (t->state == COGEN__BLOCKED)
            park(s, t, tr);
        return;
    case COGEN__TRAP_SELECT:
        cogen__select_serve(s, t, tr);
        if (t->state == COGEN__BLOCKED)
            park(s, t, tr);
        return;
    default: done(t, tr, COGEN_EINVAL);
    }
}

int cogen_sleep(cogen *self, cogen_time deadline)
{
    cogen__task *t = cogen__task_of(self);
    if (!t)
        return COGEN_EINVAL;
    cogen__trap tr = {.kind = COGEN__TRAP_SLEEP, .deadline = deadline};
    return cogen__task_trap(self, t, &tr);
}

int cogen_task_join(cogen *self, cogen_tid tid, cogen_time deadline, cogen_task_end *end)
{
    cogen__task *t = cogen__task_of(self);
    if (!t)
        return COGEN_EINVAL;
    cogen__trap tr = {.kind = COGEN__TRAP_JOIN, .deadline = deadline};
    tr.u.join.tid = tid;
    tr.u.join.end = end;
    return cogen__task_trap(self, t, &tr);
}

int cogen_task_kill(cogen *self, cogen_tid tid)
{
    cogen__task *t = cogen__task_of(self);
    if (!t)
        return COGEN_EINVAL;
    cogen__trap tr = {.kind = COGEN__TRAP_KILL, .deadline = COGEN_NEVER};
    tr.u.kill = tid;
    return cogen__task_trap(self, t, &tr);
}

int cogen_sched_kill(cogen_sched *s, cogen_tid tid)
{
    if (!s)
        return COGEN_EINVAL;
    if (atomic_load(&s->running) || here)
        return COGEN_EBUSY;
    here = s;
    int rc = kill_task(s, table_get(s, tid));
    here = NULL;
    return rc;
}

/* ---------------------------------------------------------------- run */

static int poll_timeout(const cogen_sched *s)
{
    if (s->nready)
        return 0;
    const cogen__task *t = cogen__timer_top(s);
    if (!t)
        return -1;
    cogen_time left = t->due - cogen_now();
    if (left <= 0)
        return 0;
    cogen_time ms = (left + 999999) / 1000000; /* round up: never spin early */
    return ms > INT_MAX ? INT_MAX : (int)ms;
}

static void drain_wakefd(cogen_sched *s)
{
    uint64_t v;
    while (read(s->wakefd, &v, sizeof v) == (ssize_t)sizeof v)
        ;
    cogen__offload_collect(s);
}

static int poll_io(cogen_sched *s, int timeout)
{
    cogen__poll_event ev[256];
    int n = cogen__poll_wait(s->poller, ev, 256, timeout);
    if (n < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        if (ev[i].token == WAKE_TOKEN)
            drain_wakefd(s);
        else
            cogen__fd_event(s, ev[i].token, ev[i].what);
    }
    return 0;
}

static void fire_timers(cogen_sched *s)
{
    cogen_time now = cogen_now();
    cogen__task *t;
    while ((t = cogen__timer_top(s)) && t->due <= now) {
        cogen__timer_cancel(s, t);
        if (t->killed && t->grace_due <= now) {
            force(s, t);
            continue;
        }
        int kind = t->waiting ? t->waiting->kind : -1;
        if (t->state == COGEN__BLOCKED)
            cogen__task_wake(t, kind == COGEN__TRAP_SLEEP ? 0 : COGEN_ETIMEDOUT);
    }
}

static void run_round(cogen_sched *s)
{
    for (size_t n = s->nready; n > 0; n--) {
        cogen__task *t = ready_pop(s);
        if (!t)
            break;
        resume(s, t);
    }
}

/* Rounds until no task is left, a stop (when `stoppable`), deadlock, or a
 * poller failure. */
static int loop(cogen_sched *s, bool stoppable)
{
    for (;;) {
        if (stoppable && atomic_exchange(&s->stop, 0))
            return 0;
        if (s->live == 0)
            return 0;
        int timeout = poll_timeout(s);
        bool io_awaited = s->fd_waiters || s->jobs_waited;
        if (timeout < 0 && !io_awaited)
            return COGEN_EDEADLOCK;
        /* With tasks ready and none waiting for I/O, a poll could only
         * queue readiness nobody asked for: edge-triggered events wait in
         * the kernel until a task does, so the system call is skipped. */
        if ((timeout != 0 || io_awaited) && poll_io(s, timeout) < 0)
            return COGEN_ESYS;
        fire_timers(s);
        run_round(s);
    }
}

int cogen_sched_run(cogen_sched *s)
{
    if (!s)
        return COGEN_EINVAL;
    if (atomic_load(&s->running) || here)
        return COGEN_EBUSY;
    atomic_store(&s->running, true);
    here = s;
    int rc = loop(s, true);
    here = NULL;
    atomic_store(&s->running, false);
    return rc;
}

void cogen_sched_stop(cogen_sched *s)
{
    if (!s)
        return;
    atomic_store(&s->stop, 1);
    uint64_t one = 1;
    ssize_t n = write(s->wakefd, &one, sizeof one);
    (void)n; /* a full counter already wakes the poller */
}

/* -------------------------------------------------------------- free */

/* Each kill moves its task off `alive` (a cleanup may spawn new tasks:
 * they are killed too). */
static void kill_all(cogen_sched *s)
{
    while (s->alive)
        kill_task(s, s->alive);
}

static void force_all(cogen_sched *s)
{
    kill_all(s);
    while (s->dying)
        force(s, s->dying);
}

void cogen_sched_free(cogen_sched *s)
{
    if (!s || atomic_load(&s->running) || (here && here != s))
        return;
    here = s;
    kill_all(s);
    if (loop(s, false) != 0)
        force_all(s); /* dying tasks that can never wake: force them */
    here = NULL;
    for (size_t i = 0; i < s->table_cap; i++) {
        if (s->table[i]) { /* ended tasks nobody joined */
            free(s->table[i]->end_msg);
            free(s->table[i]);
        }
    }
    free(s->table);
    free(s->heap);
    cogen__offload_shutdown(s);
    cogen__fd_free_table(s);
    cogen__poll_free(s->poller);
    close(s->wakefd);
    free(s);
}
