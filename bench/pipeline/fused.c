/* SPDX-License-Identifier: MIT */
/*
 * The logstats report computed by one hand-fused loop: read a buffer, cut
 * lines, parse each, update every aggregator inline. No stages, no
 * switches: the baseline the cogen pipeline (tools/logstats) is measured
 * against. Same parser and aggregators (tools/logstats/logparse.c,
 * stats.c), same line rules ("\n" ends a line, a "\r" before it is
 * dropped, a last line without "\n" counts).
 *
 * Usage: fused FILE   (prints the JSON report, like logstats --json)
 */
#include "logparse.h"
#include "stats.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void one_line(stats *st, const char *s, size_t n)
{
    log_rec r;
    if (n && s[n - 1] == '\r')
        n--;
    st->lines++;
    if (log_parse(s, n, &r)) {
        st->parsed++;
        agg_all(st, &r);
    } else {
        st->malformed++;
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: fused FILE\n");
        return 2;
    }
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        perror(argv[1]);
        return 1;
    }
    static stats st;
    stats_init(&st);
    size_t cap = 64 * 1024, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (len == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
        if (!buf) {
            perror("fused");
            return 1;
        }
        ssize_t got = read(fd, buf + len, cap - len);
        if (got < 0) {
            perror(argv[1]);
            return 1;
        }
        if (got == 0)
            break;
        len += (size_t)got;
        size_t start = 0;
        const char *nl;
        while ((nl = memchr(buf + start, '\n', len - start)) != NULL) {
            size_t at = (size_t)(nl - buf);
            one_line(&st, buf + start, at - start);
            start = at + 1;
        }
        memmove(buf, buf + start, len - start);
        len -= start;
    }
    if (len)
        one_line(&st, buf, len);
    close(fd);
    free(buf);
    stats_json(&st, stdout);
    stats_free(&st);
    return 0;
}
