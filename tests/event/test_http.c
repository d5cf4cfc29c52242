/* SPDX-License-Identifier: MIT */
/* The incremental parser foundation and the HTTP request-head parser:
 * the split property, documented errors with their offsets, limits,
 * random input, pull from a descriptor, failure injection. */
#include <cogen.h>
#include <cogen/event.h>
#include <cogen/http.h>

#include "harness.h"
#include "walk.h"
#include "shared.h"
#include "split.h"

#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

static cogen_http_limits limits; /* zero: defaults */

/* The outcome of a parse as one line of text, everything included. */
static void describe(cogen_http_parser *hp, int r, size_t used, char *out, size_t cap)
{
    if (r == COGEN_ERROR) {
        const cogen_http_error *e = cogen_http_error_of(hp);
        snprintf(out, cap, "ERR %d %d @%llu %s", e->status, e->code, e->offset, e->msg);
        return;
    }
    const cogen_http_request *q = cogen_http_request_head(hp);
    if (r != COGEN_PARSE_DONE || !q) {
        snprintf(out, cap, "%s", r == COGEN_PARSE_DONE ? "END" : "MORE");
        return;
    }
    int n = snprintf(out, cap,
                     "DONE used=%zu [%.*s] [%.*s] 1.%d body=%d cl=%llu ka=%d ec=%d head=%zu", used,
                     (int)q->method_len, q->method, (int)q->target_len, q->target, q->version_minor,
                     q->body, q->content_length, q->keep_alive, q->expect_continue, q->head_len);
    for (size_t i = 0; i < q->nheaders && n > 0 && (size_t)n < cap; i++)
        n += snprintf(out + n, cap - (size_t)n, " {%.*s}={%.*s}", (int)q->headers[i].name_len,
                      q->headers[i].name, (int)q->headers[i].value_len, q->headers[i].value);
}

static void http_run(const char *in, size_t len, const size_t *cuts, size_t ncuts, char *out,
                     size_t cap)
{
    cogen_http_parser *hp = cogen_http_parser_new(&limits);
    CHECK(hp);
    size_t pos = 0, total = 0;
    int r = COGEN_PARSE_MORE;
    for (size_t k = 0; k <= ncuts && r == COGEN_PARSE_MORE; k++) {
        size_t end = k < ncuts ? cuts[k] : len;
        char *c = chunk_copy(in + pos, end - pos);
        size_t used = 0;
        r = cogen_http_feed(hp, c, end - pos, &used);
        free(c);
        CHECK(used <= end - pos);
        CHECK(r != COGEN_PARSE_MORE || used == end - pos);
        total += used;
        pos = end;
    }
    if (r == COGEN_PARSE_MORE)
        r = cogen_http_finish(hp);
    describe(hp, r, total, out, cap);
    cogen_http_parser_free(hp);
}

static void outcome_of(const char *in, char *out, size_t cap)
{
    http_run(in, strlen(in), NULL, 0, out, cap);
}

#define BROWSER                                                                                    \
    "GET /wp-content/uploads/2010/03/hello-kitty-darth-vader-pink.jpg HTTP/1.1\r\n"                \
    "Host: www.kittyhell.com\r\n"                                                                  \
    "User-Agent: Mozilla/5.0 (Macintosh; U; Intel Mac OS X 10_6_3; ja-JP-mac; rv:1.9.2.3) "        \
    "Gecko/20100401 Firefox/3.6.3 Pathtraq/0.9\r\n"                                                \
    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"                  \
    "Accept-Language: ja,en-us;q=0.7,en;q=0.3\r\n"                                                 \
    "Accept-Encoding: gzip,deflate\r\n"                                                            \
    "Accept-Charset: Shift_JIS,utf-8;q=0.7,*;q=0.7\r\n"                                            \
    "Keep-Alive: 115\r\n"                                                                          \
    "Connection: keep-alive\r\n"                                                                   \
    "Cookie: wp_ozh_wsa_visits=2; wp_ozh_wsa_visit_lasttime=xxxxxxxxxx; "                          \
    "__utma=xxxxxxxxx.xxxxxxxxxx.xxxxxxxxxx.xxxxxxxxxx.xxxxxxxxxx.x; "                             \
    "__utmz=xxxxxxxxx.xxxxxxxxxx.x.x.utmccn=(referral)|utmcsr=reader.livedoor.com|utmcct=/"        \
    "reader/|utmcmd=referral\r\n"                                                                  \
    "\r\n"

