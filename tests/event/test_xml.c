/* SPDX-License-Identifier: MIT */
/* expat sources: events pushed into coroutines and pulled from a
 * generator, joined text, errors with line and column, failing targets,
 * failure injection. */
#include <cogen.h>
#include <cogen/pipe.h>
#include <cogen/xml.h>

#include "harness.h"
#include "walk.h"
#include "shared.h"

#include <stdint.h>
#include <unistd.h>

/* Appends each event to a text log: "<name a=v>", "[text]", "</name>". */
typedef struct collector {
    char log[4096];
    size_t n;
    int events, fail_after; /* raise on the event after fail_after (0: never) */
} collector;

static void append(collector *c, const char *fmt, const char *a, const char *b)
{
    int k = snprintf(c->log + c->n, sizeof c->log - c->n, fmt, a, b);
    if (k > 0)
        c->n += (size_t)k < sizeof c->log - c->n ? (size_t)k : sizeof c->log - c->n - 1;
}

static void log_event(collector *c, const cogen_xml_event *ev)
{
    if (ev->kind == COGEN_XML_START) {
        append(c, "<%s%s", ev->name, "");
        for (const char **a = ev->attrs; *a; a += 2)
            append(c, " %s=%s", a[0], a[1]);
        append(c, "%s%s", ">", "");
    } else if (ev->kind == COGEN_XML_END) {
        append(c, "</%s>%s", ev->name, "");
    } else {
        CHECK(strlen(ev->text) == ev->len);
        append(c, "[%s]%s", ev->text, "");
    }
}

static void *collect_body(cogen *self, void *arg)
{
    collector *c = arg;
    void *item = NULL;
    while (cogen_yield(self, NULL, &item) == COGEN_SENT) {
        c->events++;
        if (c->fail_after && c->events > c->fail_after)
            cogen_raise(self, 42, "enough after %d events", c->fail_after);
        log_event(c, item);
    }
    return NULL;
}

/* The same, receiving batches through a cursor. */
static void *collect_batches_body(cogen *self, void *arg)
{
    collector *c = arg;
    cogen_xml_cursor cur = {NULL, 0};
    const cogen_xml_event *ev;
    while (cogen_xml_receive(self, &cur, &ev)) {
        c->events++;
        if (c->fail_after && c->events > c->fail_after)
            cogen_raise(self, 42, "enough after %d events", c->fail_after);
        log_event(c, ev);
    }
    return NULL;
}

static cogen *batch_collector_try(collector *c)
{
    memset(c, 0, sizeof *c);
    cogen_opts o = {0, "collector", COGEN_PRIMED};
    return cogen_new(collect_batches_body, c, &o);
}

static cogen *batch_collector_new(collector *c)
{
    cogen *g = batch_collector_try(c);
    CHECK(g);
    return g;
}

static cogen *collector_try(collector *c)
{
    memset(c, 0, sizeof *c);
    cogen_opts o = {0, "collector", COGEN_PRIMED};
    return cogen_new(collect_body, c, &o);
}

static cogen *collector_new(collector *c)
{
    cogen *g = collector_try(c);
    CHECK(g);
    return g;
}

static const char doc[] = "<?xml version=\"1.0\"?>\n"
                          "<buses>\n"
                          "  <bus id=\"7\" kind='a&amp;b'>\n"
                          "    <route>22</route>\n"
                          "    <stop>Clark &amp; Lake, <![CDATA[<north>]]> side</stop>\n"
                          "    <empty/>\n"
                          "  </bus>\n"
                          "</buses>\n";

static const char want[] =
    "<buses>[\n  ]<bus id=7 kind=a&b>[\n    ]<route>[22]</route>[\n    ]<stop>"
    "[Clark & Lake, <north> side]</stop>[\n    ]<empty></empty>[\n  ]</bus>[\n]</buses>";

