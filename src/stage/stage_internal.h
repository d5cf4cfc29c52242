/* SPDX-License-Identifier: MIT */
/* Declarations shared by the files of the stage layer only. */
#ifndef COGEN_STAGE_INTERNAL_H
#define COGEN_STAGE_INTERNAL_H

#include <cogen.h>
#include <cogen/pipe.h>
#include <cogen/stage.h>

#include "shared.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#define STAGE_DEFAULT_CAPACITY ((size_t)1024)
#define STAGE_DEFAULT_BATCH ((size_t)64)

/* How items cross to another thread: copied on the sender's side, released
 * on the other once used. */
typedef struct cogen__stage_items {
    void *(*copy)(void *item, void *ud);
    void (*release)(void *item, void *ud);
    void *ud;
} cogen__stage_items;

/* Fills *it from opts (NULL: defaults, lines). */
COGEN_HIDDEN void cogen__stage_items_init(cogen__stage_items *it, const cogen_stage_opts *opts);
/* A copy of item to hand over; NULL when copying failed. */
COGEN_HIDDEN void *cogen__stage_copy(const cogen__stage_items *it, void *item, bool *failed);
COGEN_HIDDEN void cogen__stage_release(const cogen__stage_items *it, void *item);
/* Releases n items of v. */
COGEN_HIDDEN void cogen__stage_release_all(const cogen__stage_items *it, void **v, size_t n);

/* Sends item to target from a thread that is not a generator's body;
 * returns true, or false with the error of target (or COGEN_EPIPE when it
 * had ended) in *err. */
COGEN_HIDDEN bool cogen__stage_deliver(cogen *target, void *item, cogen__errbuf *err);
/* Closes target; on failure stores its error in *err (unless *err already
 * holds one) and returns false. */
COGEN_HIDDEN bool cogen__stage_close_target(cogen *target, cogen__errbuf *err);

/* Ends body `self` with the error err came back with: same code, the
 * message says where it came from, `where` is self's name. */
COGEN_HIDDEN COGEN_NORETURN void cogen__stage_raise_from(cogen *self, const cogen_err *err,
                                                         const char *side);

/* pthread_create through the failure injector; 0 or an errno value. */
COGEN_HIDDEN int cogen__stage_thread_start(pthread_t *t, void *(*fn)(void *), void *arg);

/* ---- the framing of process stages (frame.c; the format is in stage.h) */

enum {
    FRAME_HEADER = 8, /* "CGST", version, 3 zero bytes */
    FRAME_PREFIX = 5, /* u32 length, u8 type */
    FRAME_RESULT_MAX = 4 + 8 + 1 + COGEN__NAME_CAP + COGEN__MSG_CAP,
    FRAME_DATA = 'D',
    FRAME_END = 'E',
    FRAME_RESULT = 'R'
};

COGEN_HIDDEN void cogen__frame_header(unsigned char out[FRAME_HEADER]);
COGEN_HIDDEN void cogen__frame_prefix(unsigned char out[FRAME_PREFIX], size_t len, int type);
/* Parses a frame prefix into *len, *type. */
COGEN_HIDDEN void cogen__frame_parse_prefix(const unsigned char in[FRAME_PREFIX], size_t *len,
                                            int *type);
/* Encodes a result frame (prefix included) into out; returns its size. */
COGEN_HIDDEN size_t cogen__frame_result(unsigned char *out, const cogen_err *e,
                                        unsigned long long items);
/* Decodes a result payload into b and *items; false if malformed. */
COGEN_HIDDEN bool cogen__frame_parse_result(const unsigned char *in, size_t len, cogen__errbuf *b,
                                            unsigned long long *items);

/* Reads exactly n bytes, waiting at most timeout_ms for each piece (0:
 * forever). Returns 1 (done), 0 (end of stream before the first byte), -2
 * (end of stream inside), -1 (error: errno; ETIMEDOUT on timeout). */
COGEN_HIDDEN int cogen__stage_read_full(int fd, void *buf, size_t n, int timeout_ms);
/* Writes n bytes without raising SIGPIPE (send with MSG_NOSIGNAL; write
 * for a descriptor that is not a socket). 0, or -1 with errno (EPIPE: the
 * reader has gone; ETIMEDOUT). */
COGEN_HIDDEN int cogen__stage_write_full(int fd, const void *buf, size_t n, int timeout_ms);

#endif