static const char *const valid[] = {
    "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
    BROWSER,
    "POST /x?y=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello",
    "POST /u HTTP/1.1\r\nhost: h\r\nTransfer-Encoding:  Chunked \r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    "GET /old HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
    "GET /old HTTP/1.0\r\n\r\n",
    "\r\n\r\nGET /after-empty-lines HTTP/1.1\r\nHost: x\r\n\r\n",
    "OPTIONS * HTTP/1.1\r\nHost: x\r\nX-Empty:\r\nX-Tab:\t v \t\r\nX-Obs: caf\xc3\xa9\r\n\r\n",
    ("PUT /p HTTP/1.1\r\nHost: x\r\nConnection: upgrade, close\r\nExpect: 100-Continue\r\n"
     "Content-Length: 3\r\ncontent-length: 3\r\n\r\nabc"),
    "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /second HTTP/1.1\r\nHost: a\r\n\r\n",
};

TEST(http_valid_heads_parse_the_same_however_split)
{
    long runs = 0;
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        char out[2048];
        outcome_of(valid[i], out, sizeof out);
        if (strncmp(out, "DONE", 4) != 0) {
            fprintf(stderr, "input %zu: %s\n", i, out);
            CHECK(0);
        }
        runs += split_check(http_run, valid[i], strlen(valid[i]), 200);
    }
    CHECK(runs > 1000);
}

TEST(http_fields_framing_and_connection)
{
    char out[2048];
    outcome_of(valid[0], out, sizeof out);
    CHECK_STR(out, "DONE used=27 [GET] [/] 1.1 body=0 cl=0 ka=1 ec=0 head=27 {Host}={a}");
    outcome_of(valid[2], out, sizeof out);
    CHECK_STR(out, "DONE used=52 [POST] [/x?y=1] 1.1 body=1 cl=5 ka=1 ec=0 head=52 {Host}={h} "
                   "{Content-Length}={5}");
    outcome_of(valid[3], out, sizeof out);
    CHECK_STR(out, "DONE used=59 [POST] [/u] 1.1 body=2 cl=0 ka=1 ec=0 head=59 {host}={h} "
                   "{Transfer-Encoding}={Chunked}");
    outcome_of(valid[4], out, sizeof out);
    CHECK_STR(
        out,
        "DONE used=45 [GET] [/old] 1.0 body=0 cl=0 ka=1 ec=0 head=45 {Connection}={Keep-Alive}");
    outcome_of(valid[5], out, sizeof out);
    CHECK_STR(out, "DONE used=21 [GET] [/old] 1.0 body=0 cl=0 ka=0 ec=0 head=21");
    outcome_of(valid[6], out, sizeof out);
    CHECK_STR(out, "DONE used=48 [GET] [/after-empty-lines] 1.1 body=0 cl=0 ka=1 ec=0 head=48 "
                   "{Host}={x}");
    outcome_of(valid[7], out, sizeof out);
    CHECK_STR(out, "DONE used=68 [OPTIONS] [*] 1.1 body=0 cl=0 ka=1 ec=0 head=68 {Host}={x} "
                   "{X-Empty}={} {X-Tab}={v} {X-Obs}={caf\xc3\xa9}");
    outcome_of(valid[8], out, sizeof out);
    CHECK_STR(out, "DONE used=116 [PUT] [/p] 1.1 body=1 cl=3 ka=0 ec=1 head=116 {Host}={x} "
                   "{Connection}={upgrade, close} {Expect}={100-Continue} {Content-Length}={3} "
                   "{content-length}={3}");
}

TEST(http_header_lookup_ignores_case)
{
    cogen_http_parser *hp = cogen_http_parser_new(NULL);
    CHECK(hp);
    CHECK_EQ_INT(cogen_http_feed(hp, valid[1], strlen(valid[1]), NULL), COGEN_PARSE_DONE);
    size_t n = 0;
    const char *v = cogen_http_header_value(cogen_http_request_head(hp), "accept-ENCODING", &n);
    CHECK(v && n == 12 && memcmp(v, "gzip,deflate", 12) == 0);
    CHECK(!cogen_http_header_value(cogen_http_request_head(hp), "Accept-Encodin", &n));
    cogen_http_parser_free(hp);
}

/* Pipelined requests: the bytes after a head are the caller's; fed
 * again, they give the next request. */
TEST(http_pipelined_requests_by_push)
{
    const char *in = valid[9];
    size_t len = strlen(in), used = 0;
    cogen_http_parser *hp = cogen_http_parser_new(NULL);
    CHECK(hp);
    CHECK_EQ_INT(cogen_http_feed(hp, in, len, &used), COGEN_PARSE_DONE);
    CHECK_EQ_INT(used, 27);
    const cogen_http_request *q = cogen_http_request_head(hp);
    CHECK(q && q->target_len == 1);
    size_t used2 = 0;
    CHECK_EQ_INT(cogen_http_feed(hp, in + used, len - used, &used2), COGEN_PARSE_DONE);
    CHECK_EQ_INT(used + used2, len);
    q = cogen_http_request_head(hp);
    CHECK(q && q->target_len == 7 && memcmp(q->target, "/second", 7) == 0);
    CHECK_EQ_INT(cogen_http_finish(hp), COGEN_PARSE_DONE);
    CHECK(cogen_http_request_head(hp) == NULL); /* ended between requests */
    cogen_http_parser_free(hp);
}