static int temp_fd(const char *text, size_t len)
{
    char path[] = "/tmp/cogen-xml-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    unlink(path);
    CHECK(write(fd, text, len) == (ssize_t)len);
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    return fd;
}

TEST(xml_push_from_memory_joins_text)
{
    collector c;
    cogen *g = collector_new(&c);
    cogen_xml_error err;
    long long n = cogen_xml_feed_mem(doc, sizeof doc - 1, g, NULL, &err);
    CHECK_EQ_INT(err.code, 0);
    CHECK_EQ_INT(n, c.events);
    CHECK_STR(c.log, want);
    CHECK_EQ_INT(cogen_getstate(g), COGEN_CLOSED); /* closed at the end */
    cogen_free(g);
}

/* Read through buffers of 1 to 64 bytes, expat splits text anywhere: the
 * events are the same. */
TEST(xml_push_from_fd_any_buffer_size_same_events)
{
    for (size_t bs = 1; bs <= 64; bs = bs < 8 ? bs + 1 : bs * 2) {
        collector c;
        cogen *g = collector_new(&c);
        int fd = temp_fd(doc, sizeof doc - 1);
        cogen_xml_opts o = {"bus feed", bs, 0, 0, NULL};
        cogen_xml_error err;
        CHECK(cogen_xml_feed_fd(fd, g, &o, &err) > 0);
        close(fd);
        if (strcmp(c.log, want) != 0) {
            fprintf(stderr, "bufsize %zu: %s\n", bs, c.log);
            CHECK(0);
        }
        cogen_free(g);
    }
}

TEST(xml_failing_target_stops_the_parser)
{
    collector c;
    cogen *g = collector_new(&c);
    c.fail_after = 3;
    cogen_xml_error err;
    CHECK_EQ_INT(cogen_xml_feed_mem(doc, sizeof doc - 1, g, NULL, &err), COGEN_ERROR);
    CHECK_EQ_INT(err.code, 42);
    CHECK_STR(err.where, "collector");
    CHECK_STR(err.msg, "enough after 3 events");
    CHECK_EQ_INT(c.events, 4); /* nothing delivered after the failure */
    CHECK_EQ_INT(err.line, 0);
    /* a target that has ended: COGEN_EPIPE */
    CHECK_EQ_INT(cogen_xml_feed_mem(doc, sizeof doc - 1, g, NULL, &err), COGEN_ERROR);
    CHECK_EQ_INT(err.code, COGEN_EPIPE);
    cogen_free(g);
    CHECK_EQ_INT(cogen_xml_feed_mem(doc, 1, NULL, NULL, &err), COGEN_ERROR);
    CHECK_EQ_INT(err.code, COGEN_EINVAL);
    CHECK_EQ_INT(cogen_xml_feed_fd(-1, NULL, NULL, &err), COGEN_ERROR);
    CHECK_EQ_INT(err.code, COGEN_EINVAL);
}

/* Batches of any size give the same events, push and pull, and a target
 * failing in the middle of a batch stops the parse. */
