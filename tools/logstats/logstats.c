/* SPDX-License-Identifier: MIT */
/*
 * logstats: crunches Apache combined-format access logs through a cogen
 * pipeline.
 *
 *   source (lines, in batches) -> parse -> broadcast -> status
 *                                                    -> clients
 *                                                    -> hours
 *                                                    -> top404
 *                                                    -> grep (optional)
 *
 * Each line is parsed once; the parsed records go to every aggregator.
 * With no input file it generates a deterministic sample log of a million
 * lines (chunk by chunk, never all of it in memory) and crunches that.
 */
#include "gen.h"
#include "logparse.h"
#include "stats.h"

#include <cogen/pipe.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_BATCH 256
#define DEFAULT_LINES 1000000ull
#define PROGRESS_EVERY 1000000ull

static void usage(FILE *f)
{
    fputs("usage: logstats [options] [FILE...]\n"
          "Crunches Apache combined-format access logs (FILE '-' is standard input).\n"
          "With no FILE, crunches a generated sample log.\n"
          "  --json           print the report as one JSON object\n"
          "  --grep PATTERN   also count parsed lines containing PATTERN\n"
          "  --follow         keep reading the (single) FILE as it grows, like tail -f;\n"
          "                   the report is printed on SIGINT/SIGTERM or after --idle\n"
          "  --idle SECONDS   with --follow: stop after that long without new lines\n"
          "  --batch N        lines per pipeline send (default 256; 0: one send per line)\n"
          "  --generate FILE  write the sample log to FILE ('-': stdout) and exit\n"
          "  --lines N        lines of the sample log (default 1000000)\n"
          "  --seed N         seed of the sample log (default 1)\n",
          f);
}

typedef struct app {
    stats st;
    size_t batch;
    log_rec *recs; /* parse output, reused for every batch */
    void **rec_ptrs;
    cogen_batch out;
    log_rec one;
    bool progress;
    unsigned long long next_progress;
} app;

static void progress(app *a)
{
    if (a->progress && a->st.lines >= a->next_progress) {
        fprintf(stderr, "\rlogstats: %llu lines...", (unsigned long long)a->st.lines);
        a->next_progress += PROGRESS_EVERY;
    }
}

/* The parse stage: a line (or a batch of lines) in, records out. */
static void *parse_stage(void *item, void *ud)
{
    app *a = ud;
    if (!a->batch) {
        const cogen_str *l = item;
        a->st.lines++;
        progress(a);
        if (!log_parse(l->ptr, l->len, &a->one)) {
            a->st.malformed++;
            return NULL;
        }
        a->st.parsed++;
        return &a->one;
    }
    const cogen_batch *b = item;
    size_t k = 0;
    for (size_t i = 0; i < b->n; i++) {
        const cogen_str *l = b->items[i];
        if (log_parse(l->ptr, l->len, &a->recs[k]))
            a->rec_ptrs[k] = &a->recs[k], k++;
    }
    a->st.lines += b->n;
    a->st.parsed += k;
    a->st.malformed += b->n - k;
    progress(a);
    a->out.n = k;
    return k ? &a->out : NULL;
}

typedef struct aggctx {
    app *a;
    void (*fn)(stats *, const log_rec *);
} aggctx;

static void agg_sink(void *item, void *ud)
{
    aggctx *c = ud;
    if (c->a->batch) {
        const cogen_batch *b = item;
        for (size_t i = 0; i < b->n; i++)
            c->fn(&c->a->st, b->items[i]);
    } else {
        c->fn(&c->a->st, item);
    }
}

static void agg_grep_rec(stats *st, const log_rec *r)
{
    agg_grep(st, r->line, r->line_len);
}

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static int parse_count(const char *opt, const char *s, unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-') {
        fprintf(stderr, "logstats: %s needs a number, not '%s'\n", opt, s);
        return -1;
    }
    *out = v;
    return 0;
}

