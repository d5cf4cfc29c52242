/* SPDX-License-Identifier: MIT */
/*
 * What the files of the task layer share: the scheduler, tasks, the
 * requests ("traps") tasks yield to the scheduler, the fd table.
 *
 * A task that needs the scheduler fills in a cogen__trap on its own stack
 * and yields a pointer to it (cogen__task_trap). The scheduler serves it
 * on its own stack: done at once (the task goes back to the ready queue),
 * or the task is parked on what it waits for (an fd, a timer, a task to
 * join, a channel, a helper thread's job). Whatever wakes it first calls
 * cogen__task_wake, which unhooks it from everything else it waited on,
 * stores the result in the trap and queues it. The trap stays valid all
 * that time because a suspended stack does not move.
 */
#ifndef COGEN_TASK_INTERNAL_H
#define COGEN_TASK_INTERNAL_H

#include "shared.h"

#include <cogen/task.h>

#include <pthread.h>
#include <stdatomic.h>

#include "poll.h"

typedef struct cogen__task cogen__task;
typedef struct cogen__job cogen__job;
typedef struct cogen__pool cogen__pool;
typedef struct cogen__waiter cogen__waiter;

enum cogen__trap_kind {
    COGEN__TRAP_SLEEP,
    COGEN__TRAP_FD,
    COGEN__TRAP_JOIN,
    COGEN__TRAP_KILL,
    COGEN__TRAP_OFFLOAD,
    COGEN__TRAP_SELECT,
};

/* One channel operation or fd wait a task is parked on (a task in a select
 * is parked on several at once). Channel waiters are linked in the
 * channel's queue. */
struct cogen__waiter {
    cogen__task *task;
    struct cogen_chan *chan;
    cogen__waiter *prev, *next;
    size_t index; /* which operation of the select */
    int fd;       /* fd waits: the fd, or -1 */
    unsigned dir; /* COGEN_READABLE / COGEN_WRITABLE */
    void *value;  /* a send's value; where a receive's lands */
};

typedef struct cogen__trap {
    int kind;
    int result;
    cogen_time deadline;
    union {
        cogen__waiter fd; /* its fd and dir; parked in the fd table */
        struct {
            cogen_tid tid;
            cogen_task_end *end;
        } join;
        cogen_tid kill;
        cogen__job *job;
        struct {
            struct cogen_sel *ops;
            size_t n;
            cogen__waiter *waiters;
            size_t fired; /* the operation that completed */
        } sel;
    } u;
} cogen__trap;

enum cogen__task_state { COGEN__READY, COGEN__RUNNING, COGEN__BLOCKED, COGEN__DONE };

struct cogen__task {
    cogen_sched *sched;
    cogen *gen;
    cogen_tid id;
    int state;
    cogen__task *prev, *next;   /* ready queue */
    cogen__task *lprev, *lnext; /* the scheduler's list of alive or dying tasks */
    cogen__trap *posted;        /* the trap yielded by the last resume */
    cogen__trap *waiting;       /* the trap being served while BLOCKED */
    size_t heap_at;             /* 1 + index in the timer heap; 0: none */
    cogen_time due;             /* when its timer fires */
    cogen_time grace_due;       /* killed: when it is forced */
    cogen__task *joiners;       /* tasks joining this one */
    cogen__task *next_joiner;   /* in the list of the task it joins */
    unsigned budget;            /* I/O operations left before a forced yield */
    bool detached, killed;
    bool killing;      /* serving its own cogen_task_kill */
    bool kill_pending; /* killed while killing: kill once that is done */
    int end_code;      /* once DONE: how it ended (see cogen_task_end) */
    void *end_value;
    char *end_msg; /* NULL: nothing more than cogen_strerror(end_code) */
};

/* One slot of the fd table, indexed by fd. `gen` changes when the fd is
 * closed, and is part of the poller's token, so that an event for a closed
 * fd never wakes the task of a new fd with the same number. */
