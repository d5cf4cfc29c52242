/* SPDX-License-Identifier: MIT */
/*
 * cogen/stage.h: pipeline stages beyond one thread (layer L4).
 *
 * Push stages whose work happens elsewhere, with the send and close
 * semantics of <cogen/pipe.h>:
 *
 *  - thread stage: its target runs on a worker thread, fed through a
 *    bounded queue (Beazley's cothread);
 *  - parallel stage: N worker threads apply a function to the items; the
 *    results go on to the target, in arrival order or re-sequenced into
 *    the order the items came in;
 *  - process stage: items are encoded into frames and written to a child
 *    process running the downstream pipeline (Beazley's coprocess).
 *
 * Every constructor returns a primed generator (COGEN_SUSPENDED), usable as
 * the target of any <cogen/pipe.h> stage or source, and owned by the
 * caller: cogen_free it after the stages sending to it (after
 * cogen_pipe_free of their pipe). cogen_free closes it first if it is
 * still open. Constructors return NULL and set errno on failure: EINVAL
 * (a required pointer NULL, a count of 0), ENOMEM, EAGAIN (no thread or
 * process could be started), or the errno of the failed system call.
 *
 * What crosses: a pipe.h item is only lent until the send delivering it
 * returns, so every item handed to another thread is first copied with the
 * stage's copy callback (on the sender's thread) and released with its
 * release callback once the other side is done with it. By default items
 * are lines (`const cogen_str *`), copied with cogen_str_dup and released
 * with cogen_str_release. Items sent to a process stage are encoded into
 * bytes instead (see the framing below).
 *
 * Close and errors, as in <cogen/pipe.h>:
 *  - Closing the stage (cogen_close, or its source reaching its end)
 *    hands over what it holds, waits until the other side has delivered
 *    every item, closes the target there (on its thread, or in the child)
 *    and waits for it to end (joins the threads; reaps the child).
 *  - An error raised on the other side (a target, a work function, the
 *    child's pipeline, the child itself dying) comes back to the sender:
 *    the stage ends with the same code, its message says where the error
 *    came from, and `where` is the stage's own name, so the error travels
 *    up the sender's pipeline and cogen_pipe_error() of that pipe records
 *    it. It is reported at the next send or at close, whichever comes
 *    first; items the stage had accepted but not yet handed over are
 *    dropped (released) then.
 *  - The stage ending any other way (an error thrown into it by its
 *    sender) still closes its target: the thread stage first delivers the
 *    items already queued; the parallel stage drops the items in flight;
 *    the process stage's child sees its stream end without 'E' and closes
 *    its pipeline.
 *
 * Threads: the downstream pipeline runs on a worker thread, so it must
 * not share a cogen_pipe with the sender's side (a pipe belongs to one
 * thread at a time): build it in its own pipe, and do not touch that pipe
 * until the stage has been closed.
 */
#ifndef COGEN_STAGE_H
#define COGEN_STAGE_H

#include <cogen.h>
#include <cogen/pipe.h>

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* This layer's error codes (COGEN_ECHILD: the child process failed, died
 * or exited early; COGEN_EFRAME: a malformed or unsupported frame;
 * COGEN_ETIMEDOUT: the child did not read or answer in time) are in
 * <cogen/errors.h>. */

/** Options of the thread and parallel stages; a zeroed struct (or NULL)
 *  means defaults. */
typedef struct cogen_stage_opts {
    /** Most items queued between the two sides (default 1024). A sender
     *  that finds the queue full waits: memory stays bounded by about
     *  capacity + 2 * batch items (plus, for the parallel stage, one item
     *  per worker). */
    size_t capacity;
    /** Thread stage: items gathered by the sender before it hands them
     *  over, and taken by the worker per wake-up (default 64; clamped to
     *  capacity). Items wait at the sender until a batch is full or the
     *  stage is closed: use 1 for a live feed (COGEN_SRC_FOLLOW). */
    size_t batch;
    /** Copies an item to hand it over (NULL result: the stage fails with
     *  COGEN_ENOMEM); NULL: cogen_str_dup, unless COGEN_STAGE_BY_VALUE. */
    void *(*copy)(void *item, void *ud);
    /** Releases a copy; NULL: cogen_str_release when copy is NULL too,
     *  otherwise nothing. */
    void (*release)(void *item, void *ud);
    /** Passed to copy and release. */
    void *ud;
    /** Bitwise OR of COGEN_STAGE_BY_VALUE, COGEN_STAGE_ORDERED. */
    unsigned flags;
} cogen_stage_opts;

/** Items are handed over as they are (no copy, no release): for items
 *  that are values (integers in a pointer) or that outlive the stage. */
#define COGEN_STAGE_BY_VALUE 0x1u
/** Parallel stage: results reach the target in the order the items came
 *  in (they are re-sequenced); without it, in the order they are done. */
#define COGEN_STAGE_ORDERED 0x2u

/**
 * Thread stage: returns a primed generator named `name` (NULL: "thread")
 * that queues copies of the items sent to it; a worker thread started now
 * sends them to `target`, which from then on is resumed on that thread
 * only (do not resume, close or free it yourself until the stage has been
 * closed). Closing the stage delivers the queued items, closes target on
 * the worker thread and joins it. An error in target (or target having
 * ended: COGEN_EPIPE) stops the worker and comes back to the sender.
 */
COGEN_API cogen *cogen_stage_thread(const char *name, cogen *target, const cogen_stage_opts *opts);

