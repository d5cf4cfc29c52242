/* SPDX-License-Identifier: MIT */
/* The RESP reply parser against hiredis's reader (which also keeps its
 * place between reads) on an MGET-of-1000-keys reply, fed whole and in
 * 1460-, 64- and 8-byte chunks. Prints a Markdown table of microseconds
 * per reply (median of interleaved rounds).
 *
 *   resp_bench [ROUNDS] */
#include "../bench.h"

#include <cogen.h>
#include <cogen/resp.h>

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char reply[65536];
static size_t reply_len;
static volatile size_t sink;

static cogen_resp_parser *rp;

static void run_cogen(size_t chunk)
{
    size_t at = 0;
    for (;;) {
        size_t n = reply_len - at < chunk ? reply_len - at : chunk, used = 0;
        int r = cogen_resp_feed(rp, reply + at, n, &used);
        at += used;
        if (r == COGEN_PARSE_DONE)
            break;
        if (r != COGEN_PARSE_MORE) {
            fprintf(stderr, "cogen: %s\n", cogen_resp_error(rp)->msg);
            exit(1);
        }
    }
    sink += cogen_resp_reply(rp)->n;
}

static void run_hiredis(size_t chunk)
{
    redisReader *r = redisReaderCreate();
    void *out = NULL;
    for (size_t at = 0; !out && at < reply_len; at += chunk) {
        size_t n = reply_len - at < chunk ? reply_len - at : chunk;
        if (redisReaderFeed(r, reply + at, n) != REDIS_OK ||
            redisReaderGetReply(r, &out) != REDIS_OK) {
            fputs("hiredis: error\n", stderr);
            exit(1);
        }
    }
    if (!out)
        exit(1);
    sink += ((redisReply *)out)->elements;
    freeReplyObject(out);
    redisReaderFree(r);
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 7;
    if (rounds < 1 || rounds > 99)
        rounds = 7;
    reply_len = (size_t)snprintf(reply, sizeof reply, "*1000\r\n");
    for (int i = 0; i < 1000; i++)
        reply_len += (size_t)snprintf(reply + reply_len, sizeof reply - reply_len,
                                      "$10\r\nvalue-%04d\r\n", i);
    rp = cogen_resp_parser_new(NULL);
    if (!rp)
        return 1;
    const size_t chunks[] = {reply_len, 1460, 64, 8};
    void (*const run[])(size_t) = {run_cogen, run_hiredis};
    const char *const names[] = {"cogen_resp (coroutine)", "hiredis 0.14 reader"};
    enum { NV = 2, NC = 4 };
    double t[NV][NC][99];
    for (int round = 0; round < rounds; round++)
        for (int c = 0; c < NC; c++)
            for (int v = 0; v < NV; v++) {
                long iters = chunks[c] < 64 ? 300 : 2000;
                run[v](chunks[c]);
                double t0 = bench_now();
                for (long i = 0; i < iters; i++)
                    run[v](chunks[c]);
                t[v][c][round] = (bench_now() - t0) / (double)iters / 1000.0;
            }
    printf("MGET reply of 1000 10-byte values (%zu bytes); us per reply, median of %d rounds\n\n",
           reply_len, rounds);
    printf("| parser | whole | 1460-byte chunks | 64-byte chunks | 8-byte chunks |\n");
    printf("|---|---:|---:|---:|---:|\n");
    double med[NV][NC];
    for (int v = 0; v < NV; v++) {
        printf("| %s |", names[v]);
        for (int c = 0; c < NC; c++) {
            qsort(t[v][c], (size_t)rounds, sizeof(double), bench_cmp_double);
            med[v][c] = t[v][c][rounds / 2];
            printf(" %.1f |", med[v][c]);
        }
        printf("\n");
    }
    printf("| cogen / hiredis |");
    for (int c = 0; c < NC; c++)
        printf(" %.2fx |", med[0][c] / med[1][c]);
    printf("\n");
    cogen_resp_parser_free(rp);
    return sink == 0;
}
