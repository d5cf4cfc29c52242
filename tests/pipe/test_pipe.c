/* SPDX-License-Identifier: MIT */
/* Tests of the pipeline layer (include/cogen/pipe.h): every stage and
 * combinator, close/flush order, fan-in, errors naming their stage, and the
 * line sources' edge cases. */
#include "harness.h"
#include "walk.h"
#include "shared.h"

#include <cogen/pipe.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- helpers */

static long long feed(cogen_pipe *p, const char *s, cogen *target)
{
    return cogen_pipe_feed_mem(p, s, strlen(s), target, NULL);
}

/* A temporary file holding `len` bytes of `data`, opened for reading. */
static int temp_fd(const void *data, size_t len)
{
    char path[] = "/tmp/cogen_pipe_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    unlink(path);
    CHECK(write(fd, data, len) == (ssize_t)len);
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    return fd;
}

static void check_lines(const cogen_strlist *l, const char *const *want, size_t n)
{
    CHECK_EQ_INT(l->n, n);
    for (size_t i = 0; i < n; i++) {
        CHECK_EQ_INT(l->v[i].len, strlen(want[i]));
        CHECK(memcmp(l->v[i].ptr, want[i], l->v[i].len) == 0);
    }
}

/* Sink callbacks that log "name:line" and "name:done". */
typedef struct logsink {
    const char *name;
} logsink;

static void log_item(void *item, void *ud)
{
    const cogen_str *l = item;
    tlogf("%s:%.*s ", ((logsink *)ud)->name, (int)l->len, l->ptr);
}

static void log_done(void *ud)
{
    tlogf("%s:done ", ((logsink *)ud)->name);
}

/* ---- push stages */

static int is_even_len(void *item, void *ud)
{
    (void)ud;
    return ((const cogen_str *)item)->len % 2 == 0;
}

static void *upper(void *item, void *ud)
{
    const cogen_str *l = item;
    cogen_str *out = ud;
    static char buf[64];
    for (size_t i = 0; i < l->len && i < sizeof buf; i++)
        buf[i] = (char)(l->ptr[i] >= 'a' && l->ptr[i] <= 'z' ? l->ptr[i] - 32 : l->ptr[i]);
    out->ptr = buf;
    out->len = l->len;
    return out;
}

TEST(filter_map_collect)
{
    cogen_pipe *p = cogen_pipe_new();
    cogen_strlist got = {0};
    cogen_str scratch;
    cogen *c = cogen_pipe_collect(p, "collect", &got);
    cogen *m = cogen_pipe_map(p, "upper", upper, &scratch, c);
    cogen *f = cogen_pipe_filter(p, "even", is_even_len, NULL, m);
    CHECK(c && m && f);
    CHECK_EQ_INT(cogen_getstate(f), COGEN_SUSPENDED);
    CHECK_EQ_INT(feed(p, "ab\nabc\n\nabcd\nx\n", f), 5);
    const char *want[] = {"AB", "", "ABCD"};
    check_lines(&got, want, 3);
    CHECK_EQ_INT(cogen_getstate(f), COGEN_CLOSED);
    CHECK_EQ_INT(cogen_getstate(m), COGEN_CLOSED);
    CHECK_EQ_INT(cogen_getstate(c), COGEN_CLOSED);
    CHECK_EQ_INT(cogen_pipe_error(p)->code, 0);
    cogen_pipe_free(p);
    cogen_strlist_free(&got);
}

static void *drop_x(void *item, void *ud)
{
    const cogen_str *l = item;
    (void)ud;
    return l->len == 1 && l->ptr[0] == 'x' ? NULL : item;
}

TEST(map_null_drops)
{
    cogen_pipe *p = cogen_pipe_new();
    cogen_strlist got = {0};
    cogen *c = cogen_pipe_collect(p, NULL, &got);
    cogen *m = cogen_pipe_map(p, NULL, drop_x, NULL, c);
    CHECK_STR(cogen_name(m), "map");
    CHECK_STR(cogen_name(c), "collect");
    feed(p, "a\nx\nb\nx", m);
    const char *want[] = {"a", "b"};
    check_lines(&got, want, 2);
    cogen_pipe_free(p);
    cogen_strlist_free(&got);
}

TEST(grep_push)
{
    cogen_pipe *p = cogen_pipe_new();
    cogen_strlist got = {0};
    cogen *c = cogen_pipe_collect(p, NULL, &got);
    cogen *g = cogen_pipe_grep(p, "grep", "py", c);
    feed(p, "python\nperl\nhappy\npy", g);
    const char *want[] = {"python", "happy", "py"};
    check_lines(&got, want, 3);
    cogen_pipe_free(p);
    cogen_strlist_free(&got);
}

/* The course's fan-out/fan-in example: broadcast([grep("a", p), grep("b", p)]) with one shared
 * printer, fed "ab", "c", "b", prints "ab" twice and "b" once. */
TEST(fanout_shared_printer)
{
    char *out = NULL;
    size_t outlen = 0;
    FILE *f = open_memstream(&out, &outlen);
    CHECK(f);
    cogen_pipe *p = cogen_pipe_new();
    cogen *pr = cogen_pipe_printer(p, "printer", f);
    cogen *gs[2] = {cogen_pipe_grep(p, "grep a", "a", pr), cogen_pipe_grep(p, "grep b", "b", pr)};
    cogen *b = cogen_pipe_broadcast(p, "broadcast", gs, 2);
    CHECK(pr && gs[0] && gs[1] && b);
    const char *items[] = {"ab", "c", "b"};
    for (int i = 0; i < 3; i++) {
        cogen_str l = {items[i], strlen(items[i])};
        CHECK_EQ_INT(cogen_send(b, &l, NULL), COGEN_YIELDED);
    }
    CHECK_EQ_INT(cogen_close(b), 0);
    CHECK_EQ_INT(cogen_getstate(pr), COGEN_CLOSED);
    fclose(f);
    CHECK_STR(out, "ab\nab\nb\n");
    free(out);
    cogen_pipe_free(p);
}

