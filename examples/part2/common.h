/* SPDX-License-Identifier: MIT */
/* What the part-2 examples share: the command line of the `follow`
 * source and Beazley's printer coroutine.
 *
 *   PROG [--from-start] [--idle MS] [--lines N] FILE
 *
 * Like `tail -f`, follow starts at the end of FILE and waits for new lines
 * forever; --from-start reads FILE from its beginning, --idle stops after
 * MS milliseconds without new data, --lines after N lines (the tests use
 * these to run on a bounded input). */
#ifndef PART2_COMMON_H
#define PART2_COMMON_H

#include <cogen.h>
#include <cogen/pipe.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Parses the command line; returns the fd of FILE, positioned as asked,
 * with the follow options in *o. Exits on a usage error. */
static inline int follow_args(int argc, char **argv, cogen_source_opts *o)
{
    int from_start = 0, fd;
    const char *file = NULL;
    memset(o, 0, sizeof *o);
    o->flags = COGEN_SRC_FOLLOW;
    o->poll_ms = 20;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--from-start"))
            from_start = 1;
        else if (!strcmp(argv[i], "--idle") && i + 1 < argc)
            o->idle_ms = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--lines") && i + 1 < argc)
            o->max_lines = strtoull(argv[++i], NULL, 10);
        else if (!file && argv[i][0] != '-')
            file = argv[i];
        else
            file = NULL, i = argc;
    }
    if (!file) {
        fprintf(stderr, "usage: %s [--from-start] [--idle MS] [--lines N] FILE\n", argv[0]);
        exit(2);
    }
    if ((fd = open(file, O_RDONLY)) < 0) {
        perror(file);
        exit(1);
    }
    if (!from_start)
        lseek(fd, 0, SEEK_END); /* thefile.seek(0, 2) */
    return fd;
}

/* @coroutine def printer(): while True: line = (yield); print(line) */
static inline void *printer_body(cogen *self, void *arg)
{
    void *item;
    (void)arg;
    while (cogen_yield(self, NULL, &item) == COGEN_SENT) {
        const cogen_str *line = item;
        printf("%.*s\n", (int)line->len, line->ptr);
    }
    fflush(stdout);
    return NULL;
}

static inline cogen *printer(void)
{
    cogen_opts o = {0, "printer", COGEN_PRIMED};
    return cogen_new(printer_body, NULL, &o);
}

/* @coroutine def grep(pattern, target): while True: line = (yield);
 *     if pattern in line: target.send(line) */
typedef struct grep_args {
    const char *pattern;
    cogen *target;
} grep_args;

static inline void *grep_body(cogen *self, void *arg)
{
    grep_args *g = arg;
    size_t plen = strlen(g->pattern);
    void *item;
    while (cogen_yield(self, NULL, &item) == COGEN_SENT) {
        const cogen_str *line = item;
        if (line->len >= plen && memmem(line->ptr, line->len, g->pattern, plen))
            cogen_send(g->target, item, NULL);
    }
    cogen_close(g->target); /* pass the close on */
    return NULL;
}

static inline cogen *grep(grep_args *a, const char *pattern, cogen *target)
{
    cogen_opts o = {0, "grep", COGEN_PRIMED};
    a->pattern = pattern;
    a->target = target;
    return cogen_new(grep_body, a, &o);
}

/* Runs follow(fd, target) and reports a failure of the pipeline. */
static inline int run_follow(int fd, cogen *target, const cogen_source_opts *o)
{
    cogen_pipe *p = cogen_pipe_new();
    long long n = p ? cogen_pipe_feed_fd(p, fd, target, o) : -1;
    if (n < 0 && p)
        fprintf(stderr, "follow: stage '%s' failed: %s\n", cogen_pipe_error(p)->where,
                cogen_pipe_error(p)->msg);
    cogen_pipe_free(p);
    close(fd);
    return n < 0;
}

#endif