static int write_sample(const char *path, unsigned long long lines, unsigned long long seed)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "wb") : stdout;
    if (!f) {
        fprintf(stderr, "logstats: %s: %s\n", path, strerror(errno));
        return 1;
    }
    static char buf[1 << 20];
    gen_state g;
    size_t n;
    gen_init(&g, seed, lines);
    while ((n = gen_fill(&g, buf, sizeof buf)) > 0)
        if (fwrite(buf, 1, n, f) != n)
            break;
    if (ferror(f) || (f != stdout ? fclose(f) : fflush(f)) != 0) {
        fprintf(stderr, "logstats: writing %s: %s\n", path, strerror(errno));
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    bool json = false, follow = false;
    const char *grep = NULL, *generate = NULL;
    unsigned long long batch = DEFAULT_BATCH, lines = DEFAULT_LINES, seed = 1, idle = 0;
    const char **files = calloc((size_t)argc + 1, sizeof *files);
    size_t nfiles = 0;
    if (!files)
        return 1;

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *val = NULL;
        char name[32];
        if (strcmp(arg, "--") == 0) {
            while (++i < argc)
                files[nfiles++] = argv[i];
            break;
        }
        if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
            files[nfiles++] = arg;
            continue;
        }
        const char *eq = strchr(arg, '=');
        size_t nl = eq ? (size_t)(eq - arg) : strlen(arg);
        if (nl >= sizeof name) {
            fprintf(stderr, "logstats: unknown option %s\n", arg);
            return 2;
        }
        memcpy(name, arg, nl);
        name[nl] = '\0';
        bool takes = !strcmp(name, "--grep") || !strcmp(name, "--generate") ||
                     !strcmp(name, "--lines") || !strcmp(name, "--seed") ||
                     !strcmp(name, "--batch") || !strcmp(name, "--idle");
        if (takes) {
            if (eq)
                val = eq + 1;
            else if (i + 1 < argc)
                val = argv[++i];
            else {
                fprintf(stderr, "logstats: %s needs a value\n", name);
                return 2;
            }
        } else if (eq) {
            fprintf(stderr, "logstats: %s takes no value\n", name);
            return 2;
        }
        if (!strcmp(name, "--json"))
            json = true;
        else if (!strcmp(name, "--follow"))
            follow = true;
        else if (!strcmp(name, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(name, "--grep"))
            grep = val;
        else if (!strcmp(name, "--generate"))
            generate = val;
        else if ((!strcmp(name, "--lines") && parse_count(name, val, &lines)) ||
                 (!strcmp(name, "--seed") && parse_count(name, val, &seed)) ||
                 (!strcmp(name, "--batch") && parse_count(name, val, &batch)) ||
                 (!strcmp(name, "--idle") && parse_count(name, val, &idle)))
            return 2;
        else if (!takes) {
            fprintf(stderr, "logstats: unknown option %s\n", arg);
            usage(stderr);
            return 2;
        }
    }
    if (generate) {
        int rc = write_sample(generate, lines, seed);
        free(files);
        return rc;
    }
    if (follow && nfiles != 1) {
        fprintf(stderr, "logstats: --follow needs exactly one FILE\n");
        return 2;
    }
    if (batch > 1u << 20) {
        fprintf(stderr, "logstats: --batch is at most %u\n", 1u << 20);
        return 2;
    }

    /* ---- the pipeline */
    static app a;
    stats_init(&a.st);
    a.batch = (size_t)batch;
    a.progress = isatty(2) && !follow;
    a.next_progress = PROGRESS_EVERY;
    if (grep) {
        a.st.grep = grep;
        a.st.grep_len = strlen(grep);
    }
    if (a.batch) {
        a.recs = malloc(a.batch * sizeof *a.recs);
        a.rec_ptrs = malloc(a.batch * sizeof *a.rec_ptrs);
        if (!a.recs || !a.rec_ptrs) {
            perror("logstats");
            return 1;
        }
        a.out.items = a.rec_ptrs;
    }
    aggctx ctx[5] = {
        {&a, agg_status}, {&a, agg_client}, {&a, agg_hour}, {&a, agg_404}, {&a, agg_grep_rec}};
    const char *names[5] = {"status", "clients", "hours", "top404", "grep"};
    cogen_pipe *p = cogen_pipe_new();
    cogen *aggs[5];
    size_t naggs = grep ? 5 : 4;
    for (size_t i = 0; p && i < naggs; i++)
        if (!(aggs[i] = cogen_pipe_sink(p, names[i], agg_sink, NULL, &ctx[i]))) {
            perror("logstats");
            return 1;
        }
    cogen *bc = p ? cogen_pipe_broadcast(p, "broadcast", aggs, naggs) : NULL;
    cogen *head = bc ? cogen_pipe_map(p, "parse", parse_stage, &a, bc) : NULL;
    if (!head) {
        perror("logstats");
        return 1;
    }

    cogen_source_opts o = {0};
    o.batch = a.batch;
    o.flags = COGEN_SRC_KEEP_OPEN;
    int status = 0;
    if (nfiles == 0) {
        /* The generated sample, a chunk at a time. */
        static char buf[1 << 20];
        gen_state g;
        size_t n;
        gen_init(&g, seed, lines);
        o.name = "sample";
        while ((n = gen_fill(&g, buf, sizeof buf)) > 0)
            if (cogen_pipe_feed_mem(p, buf, n, head, &o) < 0)
                break;
    } else {
        if (follow) {
            o.flags |= COGEN_SRC_FOLLOW;
            o.idle_ms = (int)(idle > 86400 ? 86400000 : idle * 1000);
            o.stop = &stop_flag;
            signal(SIGINT, on_signal);
            signal(SIGTERM, on_signal);
        }
        for (size_t i = 0; i < nfiles && cogen_pipe_error(p)->code == 0; i++) {
            int fd = strcmp(files[i], "-") ? open(files[i], O_RDONLY) : 0;
            if (fd < 0) {
                fprintf(stderr, "logstats: %s: %s\n", files[i], strerror(errno));
                status = 1;
                continue;
            }
            o.name = files[i];
            (void)cogen_pipe_feed_fd(p, fd, head, &o);
            if (fd != 0)
                close(fd);
        }
    }
    if (cogen_close(head) != 0 || cogen_pipe_error(p)->code != 0) {
        const cogen_err *e = cogen_pipe_error(p);
        if (e->code == 0)
            e = cogen_last_error(head);
        fprintf(stderr, "logstats: error in '%s': %s\n", e->where, e->msg);
        status = 1;
    }
    if (a.progress && a.st.lines >= PROGRESS_EVERY)
        fprintf(stderr, "\r%40s\r", "");
    if (json)
        stats_json(&a.st, stdout);
    else
        stats_text(&a.st, stdout);
    if (fflush(stdout) != 0)
        status = 1;
    cogen_pipe_free(p);
    stats_free(&a.st);
    free(a.recs);
    free(a.rec_ptrs);
    free(files);
    return status;
}
