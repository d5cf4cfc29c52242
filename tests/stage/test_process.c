/* SPDX-License-Identifier: MIT */
/* Process stages and their framing: a child running the downstream
 * pipeline, its errors, its death by signal or early exit, a child that
 * never reads, malformed streams, every failure point. */
#include <cogen.h>
#include <cogen/pipe.h>
#include <cogen/stage.h>

#include "harness.h"
#include "walk.h"
#include "shared.h"

#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* No child may be left behind, reaped or not. */
static void check_no_children(void)
{
    errno = 0;
    CHECK_EQ_INT(waitpid(-1, NULL, WNOHANG), -1);
    CHECK_EQ_INT(errno, ECHILD);
}

static char out_path[64];

static void make_out_file(void)
{
    (void)snprintf(out_path, sizeof out_path, "/tmp/cogen-stage-%d.out", (int)getpid());
    (void)unlink(out_path);
}

static char *slurp_out(void)
{
    static char buf[1 << 16];
    int fd = open(out_path, O_RDONLY);
    CHECK(fd >= 0);
    ssize_t n = read(fd, buf, sizeof buf - 1);
    CHECK(n >= 0);
    buf[n] = '\0';
    close(fd);
    (void)unlink(out_path);
    return buf;
}

/* ---- children */

/* grep "a" -> printer into out_path */
static int child_grep_print(int fd, void *ud)
{
    (void)ud;
    FILE *f = fopen(out_path, "w");
    if (!f)
        return 9;
    cogen_pipe *p = cogen_pipe_new();
    cogen *pr = cogen_pipe_printer(p, "printer", f);
    cogen *g = cogen_pipe_grep(p, "grep", "a", pr);
    long long n = cogen_stage_feed_frames(fd, g, NULL, NULL, NULL);
    cogen_pipe_free(p);
    fclose(f);
    return n < 0 ? 1 : 0;
}

static void fail_on_boom(void *item, void *ud)
{
    (void)ud;
    const cogen_str *l = item;
    if (l->len == 4 && memcmp(l->ptr, "boom", 4) == 0)
        cogen_raise(cogen_current(), 42, "sink cannot take '%.*s'", (int)l->len, l->ptr);
}

static int child_failing_sink(int fd, void *ud)
{
    (void)ud;
    cogen_pipe *p = cogen_pipe_new();
    cogen *s = cogen_pipe_sink(p, "sink", fail_on_boom, NULL, NULL);
    long long n = cogen_stage_feed_frames(fd, s, NULL, NULL, NULL);
    cogen_pipe_free(p);
    return n < 0 ? 1 : 0;
}

/* Reads a few frames by hand, then dies by SIGKILL. */
static int child_killed(int fd, void *ud)
{
    (void)ud;
    char buf[64];
    (void)read(fd, buf, sizeof buf);
    raise(SIGKILL);
    return 0;
}

static int child_exits_at_once(int fd, void *ud)
{
    (void)fd;
    return (int)(intptr_t)ud;
}

static int child_never_reads(int fd, void *ud)
{
    (void)fd;
    (void)ud;
    for (int i = 0; i < 600; i++) /* killed long before a minute is up */
        sleep(1);
    return 0;
}

static void send_lines(cogen *g, int n, const char *fmt)
{
    for (int i = 0; i < n; i++) {
        char b[64];
        int len = snprintf(b, sizeof b, fmt, i);
        cogen_str l = {b, (size_t)len};
        if (cogen_send(g, &l, NULL) != COGEN_YIELDED)
            return;
    }
}

/* Sends n lines or until the stage fails, then closes it; returns the
 * result of the failing call. */
static int send_then_close(cogen *g, int n)
{
    for (int i = 0; i < n; i++) {
        char b[32];
        int len = snprintf(b, sizeof b, "line %d", i);
        cogen_str l = {b, (size_t)len};
        int rc = cogen_send(g, &l, NULL);
        if (rc != COGEN_YIELDED)
            return rc;
    }
    return cogen_close(g);
}