TEST(broadcast_close_order)
{
    cogen_pipe *p = cogen_pipe_new();
    logsink a = {"A"}, b = {"B"}, c = {"C"};
    cogen *t[3] = {cogen_pipe_sink(p, "A", log_item, log_done, &a),
                   cogen_pipe_sink(p, "B", log_item, log_done, &b),
                   cogen_pipe_sink(p, "C", log_item, log_done, &c)};
    cogen *bc = cogen_pipe_broadcast(p, NULL, t, 3);
    CHECK(bc);
    CHECK_EQ_INT(feed(p, "1\n2", bc), 2);
    CHECK_STR(tlog, "A:1 B:1 C:1 A:2 B:2 C:2 A:done B:done C:done ");
    cogen_pipe_free(p);
}

/* Closing the head: every stage flushes what it holds, in order down the
 * chain, before the stages below it are closed. */
TEST(close_flushes_in_order)
{
    cogen_pipe *p = cogen_pipe_new();
    logsink s = {"S"}, m = {"M"};
    cogen *sink = cogen_pipe_sink(p, "sink", log_item, log_done, &s);
    cogen *unb2 = cogen_pipe_unbatch(p, "unbatch2", sink);
    cogen *b2 = cogen_pipe_batch(p, "batch3", 3, cogen_str_dup, cogen_str_release, NULL, unb2);
    cogen *mid = cogen_pipe_sink(p, "mid", log_item, log_done, &m);
    cogen *t[2] = {mid, b2};
    cogen *bc = cogen_pipe_broadcast(p, "bc", t, 2);
    cogen *unb1 = cogen_pipe_unbatch(p, "unbatch1", bc);
    cogen *b1 = cogen_pipe_batch(p, "batch2", 2, cogen_str_dup, cogen_str_release, NULL, unb1);
    CHECK(b1);
    /* 5 lines: batch2 sends [1 2], [3 4]; batch3 sends [1 2 3]; on close
     * batch2 flushes [5], then batch3 flushes [4 5], then the sink is done. */
    CHECK_EQ_INT(feed(p, "1\n2\n3\n4\n5\n", b1), 5);
    CHECK_STR(tlog, "M:1 M:2 M:3 S:1 S:2 S:3 M:4 M:5 M:done S:4 S:5 S:done ");
    cogen_pipe_free(p);
}

static void count_batches(void *item, void *ud)
{
    const cogen_batch *b = item;
    tlogf("[%zu]", b->n);
    (void)ud;
}

TEST(source_batches)
{
    cogen_pipe *p = cogen_pipe_new();
    cogen *s = cogen_pipe_sink(p, "sizes", count_batches, NULL, NULL);
    cogen_source_opts o = {0};
    o.batch = 4;
    CHECK_EQ_INT(cogen_pipe_feed_mem(p, "a\nb\nc\nd\ne\nf\ng\nh\ni\nj", 19, s, &o), 10);
    CHECK_STR(tlog, "[4][4][2]");
    cogen_pipe_free(p);

    /* The batched lines and the unbatched ones are the same lines. */
    p = cogen_pipe_new();
    cogen_strlist got = {0};
    cogen *c = cogen_pipe_collect(p, NULL, &got);
    cogen *u = cogen_pipe_unbatch(p, NULL, c);
    o.batch = 3;
    CHECK_EQ_INT(cogen_pipe_feed_mem(p, "a\nbb\n\nccc\nd\r\n", 13, u, &o), 5);
    const char *want[] = {"a", "bb", "", "ccc", "d"};
    check_lines(&got, want, 5);
    cogen_pipe_free(p);
    cogen_strlist_free(&got);
}

/* A batch without a copy function holds the pointers it was given. */
TEST(batch_without_copy)
{
    cogen_pipe *p = cogen_pipe_new();
    cogen *s = cogen_pipe_sink(p, NULL, count_batches, NULL, NULL);
    cogen *b = cogen_pipe_batch(p, NULL, 3, NULL, NULL, NULL, s);
    int v[7];
    for (int i = 0; i < 7; i++)
        CHECK_EQ_INT(cogen_send(b, &v[i], NULL), COGEN_YIELDED);
    CHECK_STR(tlog, "[3][3]");
    CHECK_EQ_INT(cogen_close(b), 0);
    CHECK_STR(tlog, "[3][3][1]");
    cogen_pipe_free(p);
}

/* ---- fan-in */

typedef struct counter {
    int items, exits;
} counter;

static void *counting_body(cogen *self, void *arg)
{
    counter *c = arg;
    for (;;) {
        int r = cogen_yield(self, NULL, NULL);
        if (r == COGEN_EXIT) {
            c->exits++;
            return NULL;
        }
        c->items++;
    }
}

TEST(fanin_closes_target_once)
{
    counter cnt = {0, 0};
    cogen_opts o = {0, "target", COGEN_PRIMED};
    cogen *t = cogen_new(counting_body, &cnt, &o);
    cogen_pipe *p = cogen_pipe_new();
    cogen *ports[3];
    CHECK(cogen_pipe_fanin(p, "merge", t, 3, ports) == ports[0]);
    CHECK_STR(cogen_name(ports[2]), "merge[2]");
    int x;
    CHECK_EQ_INT(cogen_send(ports[0], &x, NULL), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_close(ports[0]), 0);
    CHECK_EQ_INT(cogen_close(ports[0]), 0); /* again: still counted once */
    CHECK_EQ_INT(cogen_getstate(t), COGEN_SUSPENDED);
    CHECK_EQ_INT(cogen_send(ports[1], &x, NULL), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_send(ports[2], &x, NULL), COGEN_YIELDED);
    CHECK_EQ_INT(cogen_close(ports[2]), 0);
    CHECK_EQ_INT(cogen_getstate(t), COGEN_SUSPENDED);
    CHECK_EQ_INT(cogen_close(ports[1]), 0);
    CHECK_EQ_INT(cogen_getstate(t), COGEN_CLOSED);
    CHECK_EQ_INT(cnt.items, 3);
    CHECK_EQ_INT(cnt.exits, 1);
    cogen_pipe_free(p);
    cogen_free(t);
}

