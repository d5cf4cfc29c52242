/* SPDX-License-Identifier: MIT */
/*
 * cogen/pipe.h: pipelines and data flow (layer L2).
 *
 * Stages built on the core API, in the two styles of Beazley's course:
 *
 *  - push: a source (a plain function such as cogen_pipe_feed_fd) reads
 *    input and cogen_send()s each item into the head of a chain of stage
 *    coroutines (filter, map, grep, broadcast, fan-in, batch, ...) that end
 *    in sinks;
 *  - pull: generators that yield items (lines, grep, filter, map), iterated
 *    with COGEN_PIPE_FOREACH.
 *
 * Ownership and lifetime
 *  - Every stage is a cogen generator created by, and owned by, a
 *    cogen_pipe. cogen_pipe_free() frees all of them. Push stages come back
 *    primed (COGEN_SUSPENDED, ready for cogen_send). Do not cogen_free a
 *    stage yourself; closing one (cogen_close) is fine.
 *  - Targets you write yourself must be primed generators (COGEN_PRIMED) and
 *    outlive the stages sending to them: free them after cogen_pipe_free.
 *  - Items are opaque `void *` except where a stage says otherwise. The
 *    sender owns an item; a receiver may use it only until its own yield
 *    returns control (that is, until the cogen_send that delivered it
 *    returns). A stage that keeps an item longer must copy it (batch does,
 *    when given a copy function; collect copies lines).
 *  - Line sources send or yield `const cogen_str *` (see below) pointing
 *    into the source's read buffer: a line lives until the source sends or
 *    yields the next item (push: until the cogen_send returns; pull: until
 *    the consumer resumes the generator again). The bytes are not
 *    NUL-terminated and may contain any byte, NUL included.
 *
 * Close and errors
 *  - Closing a push stage (cogen_close on it, or a source reaching its end)
 *    makes it flush what it holds (a batch sends its partial group), then
 *    close its targets in order, so closing the head closes every stage
 *    downstream, each after the stages upstream of it have flushed.
 *  - A stage ends with an error when one of its callbacks calls
 *    cogen_raise(cogen_current(), code, ...), when a target fails, or when
 *    a target has already ended (COGEN_EPIPE). The error travels upstream
 *    to the source (every stage on the way ends with the same code and
 *    message) and stops the pipeline; the stages downstream of the failing
 *    one are closed (they flush) and sinks keep what they received.
 *    cogen_pipe_error() gives the error as raised by the stage that failed
 *    first: its `where` is that stage's name.
 *  - A pull stage that ends (exhausted, closed or failed) closes its
 *    upstream, so closing the last stage closes the whole chain.
 *
 * Threads: a pipe and its stages belong to one thread at a time.
 */
#ifndef COGEN_PIPE_H
#define COGEN_PIPE_H

#include <cogen.h>

#include <signal.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* This layer's error codes, COGEN_EPIPE (a stage sent to, or pulled from, a
 * generator that had already ended) and COGEN_EIO (reading input or writing
 * output failed), are in <cogen/errors.h> with every other layer's. */

/** A run of bytes, not NUL-terminated. Line sources give lines without
 *  their "\n" or "\r\n" terminator. */
typedef struct cogen_str {
    const char *ptr;
    size_t len;
} cogen_str;

/** A group of items sent by batch stages and batching sources. The array
 *  and (unless the batch stage was given a copy function) the items are
 *  owned by the sender and valid until the send delivering the batch
 *  returns. */
typedef struct cogen_batch {
    void **items;
    size_t n;
} cogen_batch;

/** A set of stages and the first error raised in them. Opaque. */
typedef struct cogen_pipe cogen_pipe;

/** Creates an empty pipe. Returns NULL with errno ENOMEM on failure. */
COGEN_API cogen_pipe *cogen_pipe_new(void);

/**
 * Frees p and every stage created in it, newest first (a stage still
 * suspended is closed first, so it flushes into its targets, which are
 * older). An error raised by such a close cannot be reported (p is gone):
 * close the head yourself before freeing to see it. NULL does nothing.
 */