TEST(process_stage_runs_the_downstream_pipeline_in_a_child)
{
    make_out_file();
    cogen_stage_proc proc = {child_grep_print, NULL, NULL, 0, 0};
    cogen *x = cogen_stage_process("coprocess", &proc);
    CHECK(x != NULL);
    CHECK_STR(cogen_name(x), "coprocess");
    cogen_pipe *p = cogen_pipe_new();
    static const char text[] = "alpha\nbeta\nxyz\n\ngamma\nlast line";
    CHECK_EQ_INT(cogen_pipe_feed_mem(p, text, sizeof text - 1, x, NULL), 6);
    CHECK_EQ_INT(cogen_getstate(x), COGEN_CLOSED);
    CHECK_EQ_INT(cogen_pipe_error(p)->code, 0);
    CHECK_STR(slurp_out(), "alpha\nbeta\ngamma\nlast line\n");
    check_no_children();
    cogen_pipe_free(p);
    cogen_free(x);
}

TEST(process_stage_sends_big_items_and_many_of_them)
{
    /* Items larger than the buffer go out directly; many small ones fill
     * the socket buffer, so the parent waits for the child to read. */
    make_out_file();
    cogen_stage_proc proc = {child_grep_print, NULL, NULL, 16, 0};
    cogen *x = cogen_stage_process(NULL, &proc);
    CHECK_STR(cogen_name(x), "process");
    static char big[5000];
    memset(big, 'a', sizeof big);
    cogen_str l = {big, sizeof big};
    CHECK_EQ_INT(cogen_send(x, &l, NULL), COGEN_YIELDED);
    send_lines(x, 20000, "b%d");
    CHECK_EQ_INT(cogen_close(x), 0);
    CHECK_EQ_INT(strlen(slurp_out()), sizeof big + 1);
    check_no_children();
    cogen_free(x);
}

TEST(process_stage_error_in_the_child_pipeline_comes_back)
{
    cogen_stage_proc proc = {child_failing_sink, NULL, NULL, 0, 0};
    cogen_pipe *p = cogen_pipe_new();
    cogen *x = cogen_stage_process("remote", &proc);
    static const char text[] = "one\nboom\nthree\n";
    CHECK_EQ_INT(cogen_pipe_feed_mem(p, text, sizeof text - 1, x, NULL), COGEN_ERROR);
    const cogen_err *e = cogen_pipe_error(p);
    CHECK_EQ_INT(e->code, 42);
    CHECK_STR(e->where, "remote");
    CHECK(strstr(e->msg, "sink cannot take 'boom'") != NULL);
    CHECK(strstr(e->msg, "in 'sink' in child process") != NULL);
    check_no_children();
    cogen_pipe_free(p);
    cogen_free(x);
}

TEST(process_stage_child_killed_by_a_signal_is_named)
{
    /* Small items: the kill shows at close, or as EPIPE on a write. */
    for (int many = 0; many <= 1; many++) {
        cogen_stage_proc proc = {child_killed, NULL, NULL, 0, 0};
        cogen *x = cogen_stage_process("victim", &proc);
        CHECK_EQ_INT(send_then_close(x, many ? 200000 : 3), COGEN_ERROR);
        const cogen_err *e = cogen_last_error(x);
        CHECK_EQ_INT(e->code, COGEN_ECHILD);
        CHECK_STR(e->where, "victim");
        CHECK(strstr(e->msg, "was killed by signal 9 (SIGKILL)") != NULL);
        check_no_children();
        cogen_free(x);
    }
}

TEST(process_stage_child_that_exits_early_is_an_error_never_a_short_result)
{
    /* With a failure status, and with status 0 without reading anything:
     * the parent writes into a closed socket (no SIGPIPE) or finds no
     * answer to its end of stream. */
    int statuses[] = {3, 0};
    for (int i = 0; i < 2; i++) {
        for (int many = 0; many <= 1; many++) {
            cogen_stage_proc proc = {child_exits_at_once, (void *)(intptr_t)statuses[i], NULL, 0,
                                     0};
            cogen *x = cogen_stage_process("early", &proc);
            CHECK_EQ_INT(send_then_close(x, many ? 200000 : 2), COGEN_ERROR);
            const cogen_err *e = cogen_last_error(x);
            CHECK_EQ_INT(e->code, COGEN_ECHILD);
            char want[32];
            (void)snprintf(want, sizeof want, "exited with status %d", statuses[i]);
            CHECK(strstr(e->msg, want) != NULL);
            check_no_children();
            cogen_free(x);
        }
    }
}