/* Two sources fed into one collector through fan-in: the collector gets
 * both streams and is closed (flushed) after the second source ends. */
TEST(fanin_two_sources)
{
    cogen_pipe *p = cogen_pipe_new();
    logsink s = {"S"};
    cogen *sink = cogen_pipe_sink(p, "sink", log_item, log_done, &s);
    cogen *ports[2];
    CHECK(cogen_pipe_fanin(p, NULL, sink, 2, ports));
    CHECK_EQ_INT(feed(p, "a\nb\n", ports[0]), 2);
    CHECK_STR(tlog, "S:a S:b ");
    CHECK_EQ_INT(feed(p, "c", ports[1]), 1);
    CHECK_STR(tlog, "S:a S:b S:c S:done ");
    cogen_pipe_free(p);
}

/* ---- errors */

static void *parse_or_fail(void *item, void *ud)
{
    const cogen_str *l = item;
    (void)ud;
    if (l->len == 3 && memcmp(l->ptr, "bad", 3) == 0)
        cogen_raise(cogen_current(), 42, "cannot parse '%.*s'", (int)l->len, l->ptr);
    return item;
}

TEST(error_names_stage_and_sink_keeps)
{
    cogen_pipe *p = cogen_pipe_new();
    cogen_strlist got = {0};
    logsink side = {"side"};
    cogen *c = cogen_pipe_collect(p, "collect", &got);
    cogen *parser = cogen_pipe_map(p, "parser", parse_or_fail, NULL, c);
    cogen *other = cogen_pipe_sink(p, "side", log_item, log_done, &side);
    cogen *t[2] = {other, parser};
    cogen *bc = cogen_pipe_broadcast(p, "fanout", t, 2);
    cogen *g = cogen_pipe_grep(p, "grep", "", bc);
    CHECK_EQ_INT(feed(p, "ok1\nbad\nok2\n", g), COGEN_ERROR);
    const cogen_err *e = cogen_pipe_error(p);
    CHECK_EQ_INT(e->code, 42);
    CHECK_STR(e->where, "parser");
    CHECK_STR(e->msg, "cannot parse 'bad'");
    /* The stages upstream ended with the same error; their own `where`. */
    CHECK_EQ_INT(cogen_last_error(g)->code, 42);
    CHECK_STR(cogen_last_error(g)->msg, "cannot parse 'bad'");
    CHECK_EQ_INT(cogen_getstate(g), COGEN_CLOSED);
    CHECK_EQ_INT(cogen_getstate(bc), COGEN_CLOSED);
    /* Downstream of the failure: closed, and kept what they received. */
    CHECK_EQ_INT(cogen_getstate(c), COGEN_CLOSED);
    const char *want[] = {"ok1"};
    check_lines(&got, want, 1);
    CHECK_STR(tlog, "side:ok1 side:bad side:done ");
    cogen_pipe_free(p);
    cogen_strlist_free(&got);
}

static void failing_sink(void *item, void *ud)
{
    const cogen_str *l = item;
    (void)ud;
    if (l->len && l->ptr[0] == '!')
        cogen_raise(cogen_current(), 7, "sink refused");
}

TEST(error_in_sink_named)
{
    cogen_pipe *p = cogen_pipe_new();
    cogen *s = cogen_pipe_sink(p, "store", failing_sink, NULL, NULL);
    cogen *u = cogen_pipe_unbatch(p, "unbatch", s);
    cogen *b = cogen_pipe_batch(p, "batch", 2, cogen_str_dup, cogen_str_release, NULL, u);
    /* The failing line is held by the batch until the close flushes it. */
    CHECK_EQ_INT(feed(p, "a\nb\n!c\n", b), COGEN_ERROR);
    CHECK_EQ_INT(cogen_pipe_error(p)->code, 7);
    CHECK_STR(cogen_pipe_error(p)->where, "store");
    CHECK_EQ_INT(cogen_getstate(b), COGEN_CLOSED);
    cogen_pipe_free(p);
}

static void *stopper_body(cogen *self, void *arg)
{
    (void)arg;
    cogen_yield(self, NULL, NULL);
    return NULL; /* ends after one item */
}

TEST(send_to_ended_target_is_epipe)
{
    cogen_opts o = {0, "one-shot", COGEN_PRIMED};
    cogen *t = cogen_new(stopper_body, NULL, &o);
    cogen_pipe *p = cogen_pipe_new();
    cogen *f = cogen_pipe_grep(p, "g", "", t);
    CHECK_EQ_INT(feed(p, "1\n2\n3\n", f), COGEN_ERROR);
    CHECK_EQ_INT(cogen_pipe_error(p)->code, COGEN_EPIPE);
    CHECK_STR(cogen_pipe_error(p)->where, "g");
    cogen_pipe_clear_error(p);
    CHECK_EQ_INT(cogen_pipe_error(p)->code, 0);
    cogen_pipe_free(p);
    cogen_free(t);
}