typedef struct cogen__fdent {
    uint32_t gen;
    bool registered;
    bool rready, wready;
    cogen__waiter *reader, *writer;
} cogen__fdent;

struct cogen_sched {
    cogen__poller *poller;
    int wakefd; /* eventfd: stop requests and finished helper jobs */
    atomic_int stop;
    atomic_bool running; /* read by other threads to refuse their calls */
    cogen_time grace_ns;
    unsigned helper_threads;

    cogen__task *ready_head, *ready_tail;
    size_t nready;

    cogen__task **heap; /* timers: a 4-ary min-heap on `due` */
    size_t nheap, heap_cap;

    cogen__task **table; /* tasks by id: open addressing, linear probing */
    size_t table_cap, table_used;
    cogen_tid next_id;
    size_t live;                /* tasks not DONE */
    cogen__task *alive, *dying; /* tasks not DONE, not killed / killed */

    cogen__fdent *fds;
    size_t nfds;
    size_t fd_waiters;

    cogen__task *current;
    cogen__pool *pool;
    size_t jobs_waited; /* helper jobs a task waits for */
    size_t turn;        /* where the next select starts its scan */
};

enum { COGEN__IO_BUDGET = 32 };

/* The scheduler running on this thread, or NULL. */
COGEN_HIDDEN cogen_sched *cogen__sched_here(void);
/* The scheduler and task of a call made by `self`'s body; NULL unless
 * self is the running generator of a task of a running scheduler. */
COGEN_HIDDEN cogen__task *cogen__task_of(cogen *self);
/* Yields tr to the scheduler; returns tr->result, or COGEN_EXIT. */
COGEN_HIDDEN int cogen__task_trap(cogen *self, cogen__task *t, cogen__trap *tr);
/* Ends t's wait with `result` and queues it. */
COGEN_HIDDEN void cogen__task_wake(cogen__task *t, int result);
COGEN_HIDDEN void cogen__task_ready(cogen__task *t);
/* Counts one I/O operation done without waiting; yields when the task's
 * budget is spent, so that a busy connection cannot starve the others.
 * 0 or COGEN_EXIT. */
COGEN_HIDDEN int cogen__task_spend(cogen *self, cogen__task *t);

/* Timers (timer.c). */
COGEN_HIDDEN int cogen__timer_set(cogen_sched *s, cogen__task *t, cogen_time due);
COGEN_HIDDEN void cogen__timer_cancel(cogen_sched *s, cogen__task *t);
COGEN_HIDDEN cogen__task *cogen__timer_top(const cogen_sched *s);

/* fds (io.c). */
COGEN_HIDDEN int cogen__fd_prepare(cogen_sched *s, int fd);
COGEN_HIDDEN void cogen__fd_serve(cogen_sched *s, cogen__task *t, cogen__trap *tr);
COGEN_HIDDEN int cogen__fd_park(cogen_sched *s, cogen__waiter *w);
COGEN_HIDDEN void cogen__fd_unpark(cogen_sched *s, cogen__waiter *w);
COGEN_HIDDEN void cogen__fd_event(cogen_sched *s, uint64_t token, unsigned what);
COGEN_HIDDEN void cogen__fd_free_table(cogen_sched *s);

/* Helper threads (offload.c). */
COGEN_HIDDEN void cogen__offload_serve(cogen_sched *s, cogen__task *t, cogen__trap *tr);
COGEN_HIDDEN void cogen__offload_abandon(cogen_sched *s, cogen__job *job);
COGEN_HIDDEN void cogen__offload_collect(cogen_sched *s);
COGEN_HIDDEN void cogen__offload_shutdown(cogen_sched *s);

/* Channels and select (chan.c). */
COGEN_HIDDEN void cogen__select_serve(cogen_sched *s, cogen__task *t, cogen__trap *tr);
COGEN_HIDDEN void cogen__select_cancel(cogen_sched *s, cogen__trap *tr);

#endif