TEST(process_stage_child_that_never_reads_times_out_and_is_reaped)
{
    cogen_stage_proc proc = {child_never_reads, NULL, NULL, 0, 200};
    cogen *x = cogen_stage_process("deaf", &proc);
    CHECK_EQ_INT(send_then_close(x, 1000000), COGEN_ERROR);
    const cogen_err *e = cogen_last_error(x);
    CHECK_EQ_INT(e->code, COGEN_ETIMEDOUT);
    CHECK(strstr(e->msg, "did not read its input within 200 ms") != NULL);
    check_no_children();
    cogen_free(x);
    /* At close: the child never answers the end of stream. */
    x = cogen_stage_process("mute", &proc);
    CHECK_EQ_INT(send_then_close(x, 1), COGEN_ERROR);
    CHECK_EQ_INT(cogen_last_error(x)->code, COGEN_ETIMEDOUT);
    check_no_children();
    cogen_free(x);
}

TEST(process_stage_freed_unclosed_or_thrown_into_still_reaps_its_child)
{
    cogen_stage_proc proc = {child_failing_sink, NULL, NULL, 0, 0};
    cogen *x = cogen_stage_process("dropped", &proc);
    send_lines(x, 10, "x%d");
    cogen_free(x); /* closes: end of stream, answer, reap */
    check_no_children();
    x = cogen_stage_process("thrown", &proc);
    send_lines(x, 10, "x%d");
    CHECK_EQ_INT(cogen_throw(x, 5, "upstream failed", NULL), COGEN_ERROR);
    CHECK_EQ_INT(cogen_last_error(x)->code, 5);
    check_no_children();
    cogen_free(x);
}

static int encode_int(void *item, const void **data, size_t *len, void *ud)
{
    static char buf[32];
    (void)ud;
    *len = (size_t)snprintf(buf, sizeof buf, "%ld", (long)(intptr_t)item);
    *data = buf;
    return item == (void *)(intptr_t)-1;
}

static void *decode_int(const void *data, size_t len, void *ud)
{
    (void)ud;
    char b[32];
    if (len >= sizeof b)
        return NULL;
    memcpy(b, data, len);
    b[len] = '\0';
    long v = strtol(b, NULL, 10);
    return (void *)(intptr_t)(v + 1000); /* never NULL for v >= 0 */
}

static void *sum_body(cogen *self, void *arg)
{
    long *sum = arg;
    void *v;
    while (cogen_yield(self, NULL, &v) == COGEN_SENT)
        *sum += (long)(intptr_t)v;
    return NULL;
}

static int child_sum(int fd, void *ud)
{
    (void)ud;
    long sum = 0;
    cogen_opts o = {0, "sum", COGEN_PRIMED};
    cogen *s = cogen_new(sum_body, &sum, &o);
    long long n = cogen_stage_feed_frames(fd, s, decode_int, NULL, NULL);
    cogen_free(s);
    /* 10 items 0..9 decoded as +1000 each */
    return n == 10 && sum == 45 + 10000 ? 0 : 7;
}

TEST(process_stage_user_encoding_and_decoding)
{
    cogen_stage_proc proc = {child_sum, NULL, encode_int, 1, 0};
    cogen *x = cogen_stage_process("ints", &proc);
    for (long i = 0; i < 10; i++)
        CHECK_EQ_INT(cogen_send(x, (void *)(intptr_t)i, NULL), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_close(x), 0);
    cogen_free(x);
    /* An item that cannot be encoded fails the stage; the child is told. */
    x = cogen_stage_process("ints", &proc);
    CHECK_EQ_INT(cogen_send(x, (void *)(intptr_t)-1, NULL), COGEN_ERROR);
    CHECK_EQ_INT(cogen_last_error(x)->code, COGEN_EINVAL);
    check_no_children();
    cogen_free(x);
    errno = 0;
    CHECK(cogen_stage_process("x", NULL) == NULL);
    CHECK_EQ_INT(errno, EINVAL);
}