COGEN_API void cogen_pipe_free(cogen_pipe *p);

/**
 * The first error raised in a stage of p, as that stage raised it (code,
 * message, `where` = the stage's name), or the error of a source run
 * (`where` = the source's name, "source" by default). code is 0 while no
 * stage has failed. The pointer lives as long as p. Later errors do not
 * replace the first one until cogen_pipe_clear_error.
 */
COGEN_API const cogen_err *cogen_pipe_error(const cogen_pipe *p);

/** Forgets p's recorded error (code back to 0). */
COGEN_API void cogen_pipe_clear_error(cogen_pipe *p);

/**
 * For stages you write yourself: sends item to target; on success returns
 * 0. If target fails, records its error in p (when p has none yet) and
 * ends the calling stage `self` with the same code and message; if target
 * had already ended, ends self with COGEN_EPIPE. Must be called from self's
 * body (it does not return on failure).
 */
COGEN_API int cogen_pipe_send(cogen_pipe *p, cogen *self, cogen *target, void *item);

/* ------------------------------------------------------------ push stages
 * Each constructor creates a primed generator owned by p, named `name`
 * (NULL gives the kind, e.g. "filter"; names are copied), and returns it.
 * On failure it returns NULL and sets errno: EINVAL (p NULL, a required
 * pointer NULL, or a count of 0), ENOMEM (no memory for the stage). The
 * callbacks run on the stage's own stack, may call any cogen function and
 * may end the stage with an error by calling cogen_raise(cogen_current(),
 * code, fmt, ...) (code > 0).
 */

/** Sends on the items for which pred(item, ud) is non-zero. */
COGEN_API cogen *cogen_pipe_filter(cogen_pipe *p, const char *name,
                                   int (*pred)(void *item, void *ud), void *ud, cogen *target);

/** Sends fn(item, ud) for each item; a NULL result is dropped (not sent).
 *  What fn returns follows the item rules: it must stay valid until the
 *  send returns (e.g. storage in ud reused for every item). */
COGEN_API cogen *cogen_pipe_map(cogen_pipe *p, const char *name, void *(*fn)(void *item, void *ud),
                                void *ud, cogen *target);

/** Items are `const cogen_str *`; sends on those that contain the bytes of
 *  the NUL-terminated `pattern` (copied; "" matches every line). */
COGEN_API cogen *cogen_pipe_grep(cogen_pipe *p, const char *name, const char *pattern,
                                 cogen *target);

/** Fan-out: sends each item to targets[0], ..., targets[n-1] in order (the
 *  array is copied). On close, closes them in that order. A target may
 *  appear in several branches (e.g. a shared printer): closing an already
 *  closed generator does nothing. */
COGEN_API cogen *cogen_pipe_broadcast(cogen_pipe *p, const char *name, cogen *const *targets,
                                      size_t n);

/**
 * Fan-in: creates n input ports, stored in ports[0..n-1] (named
 * "NAME[i]"), each forwarding what it receives to target. Closing a port
 * closes that port only; target is closed once, when the last port closes.
 * Returns ports[0] (NULL on failure, with no port created).
 */
COGEN_API cogen *cogen_pipe_fanin(cogen_pipe *p, const char *name, cogen *target, size_t n,
                                  cogen **ports);

/**
 * Groups items by n to amortise switches: sends a `cogen_batch *` holding
 * up to n items to target each time n items have arrived, and the partial
 * group when closed (flush). Items are held across sends, so borrowed
 * items (like lines) need copy: copy(item, ud) returns a copy the batch
 * owns (NULL: the stage fails with COGEN_ENOMEM), released with
 * release(copy, ud) after the batch holding it has been sent (or when the
 * stage ends). With copy NULL items are held as they are (release is then
 * called on them if not NULL). For lines, cogen_str_dup/cogen_str_release
 * fit.
 */
