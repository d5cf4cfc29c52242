/* SPDX-License-Identifier: MIT */
/*
 * cogen/task.h: tasks, a scheduler, time, I/O and channels (layer L5).
 *
 * Generators produce, coroutines consume, tasks trap into a scheduler. A
 * task is a generator run by a scheduler (cogen_sched). A task enters the
 * scheduler only by yielding: every call below that may wait (a "system
 * call": sleep, join, kill, fd waits, reads, writes, channel operations,
 * offloading to a helper thread) fills in a request on the task's stack and
 * yields it; the scheduler, on its own stack, carries it out and resumes the
 * task when it is done. A task that computes for a long time gives the CPU
 * up with cogen_task_yield (or a plain cogen_yield(self, NULL, NULL)).
 *
 * Because cogen generators are stackful, these calls work from any depth of
 * nested functions called by the body, and from generators the body
 * delegates to with cogen_yield_from. They must not be called from a
 * generator the task resumes itself with cogen_send (its yields would go to
 * the task, not to the scheduler).
 *
 * Results. Every call that may wait returns an int:
 *   0             done;
 *   COGEN_EXIT    the task is being killed (the call was interrupted, as a
 *                 cogen_yield returns COGEN_EXIT): clean up and return;
 *   a negative    error code: COGEN_ETIMEDOUT (the deadline passed),
 *                 COGEN_EFDCLOSED, COGEN_EEOF, COGEN_ECONNRESET, COGEN_ESYS
 *                 (errno has the system's reason), COGEN_ECLOSED, ...
 *
 * Time. Deadlines are absolute times of the monotonic clock in nanoseconds
 * (cogen_now()); COGEN_NEVER waits for ever. cogen_deadline_ms(ms) is "ms
 * milliseconds from now".
 *
 * Kill. cogen_task_kill closes the task (cogen_close): the call it is
 * blocked in returns COGEN_EXIT, its cleanups (cogen_defer) run, and a
 * delegating task closes its chain innermost first. A killed task may still
 * make blocking calls while it cleans up, until the scheduler's grace
 * deadline (cogen_sched_opts.grace_ms) passes; then EXIT is delivered again
 * and, if the task still goes on, it is freed and reported as having
 * ignored EXIT (COGEN_EIGNORED, through the core's unraisable-error hook).
 * Never a hang.
 *
 * Threads. A scheduler, its tasks, fds and channels belong to the thread
 * that runs it; run one scheduler per thread to use several cores. Only
 * cogen_sched_stop may be called from another thread (or a signal handler).
 *
 * The file descriptors. Any fd a task waits on (directly or through the
 * helpers) is registered once with the poller and made non-blocking.
 * Close such fds with cogen_fd_close, which wakes a task waiting on it with
 * COGEN_EFDCLOSED; a plain close() leaves the registration stale.
 */
#ifndef COGEN_TASK_H
#define COGEN_TASK_H

#include <cogen.h>

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* This layer's error codes (COGEN_ETIMEDOUT, COGEN_ECLOSED,
 * COGEN_EFDCLOSED, COGEN_EEOF, COGEN_ECONNRESET, COGEN_ENOTASK,
 * COGEN_EKILLED, COGEN_EDEADLOCK, COGEN_ESYS, COGEN_ELINE) are in
 * <cogen/errors.h> with every other layer's. */

/** A scheduler (opaque). */
typedef struct cogen_sched cogen_sched;
/** A task id: positive, unique within its scheduler, never reused. */
typedef int64_t cogen_tid;

/** Monotonic time in nanoseconds. */
typedef int64_t cogen_time;
/** A deadline that never passes. */
#define COGEN_NEVER INT64_MAX

/** Now, on the monotonic clock, in nanoseconds. */
COGEN_API cogen_time cogen_now(void);
/** The deadline `ms` milliseconds from now; COGEN_NEVER if ms < 0. */
COGEN_API cogen_time cogen_deadline_ms(int64_t ms);

/* ------------------------------------------------------------ scheduler */

/** Scheduler options; a zeroed struct (or NULL) means defaults. */
typedef struct cogen_sched_opts {
    /** How long a killed task may go on cleaning up (blocking calls
     *  included) before it is forced; 0 means 1000 ms, < 0 means no
     *  time at all (forced at its first blocking call). */
    int64_t grace_ms;
    /** Helper threads for cogen_task_offload; 0 means 2. Started lazily. */
    unsigned helper_threads;
} cogen_sched_opts;

/**
 * Creates a scheduler. Returns NULL with errno ENOMEM (no memory), EINVAL
 * (bad options), or the system's errno (the poller could not be made:
 * EMFILE...). Owned by the caller until cogen_sched_free.
 */