TEST(xml_batches_give_the_same_events)
{
    for (size_t n = 1; n <= 64; n = n < 4 ? n + 1 : n * 4) {
        collector c;
        cogen *g = batch_collector_new(&c);
        int fd = temp_fd(doc, sizeof doc - 1);
        cogen_xml_opts o = {NULL, 7, 0, n, NULL};
        cogen_xml_error err;
        CHECK(cogen_xml_feed_fd(fd, g, &o, &err) == c.events);
        CHECK_STR(c.log, want);
        cogen_free(g);
        g = batch_collector_new(&c);
        CHECK(cogen_xml_feed_mem(doc, sizeof doc - 1, g, &o, &err) == c.events);
        CHECK_STR(c.log, want);
        cogen_free(g);
        memset(&c, 0, sizeof c);
        CHECK(lseek(fd, 0, SEEK_SET) == 0);
        cogen_xml_reader *r = cogen_xml_reader_fd(fd, &o);
        CHECK(r);
        const cogen_xml_event *ev;
        while (cogen_xml_next(r, &ev) == 1)
            log_event(&c, ev);
        CHECK_STR(c.log, want);
        CHECK_EQ_INT(cogen_xml_next(r, &ev), 0);
        cogen_xml_reader_free(r);
        close(fd);
        /* a failing target */
        g = batch_collector_new(&c);
        c.fail_after = 5;
        CHECK_EQ_INT(cogen_xml_feed_mem(doc, sizeof doc - 1, g, &o, &err), COGEN_ERROR);
        CHECK_EQ_INT(err.code, 42);
        CHECK_EQ_INT(c.events, 6);
        cogen_free(g);
        /* a malformed document: the events before the error are delivered */
        g = batch_collector_new(&c);
        CHECK_EQ_INT(cogen_xml_feed_mem("<a>\n <b>x</a>", 13, g, &o, &err), COGEN_ERROR);
        CHECK_EQ_INT(err.code, COGEN_ESYNTAX);
        CHECK_STR(c.log, "<a>[\n ]<b>");
        cogen_free(g);
    }
}

/* A stage deep in a pipe fails: with the pipe given, the error names that
 * stage, not the head that passed it on. */
static void fail_on_route(void *item, void *ud)
{
    const cogen_xml_event *ev = item;
    (void)ud;
    if (ev->kind == COGEN_XML_START && strcmp(ev->name, "route") == 0)
        cogen_raise(cogen_current(), 7, "no routes here");
}

TEST(xml_failing_pipe_stage_is_named)
{
    for (int with_pipe = 0; with_pipe < 2; with_pipe++) {
        cogen_pipe *p = cogen_pipe_new();
        CHECK(p);
        cogen *sink = cogen_pipe_sink(p, "route checker", fail_on_route, NULL, NULL);
        cogen *const targets[] = {sink};
        cogen *head = cogen_pipe_broadcast(p, "head", targets, 1);
        CHECK(sink && head);
        cogen_xml_opts o = {NULL, 0, 0, 0, with_pipe ? p : NULL};
        cogen_xml_error err;
        CHECK_EQ_INT(cogen_xml_feed_mem(doc, sizeof doc - 1, head, &o, &err), COGEN_ERROR);
        CHECK_EQ_INT(err.code, 7);
        CHECK_STR(err.msg, "no routes here");
        CHECK_STR(err.where, with_pipe ? "route checker" : "head");
        cogen_pipe_free(p);
    }
}

typedef struct bad_xml {
    const char *in;
    int code;
    unsigned long line, column;
    const char *events; /* delivered before the error */
} bad_xml;

static const bad_xml bad_docs[] = {
    {"<a>\n <b>x</a>", COGEN_ESYNTAX, 2, 8, "<a>[\n ]<b>"},
    {"<a>\n<b>text", COGEN_ETRUNCATED, 2, 8, "<a>[\n]<b>"},
    {"", COGEN_ETRUNCATED, 1, 1, ""},
    {"<a x='1' x='2'/>", COGEN_ESYNTAX, 1, 10, ""},
    {"<a>&nope;</a>", COGEN_ESYNTAX, 1, 4, "<a>"},
    {"<a></a><b/>", COGEN_ESYNTAX, 1, 8, "<a></a>"},
};

