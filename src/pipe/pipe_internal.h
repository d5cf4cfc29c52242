/* SPDX-License-Identifier: MIT */
/* Declarations shared by the files of the pipeline layer only. */
#ifndef COGEN_PIPE_INTERNAL_H
#define COGEN_PIPE_INTERNAL_H

#include <cogen.h>
#include <cogen/pipe.h>

#include "shared.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define DEFAULT_BUF ((size_t)64 * 1024)
#define DEFAULT_POLL_MS 100
#define LINES_CHUNK 256 /* lines split per emit when not batching */

enum kind {
    /* push */
    K_FILTER,
    K_MAP,
    K_GREP,
    K_BCAST,
    K_PORT,
    K_BATCH,
    K_UNBATCH,
    K_SINK,
    K_PRINTER,
    K_COLLECT,
    /* pull (K_LINES first) */
    K_LINES,
    K_PGREP,
    K_PFILTER,
    K_PMAP
};

typedef struct fanin_shared {
    size_t open; /* ports not yet closed */
    cogen *target;
} fanin_shared;

typedef struct stage {
    cogen_pipe *p;
    cogen *self;
    enum kind kind;
    bool ended_ok;   /* the body is returning normally */
    bool counted;    /* fan-in port: has taken itself off fan->open */
    cogen **targets; /* push: where items go */
    size_t nt;
    cogen *target1; /* storage for a single target */
    cogen *up;      /* pull: where items come from */
    int (*pred)(void *, void *);
    void *(*fn)(void *, void *);
    void (*sinkfn)(void *, void *);
    void (*done)(void *);
    void *(*copy)(void *, void *);
    void (*release)(void *, void *);
    void *ud;
    char *pattern;
    size_t patlen;
    size_t n; /* batch size */
    void **held;
    size_t nheld;
    fanin_shared *fan;
    fanin_shared *fan_own; /* freed with this stage (port 0) */
    FILE *f;
    cogen_strlist *list;
    int fd;
    cogen_source_opts opts;
} stage;

struct cogen_pipe {
    stage **v;
    size_t n, cap;
    cogen__errbuf e; /* the first error of any stage; code 0: none */
};

/* ---- the pipe and the lifecycle of every stage (pipe.c) ---- */

/* Records an error in p unless it already holds one. */
COGEN_HIDDEN void cogen__pipe_record(cogen_pipe *p, int code, const char *where, const char *msg);
COGEN_HIDDEN void cogen__pipe_record_err(cogen_pipe *p, const cogen_err *e);
/* Allocates a stage of p (not started, not yet registered); NULL with
 * errno on failure. */
COGEN_HIDDEN stage *cogen__pipe_stage_alloc(cogen_pipe *p, enum kind kind);
COGEN_HIDDEN void cogen__pipe_stage_free(stage *s);
/* Starts s as a generator named name (or defname) and adds it to its pipe;
 * on failure frees s and returns NULL with errno set. */
COGEN_HIDDEN cogen *cogen__pipe_stage_start(stage *s, const char *name, const char *defname);
/* Every stage's cleanup (cogen_defer), however its body ends. */
COGEN_HIDDEN void cogen__pipe_stage_end(void *arg);
/* Closes t; on failure records its error in p and returns it (or NULL). */
COGEN_HIDDEN const cogen_err *cogen__pipe_close_one(cogen_pipe *p, cogen *t);
/* Releases the items a batch stage holds. */
COGEN_HIDDEN void cogen__pipe_release_held(stage *s);
/* Copies a grep stage's pattern; on failure frees s, errno ENOMEM, -1. */
COGEN_HIDDEN int cogen__pipe_set_pattern(stage *s, const char *pattern);
/* Whether line l contains s's pattern. */
COGEN_HIDDEN bool cogen__pipe_contains(const stage *s, const cogen_str *l);

/* ---- push stages (push.c) ---- */

COGEN_HIDDEN void *cogen__pipe_push_body(cogen *self, void *arg);
/* Sends item to t from stage body `self`; does not return on failure. */
COGEN_HIDDEN void cogen__pipe_send_or_raise(cogen_pipe *p, cogen *self, cogen *t, void *item);
/* Closes s's targets in order; the first error, having tried them all. */
COGEN_HIDDEN const cogen_err *cogen__pipe_close_targets(stage *s);

/* ---- pull stages (pull.c) and the pull line source (lines.c) ---- */

COGEN_HIDDEN void *cogen__pipe_pull_body(cogen *self, void *arg);
COGEN_HIDDEN void *cogen__pipe_lines_body(cogen *self, void *arg);

#endif