COGEN_API cogen_sched *cogen_sched_new(const cogen_sched_opts *opts);

/**
 * Kills every live task (each is closed as by cogen_task_kill; their
 * cleanups run and may block until the grace deadline), waits for the
 * helper threads' jobs, and frees the scheduler. Must not be called from a
 * task or while cogen_sched_run runs. NULL does nothing.
 */
COGEN_API void cogen_sched_free(cogen_sched *s);

/**
 * Runs the tasks on the calling thread until none is left (returns 0), or
 * until cogen_sched_stop (returns 0; the tasks stay, ready to run again or
 * to be killed by cogen_sched_free). Each round runs every task that was
 * ready at its start once, and polls I/O and timers first: no task can
 * starve another or the I/O. Returns COGEN_EDEADLOCK if tasks are left but
 * none can ever wake (all wait on channels or joins with no deadline),
 * COGEN_EBUSY if the scheduler is already running (or another runs on
 * this thread), COGEN_ESYS if the poller failed (errno says why).
 */
COGEN_API int cogen_sched_run(cogen_sched *s);

/**
 * Asks s to stop: cogen_sched_run returns at the end of the current round.
 * Safe from any thread and from a signal handler.
 */
COGEN_API void cogen_sched_stop(cogen_sched *s);

/** The scheduler running on this thread (inside its tasks), or NULL. */
COGEN_API cogen_sched *cogen_sched_current(void);

/** Number of tasks not yet ended in s (ready, blocked or dying). */
COGEN_API size_t cogen_sched_tasks(const cogen_sched *s);

/* ------------------------------------------------------------------ tasks */

/** Spawn flag (in cogen_opts.flags, next to the core's): the task's end
 *  is not kept for a join; its record goes when it ends. */
#define COGEN_DETACHED 0x100u

/**
 * Creates a task running fn(self, arg) in s, ready to run (no body code
 * runs now). opts as for cogen_new (NULL: defaults; COGEN_PRIMED is
 * refused), plus COGEN_DETACHED. Callable from outside the scheduler or
 * from any task of it (it does not yield). Returns the task id (> 0), or a
 * negative code: COGEN_EINVAL (s or fn NULL, bad options, or called from a
 * task of another scheduler), COGEN_EBUSY (s is running on another
 * thread), COGEN_ENOMEM.
 */
COGEN_API cogen_tid cogen_spawn(cogen_sched *s, cogen_fn fn, void *arg, const cogen_opts *opts);

/** The id of the task running on this thread (self may be the task's
 *  generator or one it delegates to), or 0 outside any task. */
COGEN_API cogen_tid cogen_task_self(void);

/** Gives the CPU up: the task goes to the back of the ready queue.
 *  Returns 0 or COGEN_EXIT (or COGEN_EINVAL outside a task). */
COGEN_API int cogen_task_yield(cogen *self);

/** How a task ended, as cogen_task_join reports it. */
typedef struct cogen_task_end {
    /** 0: the body returned `value`. COGEN_EKILLED: it was killed and
     *  ended cleanly. COGEN_EIGNORED: it was killed and ignored EXIT.
     *  Otherwise the code of the error it raised (msg says what). */
    int code;
    void *value;
    char msg[256];
} cogen_task_end;

/**
 * Waits until task `tid` ends (Beazley's WaitTask) and fills *end (may be
 * NULL). A task's end is kept until one join collects it; every task
 * joining it at that time gets it. Returns 0, COGEN_EXIT, COGEN_ETIMEDOUT,
 * COGEN_ENOTASK (no such task, detached, or already collected),
 * COGEN_EINVAL (joining itself, or outside a task).
 */
COGEN_API int cogen_task_join(cogen *self, cogen_tid tid, cogen_time deadline, cogen_task_end *end);

/**
 * Kills task `tid` (see "Kill" above). The victim's close runs on the
 * scheduler's stack before this call returns. Killing oneself makes this
 * call return COGEN_EXIT. Returns 0, COGEN_EXIT, COGEN_ENOTASK (no such
 * live task), COGEN_EINVAL (outside a task).
 */
COGEN_API int cogen_task_kill(cogen *self, cogen_tid tid);

/**
 * Kills task `tid` from outside the scheduler's run (e.g. main, between
 * runs): the same as cogen_task_kill. Returns 0, COGEN_ENOTASK, or
 * COGEN_EBUSY when called while s runs (use cogen_task_kill then).
 */
COGEN_API int cogen_sched_kill(cogen_sched *s, cogen_tid tid);