TEST(xml_malformed_and_truncated_documents_name_line_and_column)
{
    for (size_t i = 0; i < sizeof bad_docs / sizeof bad_docs[0]; i++) {
        const bad_xml *b = &bad_docs[i];
        for (int via_fd = 0; via_fd < 2; via_fd++) {
            collector c;
            cogen *g = collector_new(&c);
            cogen_xml_error err;
            long long r;
            if (via_fd) {
                int fd = temp_fd(b->in, strlen(b->in));
                cogen_xml_opts o = {NULL, 3, 0, 0, NULL};
                r = cogen_xml_feed_fd(fd, g, &o, &err);
                close(fd);
            } else {
                r = cogen_xml_feed_mem(b->in, strlen(b->in), g, NULL, &err);
            }
            if (r != COGEN_ERROR || err.code != b->code || err.line != b->line ||
                err.column != b->column || strcmp(c.log, b->events) != 0) {
                fprintf(stderr, "doc %zu fd %d: r %lld code %d line %lu col %lu msg %s log %s\n", i,
                        via_fd, r, err.code, err.line, err.column, err.msg, c.log);
                CHECK(0);
            }
            char prefix[64];
            snprintf(prefix, sizeof prefix, "line %lu, column %lu: ", b->line, b->column);
            CHECK(strncmp(err.msg, prefix, strlen(prefix)) == 0);
            CHECK_STR(err.where, "xml");
            CHECK_EQ_INT(cogen_getstate(g), COGEN_CLOSED);
            cogen_free(g);
        }
    }
}

static void pull_all(cogen_xml_reader *r, collector *c)
{
    const cogen_xml_event *ev;
    while (cogen_xml_next(r, &ev) == 1)
        log_event(c, ev);
}

TEST(xml_pull_yields_events_from_inside_callbacks)
{
    collector c;
    memset(&c, 0, sizeof c);
    cogen_xml_reader *r = cogen_xml_reader_mem(doc, sizeof doc - 1, NULL);
    CHECK(r);
    pull_all(r, &c);
    CHECK_STR(c.log, want);
    CHECK_EQ_INT(cogen_xml_reader_error(r)->code, 0);
    CHECK_EQ_INT(cogen_xml_next(r, NULL), 0); /* ended, and stays so */
    cogen_xml_reader_free(r);

    memset(&c, 0, sizeof c);
    int fd = temp_fd(doc, sizeof doc - 1);
    cogen_xml_opts o = {"iter", 5, 0, 0, NULL};
    r = cogen_xml_reader_fd(fd, &o);
    CHECK(r);
    pull_all(r, &c);
    CHECK_STR(c.log, want);
    CHECK_STR(cogen_name(cogen_xml_reader_generator(r)), "iter");
    cogen_xml_reader_free(r);
    close(fd);
    CHECK(cogen_xml_reader_fd(-1, NULL) == NULL && errno == EINVAL);
    CHECK(cogen_xml_reader_mem(NULL, 3, NULL) == NULL && errno == EINVAL);
    CHECK_EQ_INT(cogen_xml_next(NULL, NULL), COGEN_ERROR);
}

TEST(xml_pull_errors_and_early_free)
{
    collector c;
    memset(&c, 0, sizeof c);
    cogen_xml_reader *r = cogen_xml_reader_mem("<a>\n <b>x</a>", 13, NULL);
    CHECK(r);
    pull_all(r, &c);
    CHECK_STR(c.log, "<a>[\n ]<b>"); /* pending text is not delivered */
    const cogen_xml_error *e = cogen_xml_reader_error(r);
    CHECK_EQ_INT(e->code, COGEN_ESYNTAX);
    CHECK_EQ_INT(e->line, 2);
    CHECK_EQ_INT(e->column, 8);
    CHECK_EQ_INT(cogen_xml_next(r, NULL), COGEN_ERROR); /* stays failed */
    cogen_xml_reader_free(r);
    /* freed in the middle of the document, suspended inside a callback */
    r = cogen_xml_reader_mem(doc, sizeof doc - 1, NULL);
    CHECK(r);
    const cogen_xml_event *ev;
    CHECK_EQ_INT(cogen_xml_next(r, &ev), 1);
    CHECK_EQ_INT(cogen_xml_next(r, &ev), 1);
    CHECK_EQ_INT(ev->kind, COGEN_XML_TEXT);
    cogen_xml_reader_free(r);
    /* and before it started */
    cogen_xml_reader_free(cogen_xml_reader_mem(doc, sizeof doc - 1, NULL));
}