COGEN_API cogen *cogen_pipe_batch(cogen_pipe *p, const char *name, size_t n,
                                  void *(*copy)(void *item, void *ud),
                                  void (*release)(void *item, void *ud), void *ud, cogen *target);

/** The reverse of batch: items are `const cogen_batch *`; sends each of
 *  their items in order. */
COGEN_API cogen *cogen_pipe_unbatch(cogen_pipe *p, const char *name, cogen *target);

/** Calls fn(item, ud) for each item; when closed calls done(ud) if not
 *  NULL (the place to flush). */
COGEN_API cogen *cogen_pipe_sink(cogen_pipe *p, const char *name, void (*fn)(void *item, void *ud),
                                 void (*done)(void *ud), void *ud);

/** Items are `const cogen_str *`: writes each line and "\n" to f; flushes
 *  f when closed. A write error ends the stage with COGEN_EIO. */
COGEN_API cogen *cogen_pipe_printer(cogen_pipe *p, const char *name, FILE *f);

/** A list of owned lines (zero-initialise it; free with cogen_strlist_free).
 *  Each v[i].ptr is malloc'ed, NUL-terminated after its len bytes. */
typedef struct cogen_strlist {
    cogen_str *v;
    size_t n, cap;
} cogen_strlist;

/** Frees the lines of l and its array, and zeroes it. */
COGEN_API void cogen_strlist_free(cogen_strlist *l);

/** Items are `const cogen_str *`: appends a copy of each to *out, which the
 *  caller owns and which must outlive the stage. What was appended stays
 *  there whatever happens to the pipeline. Out of memory ends the stage
 *  with COGEN_ENOMEM. */
COGEN_API cogen *cogen_pipe_collect(cogen_pipe *p, const char *name, cogen_strlist *out);

/** A malloc'ed copy of the line `item` (a `const cogen_str *`), as one
 *  block: the returned cogen_str's bytes follow it and are NUL-terminated.
 *  NULL when out of memory. ud is unused (fits cogen_pipe_batch). */
COGEN_API void *cogen_str_dup(void *item, void *ud);
/** Frees a copy made by cogen_str_dup. */
COGEN_API void cogen_str_release(void *item, void *ud);

/* ---------------------------------------------------------------- sources */

/** Options of the line sources; a zeroed struct (or NULL) means defaults. */
typedef struct cogen_source_opts {
    /** Name of the source in errors (cogen_pipe_error's where); NULL:
     *  "source" (push) or the stage name (pull). */
    const char *name;
    /** Initial read buffer size (default 64 KiB). The buffer doubles as
     *  needed to hold a line: lines have no length limit but memory. */
    size_t bufsize;
    /** Push only: 0 sends each line as a `const cogen_str *`; n > 0 sends
     *  a `const cogen_batch *` of up to n `const cogen_str *` lines (the
     *  lines read so far are sent before the source waits for input). */
    size_t batch;
    /** Bitwise OR of COGEN_SRC_FOLLOW, COGEN_SRC_KEEP_OPEN. */
    unsigned flags;
    /** Stop after this many lines (0: no limit). */
    unsigned long long max_lines;
    /** Follow: milliseconds between polls of a file at its end (default
     *  100). */
    int poll_ms;
    /** Follow: stop once the file has not grown for this many milliseconds
     *  (0: never). */
    int idle_ms;
    /** Follow: stop when *stop becomes non-zero (e.g. set by a signal
     *  handler); checked between reads. NULL: never. */
    volatile sig_atomic_t *stop;
} cogen_source_opts;

/** Follow the input like `tail -f`: at end of file, wait for it to grow
 *  instead of stopping (a partial last line waits for its newline). It
 *  stops on max_lines, idle_ms or *stop; a partial last line is then
 *  delivered. It reads from the descriptor's current offset: lseek to the
 *  end first to see only new lines. */
#define COGEN_SRC_FOLLOW 0x1u
/** Push: do not close the target at the end (feed more input later). */
#define COGEN_SRC_KEEP_OPEN 0x2u