/* ------------------------------------------------------------------- time */

/** Sleeps until `deadline`. Returns 0, COGEN_EXIT, or COGEN_EINVAL. */
COGEN_API int cogen_sleep(cogen *self, cogen_time deadline);

/* ------------------------------------------------------------------- I/O */

/* Readiness a task waits for. */
#define COGEN_READABLE 0x1u
#define COGEN_WRITABLE 0x2u

/**
 * Waits until fd may be readable (COGEN_READABLE) or writable
 * (COGEN_WRITABLE): exactly one of the two. The poller is edge-triggered,
 * so wake-ups may be spurious: retry the operation and wait again on
 * EAGAIN. Returns 0, COGEN_EXIT, COGEN_ETIMEDOUT, COGEN_EFDCLOSED (fd
 * closed with cogen_fd_close meanwhile), COGEN_EBUSY (another task already
 * waits on fd in that direction), COGEN_EINVAL, COGEN_ESYS (registering
 * the fd failed; errno).
 */
COGEN_API int cogen_fd_wait(cogen *self, int fd, unsigned events, cogen_time deadline);

/**
 * Closes fd after waking the tasks waiting on it (their call returns
 * COGEN_EFDCLOSED) and forgetting its registration. Callable from a task
 * or from outside the run. Returns 0, or COGEN_ESYS (close failed; errno;
 * the fd is closed anyway, as close(2) leaves it), COGEN_EINVAL, or
 * COGEN_EBUSY (s is running on another thread: nothing is done).
 */
COGEN_API int cogen_fd_close(cogen_sched *s, int fd);

/**
 * Reads at most cap (> 0) bytes into buf, waiting as needed. Returns 0 with
 * *got >= 1, COGEN_EEOF (the peer finished sending), COGEN_ECONNRESET,
 * COGEN_ETIMEDOUT, COGEN_EFDCLOSED, COGEN_EXIT, COGEN_ESYS (errno).
 */
COGEN_API int cogen_read(cogen *self, int fd, void *buf, size_t cap, size_t *got,
                         cogen_time deadline);

/**
 * Writes all n bytes of buf, waiting as needed (SIGPIPE is not raised).
 * *written (may be NULL) is how many bytes went out, also on failure.
 * Returns 0, COGEN_ECONNRESET (the peer is gone, EPIPE or ECONNRESET),
 * COGEN_ETIMEDOUT, COGEN_EFDCLOSED, COGEN_EXIT, COGEN_ESYS (errno).
 */
COGEN_API int cogen_write_all(cogen *self, int fd, const void *buf, size_t n, size_t *written,
                              cogen_time deadline);

/**
 * Accepts a connection on the listening socket lfd; *cfd is the new
 * socket, non-blocking and close-on-exec. Returns 0, COGEN_ETIMEDOUT,
 * COGEN_EFDCLOSED, COGEN_EXIT, COGEN_ESYS (errno: EMFILE...).
 */
COGEN_API int cogen_accept(cogen *self, int lfd, int *cfd, cogen_time deadline);

/**
 * Connects a new TCP socket to the numeric IPv4 address ip:port. *fd is
 * the socket. Returns 0, COGEN_ETIMEDOUT, COGEN_EXIT, COGEN_EINVAL (not a
 * numeric IPv4 address), COGEN_ESYS (errno: ECONNREFUSED...). On failure
 * no fd is left open.
 */
COGEN_API int cogen_connect_tcp(cogen *self, const char *ip, uint16_t port, int *fd,
                                cogen_time deadline);

/** Flag for cogen_listen_tcp: SO_REUSEPORT, so that several schedulers
 *  (threads) can each accept on the same port. */
#define COGEN_REUSEPORT 0x1u

/**
 * Opens a non-blocking TCP socket listening on the numeric IPv4 address
 * ip:port (port 0: any free port). *fd is the socket, *bound (may be NULL)
 * the port it got. Does not wait. Returns 0, COGEN_EINVAL, COGEN_ESYS.
 */
COGEN_API int cogen_listen_tcp(const char *ip, uint16_t port, int backlog, unsigned flags, int *fd,
                               uint16_t *bound);

/** A buffered reader for cogen_read_line (opaque). */
typedef struct cogen_reader cogen_reader;

/** Creates a reader of fd for lines of at most max_line bytes (0: 64 KiB).
 *  Does not own fd. NULL with errno ENOMEM or EINVAL. */
COGEN_API cogen_reader *cogen_reader_new(int fd, size_t max_line);
/** Frees r (not its fd). NULL does nothing. */
COGEN_API void cogen_reader_free(cogen_reader *r);

