/* SPDX-License-Identifier: MIT */
/* The HTTP request-head parser against node's http_parser (a callback
 * state machine that keeps its state between chunks) and against a parser
 * that restarts from the first byte on every partial read, on the same
 * request fed whole and in 64-, 8- and 1-byte chunks. Prints a Markdown
 * table of nanoseconds per request (median of interleaved rounds).
 *
 *   http_bench [ROUNDS]        (run.sh pins it to one CPU) */
#include "../bench.h"

#include <cogen.h>
#include <cogen/http.h>

#include "restart.h"

#include <http_parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char request[] =
    "GET /wp-content/uploads/2010/03/hello-kitty-darth-vader-pink.jpg HTTP/1.1\r\n"
    "Host: www.kittyhell.com\r\n"
    "User-Agent: Mozilla/5.0 (Macintosh; U; Intel Mac OS X 10_6_3; ja-JP-mac; rv:1.9.2.3) "
    "Gecko/20100401 Firefox/3.6.3 Pathtraq/0.9\r\n"
    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
    "Accept-Language: ja,en-us;q=0.7,en;q=0.3\r\n"
    "Accept-Encoding: gzip,deflate\r\n"
    "Accept-Charset: Shift_JIS,utf-8;q=0.7,*;q=0.7\r\n"
    "Keep-Alive: 115\r\n"
    "Connection: keep-alive\r\n"
    "Cookie: wp_ozh_wsa_visits=2; wp_ozh_wsa_visit_lasttime=xxxxxxxxxx; "
    "__utma=xxxxxxxxx.xxxxxxxxxx.xxxxxxxxxx.xxxxxxxxxx.xxxxxxxxxx.x; "
    "__utmz=xxxxxxxxx.xxxxxxxxxx.x.x.utmccn=(referral)|utmcsr=reader.livedoor.com|utmcct=/"
    "reader/|utmcmd=referral\r\n"
    "\r\n";
#define REQ_LEN (sizeof request - 1)

static volatile size_t sink; /* keeps results alive */

/* ---- cogen: feed chunks until the head is complete */
static cogen_http_parser *hp;

static void run_cogen(size_t chunk)
{
    size_t at = 0;
    for (;;) {
        size_t n = REQ_LEN - at < chunk ? REQ_LEN - at : chunk, used = 0;
        int r = cogen_http_feed(hp, request + at, n, &used);
        at += used;
        if (r == COGEN_PARSE_DONE)
            break;
        if (r != COGEN_PARSE_MORE) {
            fprintf(stderr, "cogen: %s\n", cogen_http_error_of(hp)->msg);
            exit(1);
        }
    }
    sink += cogen_http_request_head(hp)->nheaders;
}

/* ---- http_parser: callbacks record what a user needs (lengths here) */
typedef struct hp_state {
    size_t fields, bytes;
    int done;
} hp_state;

static int on_data(http_parser *p, const char *at, size_t len)
{
    (void)at;
    ((hp_state *)p->data)->bytes += len;
    return 0;
}

static int on_field(http_parser *p, const char *at, size_t len)
{
    hp_state *s = p->data;
    s->fields++;
    s->bytes += len;
    (void)at;
    return 0;
}

static int on_headers_complete(http_parser *p)
{
    ((hp_state *)p->data)->done = 1;
    return 0;
}

static http_parser_settings settings;

static void run_node(size_t chunk)
{
    http_parser p;
    hp_state s = {0, 0, 0};
    http_parser_init(&p, HTTP_REQUEST);
    p.data = &s;
    size_t at = 0;
    while (!s.done) {
        size_t n = REQ_LEN - at < chunk ? REQ_LEN - at : chunk;
        size_t k = http_parser_execute(&p, &settings, request + at, n);
        if (k != n || HTTP_PARSER_ERRNO(&p) != HPE_OK) {
            fprintf(stderr, "http_parser: %s\n", http_errno_name(HTTP_PARSER_ERRNO(&p)));
            exit(1);
        }
        at += n;
    }
    sink += s.fields + s.bytes;
}

/* ---- restart: append the chunk to what was received, parse from the start */
static char acc[4096];

static void run_restart(size_t chunk)
{
    rs_request r;
    size_t have = 0;
    for (;;) {
        size_t n = REQ_LEN - have < chunk ? REQ_LEN - have : chunk;
        memcpy(acc + have, request + have, n);
        have += n;
        long k = rs_parse(acc, have, &r);
        if (k > 0)
            break;
        if (k == -1) {
            fputs("restart: malformed\n", stderr);
            exit(1);
        }
    }
    sink += r.n;
}

typedef struct variant {
    const char *name;
    void (*run)(size_t chunk);
} variant;

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 7;
    if (rounds < 1 || rounds > 99)
        rounds = 7;
    hp = cogen_http_parser_new(NULL);
    if (!hp)
        return 1;
    settings.on_url = on_data;
    settings.on_header_field = on_field;
    settings.on_header_value = on_data;
    settings.on_headers_complete = on_headers_complete;
    const variant variants[] = {{"cogen_http (coroutine)", run_cogen},
                                {"http_parser 2.9 (callbacks)", run_node},
                                {"restart on partial input", run_restart}};
    const size_t chunks[] = {REQ_LEN, 64, 8, 1};
    enum { NV = 3, NC = 4 };
    double t[NV][NC][99];
    for (int round = 0; round < rounds; round++) {
        for (int c = 0; c < NC; c++) {
            for (int v = 0; v < NV; v++) {
                long iters = chunks[c] == 1 ? 20000 : 200000;
                variants[v].run(chunks[c]); /* warm */
                double t0 = bench_now();
                for (long i = 0; i < iters; i++)
                    variants[v].run(chunks[c]);
                t[v][c][round] = (bench_now() - t0) / (double)iters;
            }
        }
    }
    printf("request of %zu bytes; ns per request, median of %d rounds\n\n", REQ_LEN, rounds);
    printf("| parser | whole | 64-byte chunks | 8-byte chunks | 1-byte chunks |\n");
    printf("|---|---:|---:|---:|---:|\n");
    double med[NV][NC];
    for (int v = 0; v < NV; v++) {
        printf("| %s |", variants[v].name);
        for (int c = 0; c < NC; c++) {
            qsort(t[v][c], (size_t)rounds, sizeof(double), bench_cmp_double);
            med[v][c] = t[v][c][rounds / 2];
            printf(" %.0f |", med[v][c]);
        }
        printf("\n");
    }
    printf("| cogen / http_parser |");
    for (int c = 0; c < NC; c++)
        printf(" %.2fx |", med[0][c] / med[1][c]);
    printf("\n| cogen / restart |");
    for (int c = 0; c < NC; c++)
        printf(" %.2fx |", med[0][c] / med[2][c]);
    printf("\n");
    cogen_http_parser_free(hp);
    return sink == 0;
}