/**
 * Parallel stage: returns a primed generator named `name` (NULL:
 * "parallel") that hands copies of the items to `nworkers` threads; each
 * runs fn(item, ud) on the copy (its own generator's stack, so fn may end
 * the stage with cogen_raise(cogen_current(), code, ...)). The results are
 * sent to `target` on the sender's thread (so the downstream pipeline
 * stays on one thread), as they come in or, with COGEN_STAGE_ORDERED, in
 * the order of the items. A NULL result is dropped. Each result is passed
 * to release_result(result, ud), if not NULL, once its send has returned
 * (or when the stage ends without sending it). fn runs on several threads
 * at once: ud must be safe for that. Closing the stage waits for every
 * result, sends them, joins the workers and closes target. An error in fn
 * stops the workers (pending items are dropped) and comes back to the
 * sender; target is still closed.
 */
COGEN_API cogen *cogen_stage_parallel(const char *name, size_t nworkers,
                                      void *(*fn)(void *item, void *ud),
                                      void (*release_result)(void *result, void *ud), void *ud,
                                      cogen *target, const cogen_stage_opts *opts);

/* ------------------------------------------------------------- processes
 *
 * The framing (version 1) between a process stage and its child, over one
 * AF_UNIX stream socket; integers are little-endian:
 *
 *   stream  = header frame* end
 *   header  = "CGST" u8 version(=1) u8[3] zero          (parent -> child)
 *   frame   = u32 length, u8 type, length bytes of payload
 *   type 'D' data: one item, as encoded                  (parent -> child)
 *   type 'E' end of stream, empty payload                (parent -> child)
 *   type 'R' result, answering 'E'                       (child -> parent)
 *            payload: i32 code (0 = success), u64 items received,
 *                     u8 where length, where, then the message
 *
 * A payload is at most COGEN_FRAME_MAX bytes. A reader that meets a bad
 * header, an unknown version or type, an oversized length or a stream that
 * ends inside a frame fails with COGEN_EFRAME, naming what it found.
 * Version 1 readers reject any other version: a later version changes the
 * magic's version byte.
 */
#define COGEN_FRAME_VERSION 1
#define COGEN_FRAME_MAX ((size_t)1 << 30)

/** What a process stage runs in its child and how it encodes items. */
typedef struct cogen_stage_proc {
    /** Runs in the child process (forked, not exec'ed), given the child's
     *  end of the socket: it builds the downstream pipeline and calls
     *  cogen_stage_feed_frames. Its return value is the child's exit
     *  status (0: success). Required. */
    int (*child)(int fd, void *ud);
    /** Passed to child and encode. */
    void *ud;
    /** Encodes item into *data, *len (the bytes must stay valid until the
     *  next call); returns 0, or non-zero to fail the stage with
     *  COGEN_EINVAL. NULL: items are `const cogen_str *` lines, sent as
     *  their bytes. */
    int (*encode)(void *item, const void **data, size_t *len, void *ud);
    /** Bytes buffered before a write to the child (default 64 KiB); 0 is
     *  the default, 1 writes every frame at once (a live feed). */
    size_t bufsize;
    /** Milliseconds to wait for the child to accept bytes or to answer the
     *  end of stream before giving up (COGEN_ETIMEDOUT; the child is then
     *  killed and reaped). 0: wait as long as it lives. */
    int timeout_ms;
} cogen_stage_proc;

/**
 * Process stage: forks a child that runs proc->child(fd, proc->ud) and
 * then exits with its return value; returns a primed generator named
 * `name` (NULL: "process") that encodes the items sent to it into 'D'
 * frames on the socket. stdout and stderr are flushed before the fork (so
 * that buffered output is not written twice). Closing the stage sends
 * 'E', waits for the child's 'R' answer and reaps the child. Errors come
 * back to the sender as COGEN_ECHILD when the child exits with a non-zero
 * status, is killed by a signal (both named in the message), or ends
 * without having answered 'E' (it exited early: the items it did not read
 * are lost, and that is an error, never a silently short result); as the
 * child pipeline's own code and message when its 'R' reports an error;
 * COGEN_ETIMEDOUT as described above. The stage writes with MSG_NOSIGNAL:
 * a child that went away never raises SIGPIPE in the parent. The child is
 * always reaped, whatever ends the stage.
 * fork() copies only the calling thread: create process stages before
 * starting threads that could hold locks the child needs (malloc is safe
 * with glibc).
 */
COGEN_API cogen *cogen_stage_process(const char *name, const cogen_stage_proc *proc);

/**
 * The child's side of a process stage (or of any program reading the
 * framing from fd): checks the header, then sends each 'D' item to target:
 * decode(data, len, ud) turns a payload into the item (lent until the send
 * returns; a NULL result fails with COGEN_EINVAL), or, with decode NULL,
 * the item is a `const cogen_str *` of the payload's bytes. On 'E' it
 * closes target, answers with an 'R' frame carrying the outcome and the
 * number of items received, and returns that number (>= 0).
 * Returns COGEN_ERROR when target fails (with its code and message; if
 * target is a pipe.h stage its pipe records which stage), when the stream
 * is malformed (COGEN_EFRAME) or ends without 'E' (COGEN_EIO: the parent
 * closed, its stage failed, or it died), or when reading fails (COGEN_EIO);
 * target is closed (it flushes) and the failure is answered with 'R' when
 * the parent can still hear it. If err is not NULL it receives the
 * outcome (code 0 on success); its strings live until the next call on
 * this thread.
 */
COGEN_API long long cogen_stage_feed_frames(int fd, cogen *target,
                                            void *(*decode)(const void *data, size_t len, void *ud),
                                            void *ud, cogen_err *err);

#ifdef __cplusplus
}
#endif
#endif /* COGEN_STAGE_H */
