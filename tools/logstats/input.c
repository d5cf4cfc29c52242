/* SPDX-License-Identifier: MIT */
#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (1u << 20)

typedef struct rbuf {
    char *p;
    size_t len, cap;
    uint64_t bytes; /* read from the current input */
} rbuf;

static int rbuf_init(rbuf *b)
{
    b->len = 0;
    b->bytes = 0;
    b->cap = CHUNK;
    b->p = malloc(b->cap);
    if (!b->p)
        fprintf(stderr, "logstats: out of memory\n");
    return b->p ? 0 : -1;
}

/* Reads once into b. Returns bytes read, 0 at end, -1 on error (errno). */
static ssize_t rbuf_read(rbuf *b, int fd)
{
    if (b->cap - b->len < CHUNK / 4) {
        /* A line longer than what is left: lines have no length limit. */
        char *p = realloc(b->p, b->cap * 2);
        if (!p) {
            errno = ENOMEM;
            return -1;
        }
        b->p = p;
        b->cap *= 2;
    }
    ssize_t n;
    do
        n = read(fd, b->p + b->len, b->cap - b->len);
    while (n < 0 && errno == EINTR);
    if (n > 0) {
        b->len += (size_t)n;
        b->bytes += (uint64_t)n;
    }
    return n;
}

/* Hands the whole lines of b to the sink (all of b if `all`). */
static int rbuf_deliver(rbuf *b, const input_sink *s, bool all)
{
    size_t upto = b->len;
    if (!all) {
        const char *nl = b->len ? memrchr(b->p, '\n', b->len) : NULL;
        upto = nl ? (size_t)(nl - b->p) + 1 : 0;
    }
    if (upto == 0)
        return 0;
    int rc = s->lines(s->ud, b->p, upto);
    memmove(b->p, b->p + upto, b->len - upto);
    b->len -= upto;
    if (s->progress)
        s->progress(s->ud, b->bytes);
    return rc;
}

int input_read_fd(const char *name, int fd, const input_sink *s)
{
    rbuf b;
    if (rbuf_init(&b) < 0)
        return INPUT_SKIPPED;
    int out = INPUT_OK;
    for (;;) {
        ssize_t n = rbuf_read(&b, fd);
        if (n < 0) {
            bool none = b.bytes == 0;
            fprintf(stderr, "logstats: %s: %s%s\n", name, strerror(errno),
                    none ? " (skipped)" : " (the rest of the file is skipped)");
            out = none ? INPUT_SKIPPED : INPUT_PARTIAL;
            break;
        }
        if (rbuf_deliver(&b, s, n == 0) < 0) {
            out = INPUT_STOPPED;
            break;
        }
        if (n == 0)
            break;
    }
    if (out == INPUT_PARTIAL && rbuf_deliver(&b, s, true) < 0)
        out = INPUT_STOPPED;
    free(b.p);
    return out;
}

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&t, NULL); /* a signal cuts it short: the stop flag is seen sooner */
}

/* Reads fd to its current end, delivering whole lines. Returns bytes read,
 * or -1 (read error, printed) or -2 (callback stop). */
static long long drain(const char *path, int fd, rbuf *b, const input_sink *s)
{
    long long got = 0;
    for (;;) {
        ssize_t n = rbuf_read(b, fd);
        if (n < 0) {
            fprintf(stderr, "logstats: %s: %s\n", path, strerror(errno));
            return -1;
        }
        if (n == 0)
            return got;
        got += n;
        if (rbuf_deliver(b, s, false) < 0)
            return -2;
    }
}

int input_follow(const char *path, const input_sink *s, const follow_opts *fo)
{
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        fprintf(stderr, "logstats: %s: %s\n", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return INPUT_SKIPPED;
    }
    if (S_ISDIR(st.st_mode)) {
        fprintf(stderr, "logstats: %s: %s\n", path, strerror(EISDIR));
        close(fd);
        return INPUT_SKIPPED;
    }
    rbuf b;
    if (rbuf_init(&b) < 0) {
        close(fd);
        return INPUT_SKIPPED;
    }
    int out = INPUT_OK;
    off_t offset = 0;
    long long last_data = now_ms(), last_tick = last_data;
    while (!(fo->stop && *fo->stop)) {
        long long got = drain(path, fd, &b, s);
        if (got < 0) {
            out = got == -1 ? INPUT_PARTIAL : INPUT_STOPPED;
            break;
        }
        offset += got;
        long long now = now_ms();
        if (got > 0)
            last_data = now;
        if (fo->tick && fo->interval_ms > 0 && now - last_tick >= fo->interval_ms) {
            fo->tick(s->ud);
            last_tick = now;
        }
        struct stat cur, at_path;
        if (fstat(fd, &cur) == 0 && cur.st_size < offset) {
            /* copytruncate: the old lines were counted; what is there now is new. */
            fprintf(stderr, "logstats: %s: file truncated, reading it from the start\n", path);
            lseek(fd, 0, SEEK_SET);
            offset = 0;
            b.len = 0;
            continue;
        }
        if (stat(path, &at_path) == 0 &&
            (at_path.st_ino != cur.st_ino || at_path.st_dev != cur.st_dev)) {
            /* Renamed away and recreated: finish the old file, then the new one. */
            got = drain(path, fd, &b, s);
            if (got == -2 || (b.len && rbuf_deliver(&b, s, true) < 0)) {
                out = INPUT_STOPPED;
                break;
            }
            int nfd = open(path, O_RDONLY);
            if (nfd >= 0) {
                fprintf(stderr, "logstats: %s: file replaced, following the new file\n", path);
                close(fd);
                fd = nfd;
                offset = 0;
                b.len = 0;
                last_data = now_ms();
                continue;
            }
        }
        if (fo->idle_ms > 0 && now - last_data >= fo->idle_ms)
            break;
        sleep_ms(fo->poll_ms > 0 ? fo->poll_ms : 100);
    }
    if (out == INPUT_OK && b.len && rbuf_deliver(&b, s, true) < 0)
        out = INPUT_STOPPED;
    free(b.p);
    close(fd);
    return out;
}