TEST(thrown_error_ends_stage)
{
    cogen_pipe *p = cogen_pipe_new();
    logsink s = {"S"};
    cogen *sink = cogen_pipe_sink(p, "sink", log_item, log_done, &s);
    cogen *g = cogen_pipe_grep(p, "g", "", sink);
    CHECK_EQ_INT(cogen_throw(g, 5, "boom", NULL), COGEN_ERROR);
    CHECK_EQ_INT(cogen_last_error(g)->code, 5);
    CHECK_EQ_INT(cogen_pipe_error(p)->code, 5);
    CHECK_EQ_INT(cogen_getstate(sink), COGEN_CLOSED); /* downstream closed */
    CHECK_STR(tlog, "S:done ");
    cogen_pipe_free(p);
}

/* A user stage in the middle passing items on with cogen_pipe_send. */
typedef struct user_stage {
    cogen_pipe *p;
    cogen *target;
} user_stage;

static void *user_body(cogen *self, void *arg)
{
    user_stage *u = arg;
    void *item;
    while (cogen_yield(self, NULL, &item) == COGEN_SENT) {
        CHECK_EQ_INT(cogen_pipe_send(u->p, self, u->target, item), 0);
        CHECK_EQ_INT(cogen_pipe_send(u->p, self, u->target, item), 0);
    }
    cogen_close(u->target);
    return NULL;
}

TEST(user_stage_pipe_send)
{
    cogen_pipe *p = cogen_pipe_new();
    cogen_strlist got = {0};
    cogen *c = cogen_pipe_collect(p, NULL, &got);
    cogen *parser = cogen_pipe_map(p, "parser", parse_or_fail, NULL, c);
    user_stage u = {p, parser};
    cogen_opts o = {0, "twice", COGEN_PRIMED};
    cogen *tw = cogen_new(user_body, &u, &o);
    CHECK_EQ_INT(cogen_pipe_send(p, tw, parser, NULL), COGEN_ERROR); /* not from its body */
    CHECK_EQ_INT(feed(p, "x\nbad\ny\n", tw), COGEN_ERROR);
    CHECK_STR(cogen_pipe_error(p)->where, "parser");
    CHECK_STR(cogen_last_error(tw)->where, "twice");
    CHECK_EQ_INT(cogen_last_error(tw)->code, 42);
    const char *want[] = {"x", "x"};
    check_lines(&got, want, 2);
    cogen_free(tw);
    cogen_pipe_free(p);
    cogen_strlist_free(&got);
}

/* Freeing the pipe closes stages that are still open, newest first, so a
 * batch flushes into its (older) targets. */
TEST(pipe_free_flushes)
{
    cogen_pipe *p = cogen_pipe_new();
    logsink s = {"S"};
    cogen *sink = cogen_pipe_sink(p, "sink", log_item, log_done, &s);
    cogen *u = cogen_pipe_unbatch(p, NULL, sink);
    cogen *b = cogen_pipe_batch(p, NULL, 10, cogen_str_dup, cogen_str_release, NULL, u);
    cogen_source_opts o = {0};
    o.flags = COGEN_SRC_KEEP_OPEN;
    CHECK_EQ_INT(cogen_pipe_feed_mem(p, "a\nb", 3, b, &o), 2);
    CHECK_STR(tlog, "");
    CHECK_EQ_INT(cogen_getstate(b), COGEN_SUSPENDED);
    cogen_pipe_free(p);
    CHECK_STR(tlog, "S:a S:b S:done ");
}

/* ---- sources: edge cases */

TEST(empty_input)
{
    cogen_pipe *p = cogen_pipe_new();
    logsink s = {"S"};
    cogen *sink = cogen_pipe_sink(p, "sink", log_item, log_done, &s);
    CHECK_EQ_INT(cogen_pipe_feed_mem(p, "", 0, sink, NULL), 0);
    CHECK_STR(tlog, "S:done ");
    cogen_pipe_free(p);

    p = cogen_pipe_new();
    int fd = temp_fd("", 0);
    cogen_strlist got = {0};
    cogen *c = cogen_pipe_collect(p, NULL, &got);
    CHECK_EQ_INT(cogen_pipe_feed_fd(p, fd, c, NULL), 0);
    CHECK_EQ_INT(got.n, 0);
    CHECK_EQ_INT(cogen_getstate(c), COGEN_CLOSED);
    close(fd);
    cogen *l = cogen_pipe_lines(p, NULL, fd = temp_fd("", 0), NULL);
    int n = 0;
    COGEN_PIPE_FOREACH(p, it, l)
    {
        (void)it;
        n++;
    }
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(cogen_pipe_error(p)->code, 0);
    close(fd);
    cogen_pipe_free(p);
}

static void collect_fd(const char *data, size_t len, size_t bufsize, cogen_strlist *got)
{
    cogen_pipe *p = cogen_pipe_new();
    int fd = temp_fd(data, len);
    cogen *c = cogen_pipe_collect(p, NULL, got);
    cogen_source_opts o = {0};
    o.bufsize = bufsize;
    CHECK(cogen_pipe_feed_fd(p, fd, c, &o) >= 0);
    close(fd);
    cogen_pipe_free(p);
}

TEST(no_trailing_newline)
{
    cogen_strlist got = {0};
    collect_fd("a\nbc", 4, 0, &got);
    const char *w1[] = {"a", "bc"};
    check_lines(&got, w1, 2);
    cogen_strlist_free(&got);
    collect_fd("a\nbc\n", 5, 0, &got);
    check_lines(&got, w1, 2);
    cogen_strlist_free(&got);
    collect_fd("\n", 1, 0, &got);
    const char *w2[] = {""};
    check_lines(&got, w2, 1);
    cogen_strlist_free(&got);
    collect_fd("last", 4, 2, &got); /* tail longer than the buffer */
    const char *w3[] = {"last"};
    check_lines(&got, w3, 1);
    cogen_strlist_free(&got);
}