/* ---- the framing, read by cogen_stage_feed_frames */

static void *count_body(cogen *self, void *arg)
{
    int *n = arg;
    void *v;
    while (cogen_yield(self, NULL, &v) == COGEN_SENT)
        ++*n;
    return NULL;
}

/* Feeds raw bytes (then end of file) to feed_frames; returns its result,
 * the error in *e and the answer frame's bytes in answer. */
static long long feed_raw(const void *bytes, size_t len, cogen_err *e, int *items)
{
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    CHECK(write(sv[0], bytes, len) == (ssize_t)len);
    shutdown(sv[0], SHUT_WR);
    cogen_opts o = {0, "count", COGEN_PRIMED};
    *items = 0;
    cogen *c = cogen_new(count_body, items, &o);
    long long n = cogen_stage_feed_frames(sv[1], c, NULL, NULL, e);
    CHECK_EQ_INT(cogen_getstate(c), COGEN_CLOSED);
    /* The answer: 'R' with the outcome's code. */
    unsigned char ans[512];
    ssize_t got = read(sv[0], ans, sizeof ans);
    CHECK(got >= 5 + 13);
    CHECK_EQ_INT(ans[4], 'R');
    uint32_t code =
        (uint32_t)ans[5] | (uint32_t)ans[6] << 8 | (uint32_t)ans[7] << 16 | (uint32_t)ans[8] << 24;
    CHECK_EQ_INT((int32_t)code, e->code);
    cogen_free(c);
    close(sv[0]);
    close(sv[1]);
    return n;
}

TEST(frames_good_stream_and_every_kind_of_bad_one)
{
    cogen_err e;
    int items;
    static const unsigned char good[] = {'C', 'G', 'S', 'T', 1, 0, 0,   0, 2, 0, 0, 0,  'D',
                                         'h', 'i', 0,   0,   0, 0, 'D', 0, 0, 0, 0, 'E'};
    CHECK_EQ_INT(feed_raw(good, sizeof good, &e, &items), 2);
    CHECK_EQ_INT(e.code, 0);
    CHECK_EQ_INT(items, 2);

    static const unsigned char magic[] = {'C', 'G', 'S', 'X', 1, 0, 0, 0, 0, 0, 0, 0, 'E'};
    CHECK_EQ_INT(feed_raw(magic, sizeof magic, &e, &items), COGEN_ERROR);
    CHECK_EQ_INT(e.code, COGEN_EFRAME);
    CHECK(strstr(e.msg, "bad magic") != NULL);

    static const unsigned char version[] = {'C', 'G', 'S', 'T', 2, 0, 0, 0, 0, 0, 0, 0, 'E'};
    CHECK_EQ_INT(feed_raw(version, sizeof version, &e, &items), COGEN_ERROR);
    CHECK_EQ_INT(e.code, COGEN_EFRAME);
    CHECK(strstr(e.msg, "unsupported frame version 2") != NULL);

    static const unsigned char type[] = {'C', 'G', 'S', 'T', 1, 0, 0, 0, 0, 0, 0, 0, 'Q'};
    CHECK_EQ_INT(feed_raw(type, sizeof type, &e, &items), COGEN_ERROR);
    CHECK_EQ_INT(e.code, COGEN_EFRAME);
    CHECK(strstr(e.msg, "unknown frame type 0x51") != NULL);

    static const unsigned char cut[] = {'C', 'G', 'S', 'T', 1, 0, 0, 0, 9, 0, 0, 0, 'D', 'x'};
    CHECK_EQ_INT(feed_raw(cut, sizeof cut, &e, &items), COGEN_ERROR);
    CHECK_EQ_INT(e.code, COGEN_EFRAME);

    static const unsigned char huge[] = {'C', 'G', 'S', 'T', 1, 0, 0, 0, 0, 0, 0, 0x7f, 'D'};
    CHECK_EQ_INT(feed_raw(huge, sizeof huge, &e, &items), COGEN_ERROR);
    CHECK_EQ_INT(e.code, COGEN_EFRAME);
    CHECK(strstr(e.msg, "too long") != NULL);

    static const unsigned char noend[] = {'C', 'G', 'S', 'T', 1, 0, 0, 0, 1, 0, 0, 0, 'D', 'z'};
    CHECK_EQ_INT(feed_raw(noend, sizeof noend, &e, &items), COGEN_ERROR);
    CHECK_EQ_INT(e.code, COGEN_EIO);
    CHECK(strstr(e.msg, "without end of stream") != NULL);
    CHECK_EQ_INT(items, 1); /* what arrived was delivered, then target closed */

    CHECK_EQ_INT(cogen_stage_feed_frames(-1, NULL, NULL, NULL, &e), COGEN_ERROR);
    CHECK_EQ_INT(e.code, COGEN_EINVAL);
}