/**
 * Reads the next line: *line points to its bytes, "\n" included (a last
 * line without one is returned as is), *len its length; valid until the
 * next call on r. Returns 0, COGEN_EEOF (no more lines), COGEN_ELINE (a
 * line longer than max_line: the reader is unusable after), and the
 * results of cogen_read.
 */
COGEN_API int cogen_read_line(cogen *self, cogen_reader *r, const char **line, size_t *len,
                              cogen_time deadline);

/**
 * Runs fn(arg) on one of the scheduler's helper threads (for calls that
 * block: getaddrinfo, a slow disk read) while the task waits. Returns 0
 * once fn has returned. If the task is killed or the deadline passes
 * first, the call returns COGEN_EXIT / COGEN_ETIMEDOUT at once; fn still
 * runs to its end, then release(arg) runs (if not NULL) on the helper
 * thread: arg must stay valid until then, so give abandoned work its own
 * memory and free it in release. release is called only in that case.
 * Also COGEN_ENOMEM, COGEN_ESYS (a thread could not be started; errno),
 * COGEN_EINVAL.
 */
COGEN_API int cogen_task_offload(cogen *self, void (*fn)(void *), void *arg,
                                 void (*release)(void *), cogen_time deadline);

/* --------------------------------------------------------------- channels */

/** A channel between tasks of one scheduler (opaque). */
typedef struct cogen_chan cogen_chan;

/** Capacity of a channel that never makes a sender wait. */
#define COGEN_UNBOUNDED SIZE_MAX

/**
 * Creates a channel holding up to cap values (0: none, a send waits for a
 * receiver; COGEN_UNBOUNDED: no limit). Values are opaque pointers: the
 * channel never touches what they point to. NULL with errno ENOMEM.
 */
COGEN_API cogen_chan *cogen_chan_new(size_t cap);

/**
 * Closes c: waiting senders get COGEN_ECLOSED; receivers first drain the
 * values left, then get COGEN_ECLOSED; later sends get COGEN_ECLOSED.
 * Not a yield. Returns 0, or COGEN_ECLOSED if c was closed already,
 * COGEN_EINVAL if c is NULL.
 */
COGEN_API int cogen_chan_close(cogen_chan *c);

/** Closes c (if open) and frees it, with the values it still holds (not
 *  what they point to). NULL does nothing. */
COGEN_API void cogen_chan_free(cogen_chan *c);

/** Values c holds now. */
COGEN_API size_t cogen_chan_len(const cogen_chan *c);

/**
 * Sends v on c, waiting for room (or, with capacity 0, for a receiver).
 * Returns 0, COGEN_ECLOSED, COGEN_ETIMEDOUT, COGEN_EXIT, COGEN_ENOMEM
 * (an unbounded channel could not grow), COGEN_EINVAL.
 */
COGEN_API int cogen_chan_send(cogen *self, cogen_chan *c, void *v, cogen_time deadline);

/**
 * Receives the oldest value of c into *v, waiting for one. Returns 0,
 * COGEN_ECLOSED (closed and drained), COGEN_ETIMEDOUT, COGEN_EXIT,
 * COGEN_EINVAL.
 */
COGEN_API int cogen_chan_recv(cogen *self, cogen_chan *c, void **v, cogen_time deadline);

/* Operations of a select. */
#define COGEN_SEL_RECV 1     /**< receive from chan into value */
#define COGEN_SEL_SEND 2     /**< send value on chan */
#define COGEN_SEL_READABLE 3 /**< wait until fd may be readable */
#define COGEN_SEL_WRITABLE 4 /**< wait until fd may be writable */

/** One operation of a select. */
typedef struct cogen_sel {
    int op;
    cogen_chan *chan;
    void *value;
    int fd;
} cogen_sel;

/**
 * Waits until one of the n operations can be done, does it and sets
 * *which to its index. When several are ready, the one done is picked in
 * turn, so that none starves. Returns 0 (done; a receive's value is in
 * ops[*which].value), COGEN_ECLOSED (ops[*which]'s channel is closed, and
 * drained for a receive), COGEN_EFDCLOSED (its fd was closed),
 * COGEN_ETIMEDOUT, COGEN_EXIT, COGEN_ENOMEM, COGEN_EBUSY (another task
 * waits on one of the fds), COGEN_EINVAL (bad operation; *which says
 * which).
 */
COGEN_API int cogen_select(cogen *self, cogen_sel *ops, size_t n, cogen_time deadline,
                           size_t *which);

#ifdef __cplusplus
}
#endif
#endif /* COGEN_TASK_H */