TEST(crlf)
{
    cogen_strlist got = {0};
    const char *in = "a\r\nb\r\n\r\nc\rd\ne\r";
    collect_fd(in, strlen(in), 3, &got);
    const char *want[] = {"a", "b", "", "c\rd", "e"};
    check_lines(&got, want, 5);
    cogen_strlist_free(&got);
}

TEST(lines_longer_than_buffer)
{
    size_t big = 300000;
    char *data = malloc(2 * big + 10);
    size_t n = 0;
    for (size_t i = 0; i < big; i++)
        data[n++] = (char)('a' + i % 26);
    data[n++] = '\n';
    data[n++] = 'x';
    data[n++] = '\n';
    for (size_t i = 0; i < big; i++)
        data[n++] = (char)('0' + i % 10);
    cogen_strlist got = {0};
    collect_fd(data, n, 16, &got);
    CHECK_EQ_INT(got.n, 3);
    CHECK_EQ_INT(got.v[0].len, big);
    CHECK(memcmp(got.v[0].ptr, data, big) == 0);
    CHECK_EQ_INT(got.v[1].len, 1);
    CHECK_EQ_INT(got.v[2].len, big);
    CHECK(memcmp(got.v[2].ptr, data + big + 3, big) == 0);
    cogen_strlist_free(&got);
    free(data);
}

TEST(binary_garbage)
{
    /* Pseudo-random bytes, NULs and high bytes included: lines are cut at
     * '\n' only and every other byte comes through unchanged. */
    size_t n = 100000;
    unsigned char *data = malloc(n);
    uint32_t x = 12345;
    size_t newlines = 0;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        data[i] = (unsigned char)(x >> 24);
        newlines += data[i] == '\n';
    }
    data[n - 1] = 'z';
    cogen_strlist got = {0};
    collect_fd((const char *)data, n, 64, &got);
    CHECK_EQ_INT(got.n, newlines + 1);
    /* Reassemble: line bytes + the removed "\n" / "\r\n" give the input. */
    size_t pos = 0;
    for (size_t i = 0; i < got.n; i++) {
        CHECK(memcmp(data + pos, got.v[i].ptr, got.v[i].len) == 0);
        pos += got.v[i].len;
        if (pos < n && data[pos] == '\r')
            pos++;
        if (i + 1 < got.n) {
            CHECK_EQ_INT(data[pos], '\n');
            pos++;
        }
    }
    CHECK_EQ_INT(pos, n);
    cogen_strlist_free(&got);
    free(data);
}

TEST(read_error_is_eio)
{
    cogen_pipe *p = cogen_pipe_new();
    logsink s = {"S"};
    cogen *sink = cogen_pipe_sink(p, "sink", log_item, log_done, &s);
    int fd = open("/dev/null", O_WRONLY);
    CHECK(fd >= 0);
    cogen_source_opts o = {0};
    o.name = "access.log";
    CHECK_EQ_INT(cogen_pipe_feed_fd(p, fd, sink, &o), COGEN_ERROR);
    CHECK_EQ_INT(cogen_pipe_error(p)->code, COGEN_EIO);
    CHECK_STR(cogen_pipe_error(p)->where, "access.log");
    CHECK_STR(tlog, "S:done "); /* the pipeline was stopped (closed) */
    close(fd);
    cogen_pipe_free(p);
}

TEST(max_lines)
{
    cogen_pipe *p = cogen_pipe_new();
    cogen_strlist got = {0};
    cogen *c = cogen_pipe_collect(p, NULL, &got);
    cogen_source_opts o = {0};
    o.max_lines = 2;
    CHECK_EQ_INT(cogen_pipe_feed_mem(p, "a\nb\nc\n", 6, c, &o), 2);
    const char *want[] = {"a", "b"};
    check_lines(&got, want, 2);
    cogen_pipe_free(p);
    cogen_strlist_free(&got);
}

TEST(invalid_arguments)
{
    cogen_pipe *p = cogen_pipe_new();
    errno = 0;
    CHECK(cogen_pipe_filter(p, NULL, NULL, NULL, NULL) == NULL);
    CHECK_EQ_INT(errno, EINVAL);
    CHECK(cogen_pipe_grep(NULL, NULL, "x", NULL) == NULL);
    cogen *ports[1];
    CHECK(cogen_pipe_fanin(p, NULL, NULL, 1, ports) == NULL);
    CHECK(cogen_pipe_broadcast(p, NULL, ports, 0) == NULL);
    CHECK(cogen_pipe_batch(p, NULL, 0, NULL, NULL, NULL, NULL) == NULL);
    CHECK(cogen_pipe_lines(p, NULL, -1, NULL) == NULL);
    CHECK_EQ_INT(cogen_pipe_feed_fd(p, -1, NULL, NULL), COGEN_ERROR);
    CHECK_EQ_INT(cogen_pipe_error(p)->code, COGEN_EINVAL);
    cogen_pipe_free(p);
    cogen_pipe_free(NULL);
}

/* ---- follow */

/* A child appends lines to path, slowly, the last one in two pieces. */
static pid_t slow_writer(const char *path)
{
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        int fd = open(path, O_WRONLY | O_APPEND);
        const char *parts[] = {"two\n", "three\nfo", "ur\n", "five"};
        for (int i = 0; i < 4; i++) {
            usleep(30000);
            if (write(fd, parts[i], strlen(parts[i])) < 0)
                _exit(1);
        }
        _exit(0);
    }
    return pid;
}