static uint64_t rng = 0x853c49e6748fea9bULL;

static uint64_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Random damage to a document, read whole and through tiny reads: no
 * crash, no leak (ASan, valgrind), the same events and error either way. */
TEST(xml_random_damage_same_outcome_any_reads)
{
    static const char alphabet[] = "<>/=&;\"' ab\n![CDATA]\xc3\xff";
    char in[sizeof doc];
    for (int round = 0; round < 300; round++) {
        memcpy(in, doc, sizeof doc);
        size_t len = next_random() % sizeof doc;
        for (int k = 0; k < 4 && len; k++)
            in[next_random() % len] = alphabet[next_random() % (sizeof alphabet - 1)];
        collector whole, small;
        cogen *g = collector_new(&whole);
        cogen_xml_error e1, e2;
        long long r1 = cogen_xml_feed_mem(in, len, g, NULL, &e1);
        cogen_free(g);
        g = collector_new(&small);
        int fd = temp_fd(in, len);
        cogen_xml_opts o = {NULL, 1 + next_random() % 5, 0, next_random() % 3, NULL};
        if (o.batch) {
            cogen_free(g);
            g = batch_collector_new(&small);
        }
        long long r2 = cogen_xml_feed_fd(fd, g, &o, &e2);
        close(fd);
        cogen_free(g);
        CHECK_EQ_INT(r1 < 0, r2 < 0);
        if (r1 < 0) {
            CHECK_EQ_INT(e1.code, e2.code);
            CHECK_STR(e1.msg, e2.msg);
        } else {
            CHECK_EQ_INT(r1, r2);
        }
        CHECK_STR(whole.log, small.log);
    }
}

/* ---- every failure point, walked */

static outcome xml_everything(void)
{
    bool complete = true;
    collector c;
    errno = 0;
    cogen *g = collector_try(&c);
    if (!g) { /* the core's stack cache is cold (e.g. under ASan) */
        CHECK_EQ_INT(errno, ENOMEM);
        return FAILED_CLEANLY;
    }
    cogen_xml_error err;
    if (cogen_xml_feed_mem(doc, sizeof doc - 1, g, NULL, &err) < 0) {
        CHECK_EQ_INT(err.code, COGEN_ENOMEM);
        complete = false;
    } else {
        CHECK_STR(c.log, want);
    }
    cogen_free(g);
    g = batch_collector_try(&c); /* batches of 3, from small reads */
    if (!g) {
        CHECK_EQ_INT(errno, ENOMEM);
        return FAILED_CLEANLY;
    }
    int fd = temp_fd(doc, sizeof doc - 1);
    cogen_xml_opts o = {NULL, 16, 0, 3, NULL};
    if (cogen_xml_feed_fd(fd, g, &o, &err) < 0) {
        CHECK(err.code == COGEN_ENOMEM || err.code == COGEN_EIO);
        complete = false;
    } else {
        CHECK_STR(c.log, want);
    }
    cogen_free(g);
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    errno = 0;
    cogen_xml_reader *r = cogen_xml_reader_fd(fd, &o);
    if (!r) {
        CHECK_EQ_INT(errno, ENOMEM);
        complete = false;
    } else {
        memset(&c, 0, sizeof c);
        pull_all(r, &c);
        int code = cogen_xml_reader_error(r)->code;
        if (code) {
            CHECK(code == COGEN_ENOMEM || code == COGEN_EIO);
            complete = false;
        } else {
            CHECK_STR(c.log, want);
        }
        cogen_xml_reader_free(r);
    }
    close(fd);
    return complete ? RESULT_RIGHT : FAILED_CLEANLY;
}

TEST(xml_walk_every_failure_point)
{
    long k = walk(xml_everything);
    /* expat's own allocations (parser, buffers, names), the text buffer,
     * every read; fewer means one stopped asking the failure injector. */
    CHECK(k >= 30);
}
