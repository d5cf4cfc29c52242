/* SPDX-License-Identifier: MIT */
/*
 * stats_merge: a log aggregated in parts and merged gives the report of the
 * whole log aggregated at once (what a threaded parse-and-aggregate needs).
 * Usage: test_merge LOG   (exit 0 when the JSON reports match)
 */
#include "gen.h"
#include "logparse.h"
#include "stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void add_lines(stats *st, const char *buf, size_t len)
{
    while (len) {
        const char *nl = memchr(buf, '\n', len);
        size_t n = nl ? (size_t)(nl - buf) : len;
        log_rec r;
        st->lines++;
        if (log_parse(buf, n, &r)) {
            st->parsed++;
            if (stats_match(st, &r))
                agg_all(st, &r);
        } else {
            st->malformed++;
            stats_reject(st, "sample", st->lines, buf, n);
        }
        buf += nl ? n + 1 : n;
        len -= nl ? n + 1 : n;
    }
}

static char *report(const stats *st, size_t *len)
{
    char *p = NULL;
    FILE *f = open_memstream(&p, len);
    if (!f)
        exit(1);
    stats_json(st, f);
    stats_print_rejects(st, f);
    fclose(f);
    return p;
}

int main(void)
{
    static char buf[1 << 20];
    static stats whole, parts[3];
    gen_state g;
    size_t n, chunk = 0;
    stats_init(&whole);
    whole.grep = "HTTP/1.1"; /* most lines: the filter is exercised too */
    whole.grep_len = 8;
    for (int i = 0; i < 3; i++)
        parts[i] = whole;
    gen_init(&g, 7, 60000);
    while ((n = gen_fill(&g, buf, 64 * 1024)) > 0) {
        add_lines(&whole, buf, n);
        add_lines(&parts[chunk++ % 3], buf, n); /* three "threads", chunks dealt in turn */
    }
    /* The sample has no virtual hosts: a few vhost_combined lines, dealt
     * to the parts in turn. */
    static const char vh[] = "a.example:443 10.0.0.1 - - [24/Nov/2026:00:00:01 +0000] \"GET /x "
                             "HTTP/1.1\" 200 5 \"-\" \"ua\"\n"
                             "b.example:80 10.0.0.2 - - [24/Nov/2026:00:00:02 +0000] \"GET /y.css "
                             "HTTP/1.1\" 200 7 \"-\" \"ua\"\n"
                             "a.example:80 10.0.0.1 - - [25/Nov/2026:00:00:03 +0000] \"GET /x "
                             "HTTP/1.1\" 404 9 \"-\" \"ua\"\n";
    for (const char *l = vh; *l; chunk++) {
        size_t len = (size_t)(strchr(l, '\n') - l) + 1;
        add_lines(&whole, l, len);
        add_lines(&parts[chunk % 3], l, len);
        l += len;
    }
    /* Rejected lines carry line numbers of their part: renumber is not the
     * point here, so compare only the figures. */
    whole.nrejects = 0;
    for (int i = 1; i < 3; i++)
        stats_merge(&parts[0], &parts[i]);
    parts[0].nrejects = 0;
    size_t la, lb;
    char *a = report(&whole, &la), *b = report(&parts[0], &lb);
    int same = la == lb && memcmp(a, b, la) == 0;
    if (!same)
        fprintf(stderr, "whole:\n%s\nmerged:\n%s\n", a, b);
    else if (whole.parsed < 50000 || whole.malformed == 0 || whole.nf.n == 0 ||
             whole.visitors.n < 1000 || whole.days.n < 2 || whole.paths.n == 0 ||
             whole.statics.n == 0 || whole.referers.n == 0 || whole.agents.n == 0 ||
             whole.vhosts.n < 2 || whole.grep_lines == 0)
        fprintf(stderr,
                "the sample does not exercise every table (%zu visitors, %zu days, %zu vhosts)\n",
                whole.visitors.n, whole.days.n, whole.vhosts.n),
            same = 0;
    free(a);
    free(b);
    for (int i = 0; i < 3; i++)
        stats_free(&parts[i]);
    stats_free(&whole);
    return same ? 0 : 1;
}