TEST(follow_push)
{
    char path[] = "/tmp/cogen_follow_XXXXXX";
    int wfd = mkstemp(path);
    CHECK(wfd >= 0);
    CHECK(write(wfd, "one\n", 4) == 4);
    close(wfd);
    int fd = open(path, O_RDONLY);
    pid_t pid = slow_writer(path);
    cogen_pipe *p = cogen_pipe_new();
    cogen_strlist got = {0};
    cogen *c = cogen_pipe_collect(p, NULL, &got);
    cogen_source_opts o = {0};
    o.flags = COGEN_SRC_FOLLOW;
    o.poll_ms = 5;
    o.idle_ms = 400; /* stop once the writer has been quiet that long */
    o.batch = 8;
    cogen *u = cogen_pipe_unbatch(p, NULL, c);
    CHECK_EQ_INT(cogen_pipe_feed_fd(p, fd, u, &o), 5);
    int st;
    waitpid(pid, &st, 0);
    const char *want[] = {"one", "two", "three", "four", "five"};
    check_lines(&got, want, 5);
    close(fd);
    unlink(path);
    cogen_pipe_free(p);
    cogen_strlist_free(&got);
}

static volatile sig_atomic_t stop_flag;

TEST(follow_pull_stop_flag)
{
    char path[] = "/tmp/cogen_follow_XXXXXX";
    int wfd = mkstemp(path);
    CHECK(wfd >= 0);
    close(wfd);
    int fd = open(path, O_RDONLY);
    pid_t pid = slow_writer(path);
    cogen_pipe *p = cogen_pipe_new();
    cogen_source_opts o = {0};
    o.flags = COGEN_SRC_FOLLOW;
    o.poll_ms = 5;
    o.stop = &stop_flag;
    cogen *l = cogen_pipe_lines(p, "tail", fd, &o);
    cogen *g = cogen_pipe_pull_grep(p, "grep", "o", l);
    int n = 0;
    COGEN_PIPE_FOREACH(p, it, g)
    {
        const cogen_str *s = it;
        tlogf("%.*s ", (int)s->len, s->ptr);
        if (++n == 2)
            stop_flag = 1; /* then the source stops at its next wait */
    }
    CHECK_STR(tlog, "two four ");
    int st;
    waitpid(pid, &st, 0);
    close(fd);
    unlink(path);
    cogen_pipe_free(p);
}

/* ---- pull stages */

static int not_b(void *item, void *ud)
{
    const cogen_str *l = item;
    (void)ud;
    return !(l->len && l->ptr[0] == 'b');
}

static void *length_of(void *item, void *ud)
{
    size_t *len = ud;
    *len = ((const cogen_str *)item)->len;
    return len;
}

TEST(pull_chain)
{
    const char *in = "apple\nbanana\navocado\nberry\napricot";
    int fd = temp_fd(in, strlen(in));
    cogen_pipe *p = cogen_pipe_new();
    size_t len;
    cogen *l = cogen_pipe_lines(p, "lines", fd, NULL);
    cogen *f = cogen_pipe_pull_filter(p, "not b", not_b, NULL, l);
    cogen *g = cogen_pipe_pull_grep(p, "grep", "p", f);
    cogen *m = cogen_pipe_pull_map(p, "len", length_of, &len, g);
    CHECK_EQ_INT(cogen_getstate(m), COGEN_CREATED);
    COGEN_PIPE_FOREACH(p, it, m)
    {
        tlogf("%zu ", *(size_t *)it);
    }
    CHECK_STR(tlog, "5 7 ");
    CHECK_EQ_INT(cogen_pipe_error(p)->code, 0);
    for (cogen *x = l; x; x = x == l ? f : x == f ? g : x == g ? m : NULL)
        CHECK_EQ_INT(cogen_getstate(x), COGEN_CLOSED);
    close(fd);
    cogen_pipe_free(p);
}

TEST(pull_close_closes_upstream)
{
    const char *in = "a\nb\nc\nd\n";
    int fd = temp_fd(in, strlen(in));
    cogen_pipe *p = cogen_pipe_new();
    cogen *l = cogen_pipe_lines(p, NULL, fd, NULL);
    cogen *g = cogen_pipe_pull_grep(p, NULL, "", l);
    void *it;
    CHECK_EQ_INT(cogen_pipe_next(p, g, &it), 1);
    CHECK_EQ_INT(((const cogen_str *)it)->ptr[0], 'a');
    CHECK_EQ_INT(cogen_pipe_next(p, g, &it), 1);
    CHECK_EQ_INT(cogen_getstate(l), COGEN_SUSPENDED);
    CHECK_EQ_INT(cogen_close(g), 0);
    CHECK_EQ_INT(cogen_getstate(l), COGEN_CLOSED);
    CHECK_EQ_INT(cogen_pipe_next(p, g, &it), 0);
    CHECK(it == NULL);
    close(fd);
    cogen_pipe_free(p);
}

TEST(pull_error_named)
{
    const char *in = "ok\nbad\nnever\n";
    int fd = temp_fd(in, strlen(in));
    cogen_pipe *p = cogen_pipe_new();
    cogen *l = cogen_pipe_lines(p, "lines", fd, NULL);
    cogen *m = cogen_pipe_pull_map(p, "parser", parse_or_fail, NULL, l);
    cogen *g = cogen_pipe_pull_grep(p, "grep", "", m);
    int n = 0;
    COGEN_PIPE_FOREACH(p, it, g)
    {
        (void)it;
        n++;
    }
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(cogen_pipe_error(p)->code, 42);
    CHECK_STR(cogen_pipe_error(p)->where, "parser");
    CHECK_EQ_INT(cogen_getstate(l), COGEN_CLOSED); /* closed by the failing stage */
    close(fd);
    cogen_pipe_free(p);
}