typedef struct bad {
    const char *in;
    int status, code;
    unsigned long long offset;
} bad;

static const bad malformed[] = {
    {"GET / HTTP/1.1\nHost: a\r\n\r\n", 400, COGEN_ESYNTAX, 14},
    {"GET / HTTP/1.1\r\nHost: a\n\r\n", 400, COGEN_ESYNTAX, 23},
    {" GET / HTTP/1.1\r\nHost: a\r\n\r\n", 400, COGEN_ESYNTAX, 0},
    {"G\x01T / HTTP/1.1\r\nHost: a\r\n\r\n", 400, COGEN_ESYNTAX, 1},
    {"GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400, COGEN_ESYNTAX, 4},
    {"GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n", 400, COGEN_ESYNTAX, 5},
    {"GET /\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", 400, COGEN_ESYNTAX, 5},
    {"GET / HTTP/1.1x\r\nHost: a\r\n\r\n", 400, COGEN_ESYNTAX, 6},
    {"GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400, COGEN_ESYNTAX, 6},
    {"GET / http/1.1\r\nHost: a\r\n\r\n", 400, COGEN_ESYNTAX, 6},
    {"GET /\r\nHost: a\r\n\r\n", 400, COGEN_ESYNTAX, 5},
    {"GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505, COGEN_EUNSUPPORTED, 6},
    {"GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400, COGEN_ESYNTAX, 20},
    {"GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400, COGEN_ESYNTAX, 25},
    {"GET / HTTP/1.1\r\nHost: a\x01z\r\n\r\n", 400, COGEN_ESYNTAX, 23},
    {"GET / HTTP/1.1\r\nHost: a\rz\r\n\r\n", 400, COGEN_ESYNTAX, 23},
    {"GET / HTTP/1.1\r\n: a\r\n\r\n", 400, COGEN_ESYNTAX, 16},
    {"GET / HTTP/1.1\r\nHost\r\n\r\n", 400, COGEN_ESYNTAX, 20},
    {"GET / HTTP/1.1\r\nHo(st: a\r\n\r\n", 400, COGEN_ESYNTAX, 18},
    {"GET / HTTP/1.1\r\n\r\n", 400, COGEN_ESYNTAX, 16},
    {"GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", 400, COGEN_ESYNTAX, 25},
    {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n", 400, COGEN_ESYNTAX, 43},
    {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", 400, COGEN_ESYNTAX, 41},
    {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400, COGEN_ESYNTAX, 42},
    {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n", 400,
     COGEN_ESYNTAX, 60},
    {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400,
     COGEN_ESYNTAX, 45},
    {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400,
     COGEN_ESYNTAX, 45},
    {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 501, COGEN_EUNSUPPORTED, 45},
    {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501,
     COGEN_EUNSUPPORTED, 45},
    {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400, COGEN_ESYNTAX,
     54},
    {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"
     "\r\n",
     400, COGEN_ESYNTAX, 73},
    {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked;q=1\r\n\r\n", 400, COGEN_ESYNTAX,
     52},
    {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ,\r\n\r\n", 400, COGEN_ESYNTAX, 45},
    {"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, COGEN_ESYNTAX, 17},
    {"GET / HTTP/1.1\r\nHost: a\r\n", 400, COGEN_ETRUNCATED, 25},
    {"GET / HTTP/1.1\r\nHost: a\r", 400, COGEN_ETRUNCATED, 24},
    {"GET", 400, COGEN_ETRUNCATED, 3},
};

TEST(http_malformed_heads_give_status_code_and_offset)
{
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        const bad *b = &malformed[i];
        char out[2048], want[64];
        outcome_of(b->in, out, sizeof out);
        int n = snprintf(want, sizeof want, "ERR %d %d @%llu ", b->status, b->code, b->offset);
        if (strncmp(out, want, (size_t)n) != 0) {
            fprintf(stderr, "malformed[%zu]: want %s got %s\n", i, want, out);
            CHECK(0);
        }
        split_check(http_run, b->in, strlen(b->in), 100);
    }
}

/* A failed parser keeps its error until reset, then works again. */
TEST(http_failed_parser_stays_failed_until_reset)
{
    cogen_http_parser *hp = cogen_http_parser_new(NULL);
    CHECK(hp);
    CHECK_EQ_INT(cogen_http_feed(hp, "BAD\r\n", 5, NULL), COGEN_ERROR);
    CHECK_EQ_INT(cogen_http_error_of(hp)->status, 400);
    CHECK_EQ_INT(cogen_http_feed(hp, valid[0], strlen(valid[0]), NULL), COGEN_ERROR);
    CHECK_EQ_INT(cogen_http_error_of(hp)->offset, 3);
    CHECK_EQ_INT(cogen_http_reset(hp), 0);
    CHECK_EQ_INT(cogen_http_error_of(hp)->status, 0);
    CHECK_EQ_INT(cogen_http_feed(hp, valid[0], strlen(valid[0]), NULL), COGEN_PARSE_DONE);
    /* reset in the middle of a head forgets it */
    CHECK_EQ_INT(cogen_http_feed(hp, "GET /a", 6, NULL), COGEN_PARSE_MORE);
    CHECK_EQ_INT(cogen_http_reset(hp), 0);
    CHECK_EQ_INT(cogen_http_feed(hp, valid[0], strlen(valid[0]), NULL), COGEN_PARSE_DONE);
    CHECK_EQ_INT(cogen_http_request_head(hp)->target_len, 1);
    cogen_http_parser_free(hp);
    CHECK_EQ_INT(cogen_http_feed(NULL, "x", 1, NULL), COGEN_ERROR);
    cogen_http_parser_free(NULL);
}

/* A string of n bytes: prefix, then 'a' up to n-2 bytes, then CRLF. */
static char *line_of(char *dst, const char *prefix, size_t n)
{
    size_t p = strlen(prefix);
    memcpy(dst, prefix, p);
    memset(dst + p, 'a', n - 2 - p);
    memcpy(dst + n - 2, "\r\n", 2);
    dst[n] = '\0';
    return dst + n;
}

static void expect(const char *in, const char *want_prefix)
{
    char out[2048];
    outcome_of(in, out, sizeof out);
    if (strncmp(out, want_prefix, strlen(want_prefix)) != 0) {
        fprintf(stderr, "want %s\ngot  %s\n", want_prefix, out);
        CHECK(0);
    }
    split_check(http_run, in, strlen(in), 0);
}

TEST(http_limits_hold_at_their_exact_boundary)
{
    char in[512], *p;
    limits = (cogen_http_limits){32, 96, 2};
    CHECK(cogen_http_parser_new(&(cogen_http_limits){8, 0, 0}) == NULL && errno == EINVAL);
    /* request line of exactly 32 bytes, then one longer */
    p = line_of(in, "GET /", 32 - 9);
    strcpy(p - 2, " HTTP/1.1\r\nHost: a\r\n\r\n");
    expect(in, "DONE");
    p = line_of(in, "GET /", 33 - 9);
    strcpy(p - 2, " HTTP/1.1\r\nHost: a\r\n\r\n");
    expect(in, "ERR 414 -301 @32 ");
    /* header line of exactly 32 bytes, then one longer */
    p = line_of(in, "GET / HTTP/1.1", 16);
    p = line_of(p, "Host: ", 32);
    strcpy(p, "\r\n");
    expect(in, "DONE");
    p = line_of(in, "GET / HTTP/1.1", 16);
    p = line_of(p, "Host: ", 33);
    strcpy(p, "\r\n");
    expect(in, "ERR 431 -301 @48 ");
    /* at most 2 fields */
    expect("GET / HTTP/1.1\r\nHost: a\r\nB: b\r\n\r\n", "DONE");
    expect("GET / HTTP/1.1\r\nHost: a\r\nB: b\r\nC: c\r\n\r\n", "ERR 431 -301 @31 ");
    /* a head of exactly 96 bytes, then one longer */
    p = line_of(in, "GET / HTTP/1.1", 16);
    p = line_of(p, "Host: ", 30);
    p = line_of(p, "B: ", 30);
    p = line_of(p, "", 18);
    strcpy(p, "\r\n");
    CHECK_EQ_INT(strlen(in), 96);
    expect(in, "ERR 400"); /* line of 'a': malformed, but within limits */
    p = line_of(in, "GET / HTTP/1.1", 16);
    p = line_of(p, "Host: ", 30);
    p = line_of(p, "B: ", 30);
    p = line_of(p, "C:", 18);
    strcpy(p, "\r\n");
    expect(in, "ERR 431 -301 @76 "); /* third field: over the count limit */
    limits = (cogen_http_limits){32, 96, 10};
    expect(in, "DONE"); /* exactly 96 bytes */
    p = line_of(in, "GET / HTTP/1.1", 16);
    p = line_of(p, "Host: ", 30);
    p = line_of(p, "B: ", 30);
    p = line_of(p, "C:", 19);
    strcpy(p, "\r\n");
    expect(in, "ERR 431 -301 @96 "); /* one byte too many */
    limits = (cogen_http_limits){0, 0, 0};
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Random bytes and randomly damaged requests, fed in random chunks (each
 * in its own heap block): never a crash, never a read past a chunk, and
 * the same outcome as fed whole. */
TEST(http_random_input_never_crashes_and_splits_agree)
{
    static const char alphabet[] = "GET /HTP1.\r\n:, \tchunkedContent-Length0123456789\x01\xff";
    char in[400], whole[2048], got[2048];
    for (int round = 0; round < 3000; round++) {
        size_t len = next_random() % sizeof in;
        uint64_t mode = next_random() % 3;
        if (mode == 0) {
            for (size_t i = 0; i < len; i++)
                in[i] = (char)next_random();
        } else if (mode == 1) {
            for (size_t i = 0; i < len; i++)
                in[i] = alphabet[next_random() % (sizeof alphabet - 1)];
        } else {
            const char *v = valid[next_random() % (sizeof valid / sizeof valid[0])];
            len = strlen(v) < sizeof in ? strlen(v) : sizeof in;
            memcpy(in, v, len);
            for (int k = 0; k < 3 && len; k++)
                in[next_random() % len] = alphabet[next_random() % (sizeof alphabet - 1)];
        }
        http_run(in, len, NULL, 0, whole, sizeof whole);
        size_t cuts[8], n = 0, at = 0;
        while (n < 8 && len > at + 1) {
            at += 1 + next_random() % (len - at - 1);
            if (at >= len)
                break;
            cuts[n++] = at;
        }
        http_run(in, len, cuts, n, got, sizeof got);
        if (strcmp(whole, got) != 0) {
            fprintf(stderr, "round %d:\n  whole: %s\n  split: %s\n", round, whole, got);
            CHECK(0);
        }
    }
}

/* Pull: the parser reads the descriptor itself; what it read past a head
 * stays buffered for the body and the next request. */
TEST(http_pull_from_a_descriptor)
{
    int fds[2];
    CHECK(pipe(fds) == 0);
    const char *in = "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
                     "GET /b HTTP/1.1\r\nHost: h\r\n\r\n";
    CHECK(write(fds[1], in, strlen(in)) == (ssize_t)strlen(in));
    close(fds[1]);
    cogen_http_parser *hp = cogen_http_parser_new(NULL);
    CHECK(hp);
    CHECK_EQ_INT(cogen_http_read(hp, fds[0]), COGEN_PARSE_DONE);
    const cogen_http_request *q = cogen_http_request_head(hp);
    CHECK(q && q->body == COGEN_HTTP_LENGTH && q->content_length == 3);
    cogen_str rest = cogen_http_buffered(hp);
    CHECK(rest.len >= 3 && memcmp(rest.ptr, "abc", 3) == 0);
    cogen_http_consume(hp, 3);
    CHECK_EQ_INT(cogen_http_read(hp, fds[0]), COGEN_PARSE_DONE);
    q = cogen_http_request_head(hp);
    CHECK(q && q->target_len == 2 && memcmp(q->target, "/b", 2) == 0);
    CHECK_EQ_INT(cogen_http_read(hp, fds[0]), COGEN_PARSE_DONE);
    CHECK(cogen_http_request_head(hp) == NULL); /* end of file between requests */
    CHECK_EQ_INT(cogen_http_read(hp, -1), COGEN_ERROR);
    cogen_http_parser_free(hp);
    close(fds[0]);
}

/* Pull from a non-blocking descriptor: "would block" is COGEN_PARSE_MORE,
 * and the parse goes on where it stood when data comes. */
TEST(http_pull_from_a_nonblocking_descriptor)
{
    int fds[2];
    CHECK(pipe(fds) == 0);
    CHECK(fcntl(fds[0], F_SETFL, O_NONBLOCK) == 0);
    cogen_http_parser *hp = cogen_http_parser_new(NULL);
    CHECK(hp);
    CHECK_EQ_INT(cogen_http_read(hp, fds[0]), COGEN_PARSE_MORE);
    CHECK(write(fds[1], "GET /x HTTP/1.1\r\nHo", 19) == 19);
    CHECK_EQ_INT(cogen_http_read(hp, fds[0]), COGEN_PARSE_MORE);
    CHECK(write(fds[1], "st: h\r\n\r\n", 9) == 9);
    CHECK_EQ_INT(cogen_http_read(hp, fds[0]), COGEN_PARSE_DONE);
    CHECK_EQ_INT(cogen_http_request_head(hp)->head_len, 28);
    close(fds[1]);
    CHECK(write(fds[1], "x", 1) < 0);
    cogen_http_parser_free(hp);
    close(fds[0]);
}

/* ---- chunked bodies */

static void chunked_run(const char *in, size_t len, const size_t *cuts, size_t ncuts, char *out,
                        size_t cap)
{
    cogen_http_chunked *c = cogen_http_chunked_new(&limits);
    CHECK(c);
    char data[1024];
    size_t dlen = 0, pos = 0, total = 0;
    int r = COGEN_PARSE_MORE;
    for (size_t k = 0; k <= ncuts && r == COGEN_PARSE_MORE; k++) {
        size_t end = k < ncuts ? cuts[k] : len, at = 0;
        char *chunk = chunk_copy(in + pos, end - pos);
        for (;;) {
            size_t used = 0;
            cogen_str d;
            r = cogen_http_chunked_feed(c, chunk + at, end - pos - at, &used, &d);
            at += used;
            if (r != COGEN_PARSE_ITEM)
                break;
            CHECK(d.ptr >= chunk && d.ptr + d.len <= chunk + (end - pos)); /* inside the chunk */
            CHECK(d.len > 0 && dlen + d.len < sizeof data);
            memcpy(data + dlen, d.ptr, d.len);
            dlen += d.len;
        }
        free(chunk);
        total += at;
        pos = end;
    }
    if (r == COGEN_PARSE_MORE)
        r = cogen_http_chunked_finish(c);
    if (r == COGEN_ERROR)
        snprintf(out, cap, "ERR %d %d @%llu %s", cogen_http_chunked_error(c)->status,
                 cogen_http_chunked_error(c)->code, cogen_http_chunked_error(c)->offset,
                 cogen_http_chunked_error(c)->msg);
    else
        snprintf(out, cap, "DONE used=%zu [%.*s]", total, (int)dlen, data);
    cogen_http_chunked_free(c);
}

static void chunked_expect(const char *in, const char *want)
{
    char out[2048];
    chunked_run(in, strlen(in), NULL, 0, out, sizeof out);
    if (strcmp(out, want) != 0) {
        fprintf(stderr, "want %s\ngot  %s\n", want, out);
        CHECK(0);
    }
    split_check(chunked_run, in, strlen(in), 150);
}

TEST(http_chunked_bodies_decode_the_same_however_split)
{
    chunked_expect("5\r\nhello\r\n7;ext=1;q=\"x\"\r\n, world\r\n0\r\n\r\nGET /next",
                   "DONE used=39 [hello, world]");
    chunked_expect("A\r\n0123456789\r\n0\r\nTrailer: x\r\nOther: y\r\n\r\n",
                   "DONE used=42 [0123456789]");
    chunked_expect("0\r\n\r\n", "DONE used=5 []");
    chunked_expect("x\r\n", "ERR 400 -300 @0 malformed chunk size");
    chunked_expect("5\r\nhelloX\r\n", "ERR 400 -300 @8 chunk data not followed by CRLF");
    chunked_expect("5\nhello", "ERR 400 -300 @1 invalid character in chunk extension");
    chunked_expect("5\r\nhel", "ERR 400 -303 @6 input ended inside a chunked body");
    chunked_expect("0\r\nBad\x01: x\r\n\r\n", "ERR 400 -300 @6 invalid character in trailer field");
    chunked_expect("fffffffffffffffff\r\n", "ERR 400 -300 @16 chunk size too large");
    limits = (cogen_http_limits){20, 30, 0};
    chunked_expect("1;aaaaaaaaaaaaaaaaaaaaaaa\r\n", "ERR 400 -301 @17 chunk size line too long");
    chunked_expect("0\r\nA: aaaaaaaaaaaaaaaaaaaa\r\n",
                   "ERR 431 -301 @20 trailer field line too long");
    limits = (cogen_http_limits){0, 0, 0};
}

/* ---- the foundation: sub-parsers through yield_from */

/* A netstring-like format: "LEN:" then a nested item of LEN bytes read by a
 * sub-parser that copies them into arg. */
typedef struct nest {
    char got[64];
    size_t n;
    int cleaned;
} nest;

static void *read_payload(cogen_parser *ps, cogen_input *in, void *arg)
{
    nest *t = arg;
    size_t want = t->n;
    t->n = 0;
    while (t->n < want) {
        int c = cogen_parser_getc(ps, in);
        if (c < 0)
            cogen_parser_fail(ps, COGEN_ETRUNCATED, cogen_parser_offset(ps), "payload cut");
        if (c == '!')
            cogen_parser_fail(ps, COGEN_ESYNTAX, cogen_parser_offset(ps) - 1, "bang in payload");
        t->got[t->n++] = (char)c;
    }
    return t;
}

static void count_cleanup(void *arg)
{
    ((nest *)arg)->cleaned++;
}

static void *netstring(cogen_parser *ps, cogen_input *in, void *arg)
{
    nest *t = arg;
    t->n = 0;
    int c;
    while ((c = cogen_parser_getc(ps, in)) >= '0' && c <= '9')
        t->n = t->n * 10 + (size_t)(c - '0');
    if (c < 0)
        return NULL;
    if (c != ':' || t->n > sizeof t->got)
        cogen_parser_fail(ps, COGEN_ESYNTAX, cogen_parser_offset(ps) - 1, "bad length");
    if (cogen_defer(cogen_current(), count_cleanup, t) < 0)
        cogen_parser_fail(ps, COGEN_ENOMEM, 0, "out of memory");
    return cogen_parser_call(ps, read_payload, t);
}

static void net_run(const char *in, size_t len, const size_t *cuts, size_t ncuts, char *out,
                    size_t cap)
{
    nest t = {{0}, 0, 0};
    cogen_parser *ps = cogen_parser_new(netstring, &t, NULL);
    CHECK(ps);
    size_t pos = 0;
    int n = 0;
    int r = COGEN_PARSE_MORE;
    for (size_t k = 0; k <= ncuts; k++) {
        size_t end = k < ncuts ? cuts[k] : len;
        while (pos < end) {
            char *c = chunk_copy(in + pos, end - pos);
            size_t used = 0;
            void *res = NULL;
            r = cogen_parser_feed(ps, c, end - pos, &used, &res);
            free(c);
            pos += used;
            if (r == COGEN_ERROR)
                break;
            if (r == COGEN_PARSE_DONE)
                n += snprintf(out + n, cap - (size_t)n, "[%.*s]", (int)t.n, t.got);
        }
        if (r == COGEN_ERROR)
            break;
    }
    if (r != COGEN_ERROR) {
        void *res = NULL;
        r = cogen_parser_finish(ps, &res);
        if (r == COGEN_PARSE_DONE && res)
            n += snprintf(out + n, cap - (size_t)n, "[%.*s]", (int)t.n, t.got);
    }
    if (r == COGEN_ERROR)
        snprintf(out + n, cap - (size_t)n, "ERR %d @%llu %s", cogen_parser_error(ps)->code,
                 cogen_parser_error_offset(ps), cogen_parser_error(ps)->msg);
    cogen_parser_free(ps);
}

TEST(parser_sub_parsers_read_the_same_input)
{
    char out[256];
    const char *in = "3:abc0:5:hello";
    net_run(in, strlen(in), NULL, 0, out, sizeof out);
    CHECK_STR(out, "[abc][][hello]");
    split_check(net_run, in, strlen(in), 100);
    in = "3:abc4:he!lo";
    net_run(in, strlen(in), NULL, 0, out, sizeof out);
    CHECK_STR(out, "[abc]ERR -300 @4 bang in payload");
    split_check(net_run, in, strlen(in), 100);
    in = "3:abc4:hel";
    net_run(in, strlen(in), NULL, 0, out, sizeof out);
    CHECK_STR(out, "[abc]ERR -303 @5 payload cut");
    split_check(net_run, in, strlen(in), 100);
}

/* Freeing a parser while its sub-parser waits for input closes both: the
 * body's cleanups run, nothing leaks (ASan, valgrind). */
TEST(parser_freed_while_a_sub_parser_waits)
{
    nest t = {{0}, 0, 0};
    cogen_parser *ps = cogen_parser_new(netstring, &t, NULL);
    CHECK(ps);
    CHECK_EQ_INT(cogen_parser_feed(ps, "9:abc", 5, NULL, NULL), COGEN_PARSE_MORE);
    cogen_parser_free(ps);
    CHECK_EQ_INT(t.cleaned, 1);
    ps = cogen_parser_new(netstring, &t, NULL);
    CHECK(ps);
    CHECK_EQ_INT(cogen_parser_feed(ps, "9:abc", 5, NULL, NULL), COGEN_PARSE_MORE);
    CHECK_EQ_INT(cogen_parser_reset(ps), 0);
    CHECK_EQ_INT(t.cleaned, 2);
    void *res = NULL;
    CHECK_EQ_INT(cogen_parser_feed(ps, "1:z", 3, NULL, &res), COGEN_PARSE_DONE);
    CHECK(res == &t && t.got[0] == 'z');
    CHECK_EQ_INT(cogen_parser_feed(ps, NULL, 1, NULL, NULL), COGEN_ERROR);
    CHECK_EQ_INT(cogen_parser_error(ps)->code, COGEN_EINVAL);
    cogen_parser_free(ps);
    CHECK(cogen_parser_new(NULL, NULL, NULL) == NULL && errno == EINVAL);
}

/* A body that calls its own parser is refused (COGEN_EBUSY) and the parse
 * goes on unharmed. */
static void *self_feeder(cogen_parser *ps, cogen_input *in, void *arg)
{
    int *refused = arg;
    if (cogen_parser_feed(ps, "zz", 2, NULL, NULL) == COGEN_ERROR &&
        cogen_parser_error(ps)->code == COGEN_EBUSY)
        ++*refused;
    if (cogen_parser_finish(ps, NULL) == COGEN_ERROR &&
        cogen_parser_read(ps, 0, NULL) == COGEN_ERROR && cogen_parser_reset(ps) == COGEN_ERROR)
        ++*refused;
    int c = cogen_parser_getc(ps, in);
    return c == 'a' ? arg : NULL;
}

TEST(parser_called_from_its_own_body_is_refused)
{
    int refused = 0;
    cogen_parser *ps = cogen_parser_new(self_feeder, &refused, NULL);
    CHECK(ps);
    void *res = NULL;
    CHECK_EQ_INT(cogen_parser_feed(ps, "ab", 2, NULL, &res), COGEN_PARSE_DONE);
    CHECK(res == &refused);
    CHECK_EQ_INT(refused, 2);
    cogen_parser_free(ps);
}

/* ---- every failure point, walked (see tests/pipe/test_pipe.c) */

/* Push and pull with a sub-parser and the HTTP parser. RESULT_RIGHT when
 * everything came out right; a failure must be a clean error. */
static outcome parse_everything(void)
{
    bool complete = true;
    errno = 0;
    cogen_http_parser *hp = cogen_http_parser_new(NULL);
    if (!hp) {
        CHECK_EQ_INT(errno, ENOMEM);
        return FAILED_CLEANLY;
    }
    int r = cogen_http_feed(hp, valid[2], 20, NULL);
    if (r == COGEN_PARSE_MORE)
        r = cogen_http_feed(hp, valid[2] + 20, strlen(valid[2]) - 20, NULL);
    if (r == COGEN_ERROR) {
        CHECK_EQ_INT(cogen_http_error_of(hp)->status, 500);
        complete = false;
    } else {
        CHECK_EQ_INT(r, COGEN_PARSE_DONE);
    }
    int fds[2];
    CHECK(pipe(fds) == 0);
    CHECK(write(fds[1], valid[0], strlen(valid[0])) > 0);
    close(fds[1]);
    if (cogen_http_reset(hp) < 0) {
        CHECK_EQ_INT(cogen_http_error_of(hp)->code, COGEN_ENOMEM);
        complete = false;
    } else if (cogen_http_read(hp, fds[0]) != COGEN_PARSE_DONE) {
        int code = cogen_http_error_of(hp)->code;
        CHECK(code == COGEN_ENOMEM || code == COGEN_EIO);
        complete = false;
    }
    close(fds[0]);
    cogen_http_parser_free(hp);
    cogen_http_chunked *ch = cogen_http_chunked_new(NULL);
    if (!ch) {
        CHECK_EQ_INT(errno, ENOMEM);
        return FAILED_CLEANLY;
    }
    cogen_str d;
    r = cogen_http_chunked_feed(ch, "3\r\nabc\r\n0\r\n\r\n", 15, NULL, &d);
    CHECK(r == COGEN_PARSE_ITEM && d.len == 3);
    cogen_http_chunked_free(ch);
    nest t = {{0}, 0, 0};
    cogen_parser *ps = cogen_parser_new(netstring, &t, NULL);
    if (!ps) {
        CHECK_EQ_INT(errno, ENOMEM);
        return FAILED_CLEANLY;
    }
    r = cogen_parser_feed(ps, "3:abc", 5, NULL, NULL);
    if (r == COGEN_ERROR) {
        CHECK_EQ_INT(cogen_parser_error(ps)->code, COGEN_ENOMEM);
        complete = false;
    }
    cogen_parser_free(ps);
    return complete ? RESULT_RIGHT : FAILED_CLEANLY;
}

TEST(parsers_walk_every_failure_point)
{
    long points = walk(parse_everything);
    if (getenv("WALK_TRACE"))
        fprintf(stderr, "points: %ld\n", points);
    /* http: the parser, its head buffer, its field array, its parser
     * object; the read buffer and the read; the chunked decoder and its
     * parser object; the netstring parser object.
     * (Generators come from the core's warm stack cache here, which cannot
     * fail.) Fewer means a fallible operation stopped asking the failure
     * injector. */
    CHECK(points >= 9);
}