/**
 * Push source: reads lines from fd (which stays open and owned by the
 * caller) and sends them to target (see cogen_source_opts.batch for what is
 * sent). A last line without a newline is sent too; a "\r" before "\n" is
 * removed. At the end (end of file, or follow stopped), target is closed
 * unless COGEN_SRC_KEEP_OPEN.
 * Returns the number of lines sent (>= 0), or COGEN_ERROR:
 *   a stage failed: cogen_pipe_error(p) says which and why; the pipeline
 *     has stopped (target is closed);
 *   COGEN_EIO: read failed (errno kept in the message); target is closed;
 *   COGEN_EINVAL (p, target NULL, fd < 0), COGEN_ENOMEM (buffer): nothing
 *     is sent, target is left open. The error is recorded in p.
 * Must not be called from target's own body.
 */
COGEN_API long long cogen_pipe_feed_fd(cogen_pipe *p, int fd, cogen *target,
                                       const cogen_source_opts *opts);

/** Push source over bytes in memory: like cogen_pipe_feed_fd with the
 *  buffer as the whole input (follow, bufsize and idle are ignored; the
 *  lines point into buf). */
COGEN_API long long cogen_pipe_feed_mem(cogen_pipe *p, const char *buf, size_t len, cogen *target,
                                        const cogen_source_opts *opts);

/* ------------------------------------------------------------ pull stages
 * Generators (COGEN_CREATED until first resumed) owned by p, yielding
 * items; iterate them with COGEN_PIPE_FOREACH or cogen_pipe_next. Errors
 * and NULL results as for the push constructors. A pull stage that ends
 * closes its upstream.
 */

/** Yields the lines of fd as `const cogen_str *` (valid until the next
 *  resume), with the rules of cogen_pipe_feed_fd (opts.batch is ignored;
 *  COGEN_SRC_FOLLOW works the same). A read error ends it with COGEN_EIO. */
COGEN_API cogen *cogen_pipe_lines(cogen_pipe *p, const char *name, int fd,
                                  const cogen_source_opts *opts);

/** Yields the lines (`const cogen_str *`) of upstream containing pattern. */
COGEN_API cogen *cogen_pipe_pull_grep(cogen_pipe *p, const char *name, const char *pattern,
                                      cogen *upstream);

/** Yields the items of upstream for which pred(item, ud) is non-zero. */
COGEN_API cogen *cogen_pipe_pull_filter(cogen_pipe *p, const char *name,
                                        int (*pred)(void *item, void *ud), void *ud,
                                        cogen *upstream);

/** Yields fn(item, ud) for each item of upstream (NULL results skipped). */
COGEN_API cogen *cogen_pipe_pull_map(cogen_pipe *p, const char *name,
                                     void *(*fn)(void *item, void *ud), void *ud, cogen *upstream);

/**
 * Gets the next item of generator g into *item. Returns 1 (an item), 0 (g
 * has ended: *item = NULL) or COGEN_ERROR (g failed: cogen_pipe_error(p)
 * for stages of p, cogen_last_error(g) in general). When g fails, the error
 * is also recorded in p if p is not NULL and has none yet.
 */
COGEN_API int cogen_pipe_next(cogen_pipe *p, cogen *g, void **item);

/** Iterates a pull stage: `for each item of gen`, with `var` a `void *`
 *  declared by the macro. After the loop, cogen_pipe_error(p)->code tells
 *  whether it ended because of an error. Breaking out leaves gen
 *  suspended (close it to close the chain). */
/* (var names a declared variable: it cannot be parenthesized) */
#define COGEN_PIPE_FOREACH(p, var, gen) /* NOLINTNEXTLINE(bugprone-macro-parentheses) */           \
    for (void *var = NULL; cogen_pipe_next((p), (gen), &var) == 1;)

#ifdef __cplusplus
}
#endif
#endif /* COGEN_PIPE_H */