TEST(pull_long_lines_crlf_binary)
{
    size_t big = 100000;
    char *data = malloc(big + 16);
    memset(data, '\0', big);
    memcpy(data + big, "\r\nq\xff\r\n", 6);
    int fd = temp_fd(data, big + 6);
    cogen_pipe *p = cogen_pipe_new();
    cogen_source_opts o = {0};
    o.bufsize = 7;
    cogen *l = cogen_pipe_lines(p, NULL, fd, &o);
    void *it;
    CHECK_EQ_INT(cogen_pipe_next(p, l, &it), 1);
    CHECK_EQ_INT(((const cogen_str *)it)->len, big);
    CHECK_EQ_INT(cogen_pipe_next(p, l, &it), 1);
    CHECK_EQ_INT(((const cogen_str *)it)->len, 2);
    CHECK(memcmp(((const cogen_str *)it)->ptr, "q\xff", 2) == 0);
    CHECK_EQ_INT(cogen_pipe_next(p, l, &it), 0);
    close(fd);
    cogen_pipe_free(p);
    free(data);
}

/* Every allocation the core makes while stages are created fails in turn:
 * the constructor returns NULL with ENOMEM, a half-made fan-in is undone,
 * and the pipe stays usable (and leak-free under ASan). */
TEST(constructors_fail_cleanly)
{
    for (long k = 0; k < 200; k++) {
        tlog[0] = '\0';
        cogen_pipe *p = cogen_pipe_new();
        logsink s = {"S"};
        cogen *sink = cogen_pipe_sink(p, "sink", log_item, log_done, &s);
        CHECK(sink);
        cogen *ports[3];
        errno = 0;
        cogen__fail_after(k);
        cogen *r = cogen_pipe_fanin(p, "in", sink, 3, ports);
        cogen *b = r ? cogen_pipe_grep(p, "g", "", ports[0]) : NULL;
        long failed = cogen__fail_count();
        cogen__fail_after(-1);
        if (!r || !b) {
            CHECK(failed > 0);
            CHECK_EQ_INT(errno, ENOMEM);
        }
        if (!r) {
            CHECK_EQ_INT(feed(p, "x\ny\nz", sink), 3);
        } else {
            cogen_source_opts o = {0};
            o.flags = COGEN_SRC_KEEP_OPEN;
            CHECK_EQ_INT(cogen_pipe_feed_mem(p, "x\ny\nz", 5, b ? b : ports[0], &o), 3);
            CHECK_EQ_INT(cogen_close(b ? b : ports[0]), 0);
            CHECK_EQ_INT(cogen_close(ports[1]), 0);
            CHECK_STR(tlog, "S:x S:y S:z "); /* not done: a port is open */
            CHECK_EQ_INT(cogen_close(ports[2]), 0);
        }
        CHECK_STR(tlog, "S:x S:y S:z S:done ");
        cogen_pipe_free(p);
        if (failed == 0)
            return; /* walked past the last failure point */
    }
    CHECK(0 && "too many failure points");
}

/* ---- every failure point of the layer, walked
 *
 * walk() (tests/walk.h) runs a scenario with the k-th fallible operation
 * from its start made to fail (an allocation, a read or a write of this
 * layer or of the core below it), for k = 0, 1, ... until a run meets no
 * injected failure.
 * Each run must end in one of two ways: the complete, right result (a
 * failure the library may absorb, such as a stack pool that cannot grow),
 * or a clean error: the right code, recorded in the pipe, nothing leaked
 * (ASan and valgrind run this too) and the pipe freed normally. A run with
 * no failure must give the complete result. walk() returns how many
 * failure points it walked. */

static bool is_injected_code(int code)
{
    return code == COGEN_ENOMEM || code == COGEN_EIO;
}

/* A constructor returned NULL: it must say ENOMEM, and the pipe must still
 * free cleanly. */
static outcome constructor_failed(cogen_pipe *p)
{
    CHECK_EQ_INT(errno, ENOMEM);
    cogen_pipe_free(p);
    return FAILED_CLEANLY;
}

/* A run reported an error: the pipe names it, with an injected code. */
static outcome run_failed(cogen_pipe *p)
{
    CHECK(is_injected_code(cogen_pipe_error(p)->code));
    CHECK(cogen_pipe_error(p)->msg[0] != '\0');
    cogen_pipe_free(p);
    return FAILED_CLEANLY;
}

static void *identity(void *item, void *ud)
{
    (void)ud;
    return item;
}

/* Every push stage kind in one pipeline, fed from memory in batches of 3:
 * unbatch -> batch(copying, by 2) -> unbatch -> map -> filter (not_b) -> grep -> fan-in port 0 ->
 * broadcast -> {collect, printer, sink}; port 1 is closed unused. */
