/* SPDX-License-Identifier: MIT */
/* Reading logs: whole files (or standard input) and followed files (like
 * tail -F: truncation and rename rotation). The reader cuts the input into
 * runs of whole lines and hands them to a callback; the bytes stay its own. */
#ifndef LOGSTATS_INPUT_H
#define LOGSTATS_INPUT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

typedef struct input_sink {
    /* Whole lines, each ending in "\n" except the last line of an input
     * that does not end in one. Returns 0, or -1 to stop reading (the
     * callback has reported why). */
    int (*lines)(void *ud, const char *buf, size_t len);
    /* bytes: read so far from this input. May be NULL. */
    void (*progress)(void *ud, uint64_t bytes);
    void *ud;
} input_sink;

typedef struct follow_opts {
    int poll_ms;                 /* between looks at the file at its end */
    long long idle_ms;           /* stop after this long without new bytes (0: never) */
    volatile sig_atomic_t *stop; /* stop when it becomes non-zero */
    /* Called every interval_ms (0: never), e.g. to print a fresh report. */
    long long interval_ms;
    void (*tick)(void *ud);
} follow_opts;

/* The outcome of reading one input. */
enum { INPUT_OK = 0, INPUT_SKIPPED = 1, INPUT_PARTIAL = 2, INPUT_STOPPED = 3 };

/* Reads fd (owned by the caller) to its end. name is used in messages.
 * Returns INPUT_OK, INPUT_SKIPPED (nothing read: a directory, EIO on the
 * first read), INPUT_PARTIAL (a read error after some lines: those lines
 * were delivered) or INPUT_STOPPED (the callback asked to stop). Read
 * errors are printed on stderr as "logstats: NAME: ...". */
int input_read_fd(const char *name, int fd, const input_sink *s);

/* Follows the file at path like tail -F, from its start, until fo->stop,
 * fo->idle_ms or a callback stop. Notices truncation (reads again from the
 * start) and the path being renamed away and recreated (finishes the old
 * file, then reads the new one from its start); says so on stderr.
 * Returns as input_read_fd. */
int input_follow(const char *path, const input_sink *s, const follow_opts *fo);

#endif