/* ---- every failure point of the parent's side */

static int child_count_lines(int fd, void *ud)
{
    (void)ud;
    int n = 0;
    cogen_opts o = {0, "count", COGEN_PRIMED};
    cogen *c = cogen_new(count_body, &n, &o);
    if (!c)
        return 3;
    long long r = cogen_stage_feed_frames(fd, c, NULL, NULL, NULL);
    cogen_free(c);
    return r == 5 && n == 5 ? 0 : 4;
}

static outcome process_everything(void)
{
    cogen_stage_proc proc = {child_count_lines, NULL, NULL, 0, 0};
    errno = 0;
    cogen *x = cogen_stage_process("proc", &proc);
    outcome o = RESULT_RIGHT;
    if (!x) {
        CHECK(errno == ENOMEM || errno == EAGAIN || errno == EMFILE);
        o = FAILED_CLEANLY;
    } else {
        int rc = send_then_close(x, 5);
        if (rc != 0) {
            int code = cogen_last_error(x)->code;
            /* The parent's injected read/write error, or the child's
             * (its copy of the countdown) reported through its answer or
             * its exit status. */
            CHECK(code == COGEN_EIO || code == COGEN_ENOMEM || code == COGEN_ECHILD);
            o = FAILED_CLEANLY;
        }
    }
    cogen_free(x);
    check_no_children();
    return o;
}

TEST(process_stage_walk_every_failure_point)
{
    /* Not walk(): a failure injected in the child (which inherits the
     * countdown) is invisible to this process's failure count, so a run
     * that failed cleanly with no failure counted here is walked past too. */
    long k;
    for (k = 0; k < 200; k++) {
        cogen__fail_after(k);
        outcome o = process_everything();
        long failed = cogen__fail_count();
        cogen__fail_after(-1);
        if (failed == 0 && o == RESULT_RIGHT)
            break;
    }
    /* struct, buffer, socketpair, fork, the generator, the writes, the
     * answer's reads */
    CHECK(k >= 6 && k < 200);
}

/* The child's reader: its buffer, its reads, the answer's write. */
static outcome reader_everything(void)
{
    static const unsigned char good[] = {'C', 'G', 'S', 'T', 1, 0, 0,   0, 2, 0, 0, 0,  'D',
                                         'h', 'i', 0,   0,   0, 0, 'D', 0, 0, 0, 0, 'E'};
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    CHECK(write(sv[0], good, sizeof good) == (ssize_t)sizeof good);
    shutdown(sv[0], SHUT_WR);
    int items = 0;
    cogen_opts o = {0, "count", COGEN_PRIMED};
    cogen *c = cogen_new(count_body, &items, &o);
    outcome out = RESULT_RIGHT;
    if (!c) {
        out = FAILED_CLEANLY;
    } else {
        cogen_err e;
        long long n = cogen_stage_feed_frames(sv[1], c, NULL, NULL, &e);
        if (n < 0) {
            CHECK(e.code == COGEN_ENOMEM || e.code == COGEN_EIO);
            out = FAILED_CLEANLY;
        } else {
            CHECK_EQ_INT(n, 2);
            CHECK_EQ_INT(items, 2);
        }
        CHECK_EQ_INT(cogen_getstate(c), COGEN_CLOSED);
    }
    cogen_free(c);
    close(sv[0]);
    close(sv[1]);
    return out;
}

TEST(frames_reader_walk_every_failure_point)
{
    long k = walk(reader_everything);
    /* the buffer, the first read, the answer's write (the target's stack
     * comes from the warm cache) */
    CHECK(k >= 3);
}