static outcome push_everything(void)
{
    errno = 0;
    cogen_pipe *p = cogen_pipe_new();
    if (!p) {
        CHECK_EQ_INT(errno, ENOMEM);
        return FAILED_CLEANLY;
    }
    tlog[0] = '\0';
    cogen_strlist got = {0};
    logsink s = {"S"};
    char *printed = NULL;
    size_t printed_len = 0;
    FILE *f = open_memstream(&printed, &printed_len);
    CHECK(f);
    outcome o = RESULT_RIGHT;
    cogen *ports[2];
    cogen *c = cogen_pipe_collect(p, "collect", &got);
    cogen *pr = c ? cogen_pipe_printer(p, "printer", f) : NULL;
    cogen *sk = pr ? cogen_pipe_sink(p, "sink", log_item, log_done, &s) : NULL;
    cogen *outs[3] = {c, pr, sk};
    cogen *b = sk ? cogen_pipe_broadcast(p, "bcast", outs, 3) : NULL;
    cogen *in = b ? cogen_pipe_fanin(p, "in", b, 2, ports) : NULL;
    cogen *g = in ? cogen_pipe_grep(p, "grep", "a", in) : NULL;
    cogen *fl = g ? cogen_pipe_filter(p, "filter", not_b, NULL, g) : NULL;
    cogen *m = fl ? cogen_pipe_map(p, "map", identity, NULL, fl) : NULL;
    cogen *ub = m ? cogen_pipe_unbatch(p, "unbatch", m) : NULL;
    cogen *bt =
        ub ? cogen_pipe_batch(p, "batch", 2, cogen_str_dup, cogen_str_release, NULL, ub) : NULL;
    cogen *src = bt ? cogen_pipe_unbatch(p, "unbatch-source", bt) : NULL;
    if (!src) {
        o = constructor_failed(p);
    } else {
        cogen_source_opts so = {0};
        so.batch = 3;
        so.flags = COGEN_SRC_KEEP_OPEN;
        const char *in_text = "a1\nb\nxa2\nc\na3";
        long long n = cogen_pipe_feed_mem(p, in_text, strlen(in_text), src, &so);
        if (n < 0 || cogen_close(src) != 0 || cogen_close(ports[1]) != 0 ||
            cogen_pipe_error(p)->code != 0) {
            o = run_failed(p);
        } else {
            CHECK_EQ_INT(n, 5);
            const char *want[] = {"a1", "xa2", "a3"};
            check_lines(&got, want, 3);
            CHECK_STR(tlog, "S:a1 S:xa2 S:a3 S:done ");
            cogen_pipe_free(p);
        }
    }
    fclose(f);
    if (o == RESULT_RIGHT)
        CHECK(printed_len == 10 && memcmp(printed, "a1\nxa2\na3\n", 10) == 0);
    free(printed);
    cogen_strlist_free(&got);
    return o;
}

TEST(push_stages_walk_every_failure_point)
{
    long points = walk(push_everything);
    /* Every allocation of the stages above, the reader, the core's stacks
     * and cleanup lists, the printer's writes. Fewer means a fallible
     * operation stopped asking the failure injector. */
    CHECK(points >= 34);
}

/* Every pull stage kind, from a file read through a small buffer (so the
 * reader grows it): lines -> grep -> filter -> map. */
static outcome pull_everything(void)
{
    static const char text[] = "alpha\nb\nbeta\ngamma-a-long-line\nzzz\n";
    int fd = temp_fd(text, sizeof text - 1);
    errno = 0;
    outcome o = RESULT_RIGHT;
    cogen_pipe *p = cogen_pipe_new();
    if (!p) {
        CHECK_EQ_INT(errno, ENOMEM);
        close(fd);
        return FAILED_CLEANLY;
    }
    cogen_source_opts so = {0};
    so.bufsize = 4;
    cogen *l = cogen_pipe_lines(p, "lines", fd, &so);
    cogen *g = l ? cogen_pipe_pull_grep(p, "grep", "a", l) : NULL;
    cogen *fl = g ? cogen_pipe_pull_filter(p, "filter", not_b, NULL, g) : NULL;
    cogen *m = fl ? cogen_pipe_pull_map(p, "map", identity, NULL, fl) : NULL;
    if (!m) {
        o = constructor_failed(p);
    } else {
        char seen[128] = "";
        int rc;
        void *it;
        while ((rc = cogen_pipe_next(p, m, &it)) == 1) {
            const cogen_str *s = it;
            size_t at = strlen(seen);
            CHECK(at + s->len + 2 < sizeof seen);
            memcpy(seen + at, s->ptr, s->len);
            memcpy(seen + at + s->len, " ", 2);
        }
        if (rc != 0) {
            o = run_failed(p);
        } else {
            CHECK_STR(seen, "alpha gamma-a-long-line ");
            CHECK_EQ_INT(cogen_pipe_error(p)->code, 0);
            cogen_pipe_free(p);
        }
    }
    close(fd);
    return o;
}

TEST(pull_stages_walk_every_failure_point)
{
    CHECK(walk(pull_everything) >= 20);
}

/* A push source reading a file (reads, buffer growth, batch arrays) into a
 * sink. */
static outcome feed_fd_into_sink(void)
{
    static const char text[] = "one\ntwo-and-more\nthree";
    int fd = temp_fd(text, sizeof text - 1);
    errno = 0;
    outcome o = RESULT_RIGHT;
    tlog[0] = '\0';
    logsink s = {"S"};
    cogen_pipe *p = cogen_pipe_new();
    cogen *sk = p ? cogen_pipe_sink(p, "sink", log_item, log_done, &s) : NULL;
    cogen *ub = sk ? cogen_pipe_unbatch(p, "unbatch", sk) : NULL;
    if (!ub) {
        CHECK_EQ_INT(errno, ENOMEM);
        cogen_pipe_free(p);
        o = FAILED_CLEANLY;
    } else {
        cogen_source_opts so = {0};
        so.bufsize = 4;
        so.batch = 2;
        long long n = cogen_pipe_feed_fd(p, fd, ub, &so);
        if (n < 0) {
            o = run_failed(p);
        } else {
            CHECK_EQ_INT(n, 3);
            CHECK_STR(tlog, "S:one S:two-and-more S:three S:done ");
            cogen_pipe_free(p);
        }
    }
    close(fd);
    return o;
}

TEST(feed_fd_walks_every_failure_point)
{
    CHECK(walk(feed_fd_into_sink) >= 15);
}

/* walk() itself must be able to fail: a scenario that claims a failure
 * when none was injected is caught (in a child process, since CHECK
 * exits). */
static outcome reports_failure_without_one(void)
{
    return FAILED_CLEANLY;
}

static outcome does_nothing_fallible(void)
{
    return RESULT_RIGHT;
}

TEST(walk_rejects_a_failure_that_did_not_happen)
{
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        (void)walk(reports_failure_without_one);
        _exit(0);
    }
    int st;
    CHECK(waitpid(pid, &st, 0) == pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) != 0);
    CHECK_EQ_INT(walk(does_nothing_fallible), 0);
}
