/* SPDX-License-Identifier: MIT */
/*
 * logstats: crunches web server access logs through a cogen pipeline.
 *
 *   reader (whole lines) -> source (batches) -> parse [and --grep] -> broadcast -> status
 *                                                                              -> clients
 *                                                                              -> hours
 *                                                                              -> top404
 *                                                                              -> visitors
 *                                                                              -> requests
 *                                                                              -> referrers
 *                                                                              -> agents
 *                                                                              -> vhosts
 *
 * Each line is parsed once; the parsed records go to every aggregator. The
 * aggregates live in one `stats`; stats_merge() combines partial ones, so
 * the parse-and-aggregate part can be run on several parts of the input at
 * once and merged before the report: --jobs N does so on N threads (see
 * "--jobs" below).
 */
#include "gen.h"
#include "input.h"
#include "logparse.h"
#include "stats.h"

#include <cogen/pipe.h>
#include <cogen/stage.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef LOGSTATS_VERSION
#define LOGSTATS_VERSION "0"
#endif

#define DEFAULT_BATCH 256
/* --jobs: most threads, and the bytes of whole lines handed to one at a time. */
#define MAX_JOBS 256
#define JOB_CHUNK ((size_t)64 * 1024)

static const char usage_text[] =
    "usage: logstats [options] [FILE...]\n"
    "Crunches web server access logs: Apache common, combined, vhost_combined,\n"
    "nginx combined (see logstats(1)).\n"
    "With no FILE, or FILE '-', reads the log on standard input.\n"
    "  -h, --help       print this help and exit\n"
    "      --version    print the version and exit\n"
    "      --format F   the log's Apache LogFormat string, e.g. '%h %l %u %t \"%r\" %>s %b',\n"
    "                   or common, combined, vhost_combined (default: recognise each\n"
    "                   line as one of the formats above)\n"
    "      --json       print the report as one JSON object\n"
    "      --csv        print the report as CSV (RFC 4180)\n"
    "      --html FILE  write the report as one self-contained HTML page with charts\n"
    "                   to FILE ('-': stdout) instead of printing it\n"
    "      --top N      rows in every top-N list (default 10)\n"
    "      --utc        requests per hour in UTC (default: the hour as logged)\n"
    "      --grep TEXT  report only the lines that contain TEXT (every panel)\n"
    "      --follow     keep reading the (single) FILE as it grows, like tail -F\n"
    "                   (rotation by truncation or rename is followed); the report\n"
    "                   is printed on SIGINT/SIGTERM or after --idle\n"
    "      --idle S     with --follow: stop after S seconds without new lines\n"
    "      --interval S with --follow: also print (or write, with --html) a fresh\n"
    "                   report every S seconds\n"
    "      --sample N   crunch a generated sample log of N lines (no FILE)\n"
    "      --seed N     seed of the generated sample (default 1)\n"
    "      --generate FILE  write the sample log to FILE ('-': stdout) and exit\n"
    "      --lines N    lines written by --generate (default 1000000)\n"
    "      --batch N    lines per pipeline send (default 256; 0: one send per line)\n"
    "      --jobs N     parse and aggregate on N threads (default 1; 0: one per CPU);\n"
    "                   the report is the same whatever N (not with --follow)\n";

/* ---- errors: one format, "logstats: ...", on stderr */

static void complain(const char *fmt, const char *a, const char *b)
{
    fputs("logstats: ", stderr);
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
}

/* Writes all of buf to fd 1; reports a failure. */
static int write_stdout(const char *buf, size_t n)
{
    while (n) {
        ssize_t w = write(1, buf, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            complain("writing the output: %s%s", strerror(w < 0 ? errno : EIO), "");
            return -1;
        }
        buf += w;
        n -= (size_t)w;
    }
    return 0;
}

/* The report is written into memory, then out with write(2), so that a
 * failed write (a full disk, a closed pipe) is seen with its errno. */
typedef struct outbuf {
    char *p;
    size_t n;
    FILE *f;
} outbuf;

static FILE *out_begin(outbuf *o)
{
    o->p = NULL;
    o->n = 0;
    o->f = open_memstream(&o->p, &o->n);
    if (!o->f)
        complain("out of memory%s%s", "", "");
    return o->f;
}

static int out_end(outbuf *o)
{
    int bad = ferror(o->f);
    int rc = fclose(o->f) != 0 || bad ? -1 : 0;
    if (rc < 0)
        complain("out of memory%s%s", "", "");
    else
        rc = write_stdout(o->p, o->n);
    free(o->p);
    return rc;
}

/* ---- options */

typedef struct options options;
struct options {
    bool json, csv, follow, help, version, utc;
    const char *grep, *generate, *format, *html;
    unsigned long long batch, lines, seed, idle, top, sample, interval, jobs;
    bool have_sample, have_jobs;
    const char **files;
    size_t nfiles;
};

/* A count: decimal digits only (no sign, no space), within [min, max]. */
static int parse_count(const char *opt, const char *s, unsigned long long min,
                       unsigned long long max, unsigned long long *out)
{
    unsigned long long v = 0;
    bool ok = *s != '\0';
    for (const char *c = s; ok && *c; c++) {
        if (*c < '0' || *c > '9' || v > (max - (unsigned)(*c - '0')) / 10)
            ok = false;
        else
            v = v * 10 + (unsigned)(*c - '0');
    }
    if (!ok || v < min || v > max) {
        fprintf(stderr, "logstats: %s needs a whole number from %llu to %llu, not '%s'\n", opt, min,
                max, s);
        return -1;
    }
    *out = v;
    return 0;
}

typedef struct optdef {
    const char *name;
    int kind; /* 0: flag, 1: string, 2: count */
    unsigned long long min, max;
} optdef;

static const optdef optdefs[] = {
    {"--help", 0, 0, 0},      {"--version", 0, 0, 0},        {"--json", 0, 0, 0},
    {"--utc", 0, 0, 0},       {"--follow", 0, 0, 0},         {"--grep", 1, 0, 0},
    {"--generate", 1, 0, 0},  {"--lines", 2, 0, 1ull << 40}, {"--sample", 2, 0, 1ull << 40},
    {"--seed", 2, 0, ~0ull},  {"--batch", 2, 0, 1u << 20},   {"--idle", 2, 0, 86400 * 365},
    {"--top", 2, 1, 1000000}, {"--format", 1, 0, 0},         {"--csv", 0, 0, 0},
    {"--html", 1, 0, 0},      {"--interval", 2, 1, 86400},   {"--jobs", 2, 0, MAX_JOBS},
};

static int set_option(options *o, const char *name, const char *val)
{
    const optdef *d = NULL;
    for (size_t i = 0; i < sizeof optdefs / sizeof *optdefs; i++)
        if (!strcmp(optdefs[i].name, name))
            d = &optdefs[i];
    unsigned long long n = 0;
    if (d->kind == 2 && parse_count(name, val, d->min, d->max, &n) < 0)
        return -1;
    if (!strcmp(name, "--help"))
        o->help = true;
    else if (!strcmp(name, "--version"))
        o->version = true;
    else if (!strcmp(name, "--json"))
        o->json = true;
    else if (!strcmp(name, "--csv"))
        o->csv = true;
    else if (!strcmp(name, "--html"))
        o->html = val;
    else if (!strcmp(name, "--follow"))
        o->follow = true;
    else if (!strcmp(name, "--utc"))
        o->utc = true;
    else if (!strcmp(name, "--grep"))
        o->grep = val;
    else if (!strcmp(name, "--format"))
        o->format = val;
    else if (!strcmp(name, "--generate"))
        o->generate = val;
    else if (!strcmp(name, "--lines"))
        o->lines = n;
    else if (!strcmp(name, "--sample"))
        o->sample = n, o->have_sample = true;
    else if (!strcmp(name, "--seed"))
        o->seed = n;
    else if (!strcmp(name, "--batch"))
        o->batch = n;
    else if (!strcmp(name, "--idle"))
        o->idle = n;
    else if (!strcmp(name, "--top"))
        o->top = n;
    else if (!strcmp(name, "--interval"))
        o->interval = n;
    else if (!strcmp(name, "--jobs"))
        o->jobs = n, o->have_jobs = true;
    return 0;
}

/* Returns 0, or -1 after printing the error. */
static int parse_options(options *o, int argc, char **argv)
{
    o->batch = DEFAULT_BATCH;
    o->lines = 1000000;
    o->seed = 1;
    o->top = 10;
    o->jobs = 1;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--")) {
            while (++i < argc)
                o->files[o->nfiles++] = argv[i];
            break;
        }
        if (arg[0] != '-' || !strcmp(arg, "-")) {
            o->files[o->nfiles++] = arg;
            continue;
        }
        if (!strcmp(arg, "-h"))
            arg = "--help";
        const char *eq = strchr(arg, '=');
        size_t nl = eq ? (size_t)(eq - arg) : strlen(arg);
        const optdef *d = NULL;
        for (size_t k = 0; k < sizeof optdefs / sizeof *optdefs; k++)
            if (strlen(optdefs[k].name) == nl && !strncmp(optdefs[k].name, arg, nl))
                d = &optdefs[k];
        if (!d) {
            complain("unknown option '%s' (logstats --help lists them)%s", arg, "");
            return -1;
        }
        const char *val = NULL;
        if (d->kind) {
            if (eq)
                val = eq + 1;
            else if (i + 1 < argc)
                val = argv[++i];
            else {
                complain("%s needs a value%s", d->name, "");
                return -1;
            }
        } else if (eq) {
            complain("%s takes no value%s", d->name, "");
            return -1;
        }
        if (set_option(o, d->name, val) < 0)
            return -1;
    }
    return 0;
}

/* ---- the pipeline */

typedef struct app app;

typedef struct aggctx {
    app *a;
    void (*fn)(stats *, const log_rec *);
} aggctx;

#define NAGGS 9

struct jobs;

/* One parse-and-aggregate pipeline and its figures: the only one, or, with
 * --jobs, one per worker thread (the main one then only merges). */
struct app {
    stats st;
    size_t batch;
    log_rec *recs; /* parse output, reused for every batch */
    void **rec_ptrs;
    cogen_batch out;
    log_rec one;
    cogen_pipe *p;
    cogen *head;
    cogen_source_opts src;
    aggctx ctx[NAGGS];
    const log_format *fmt; /* NULL: recognise each line's format */
    const struct options *opts;
    int report_failed;   /* a refreshed report could not be written */
    const char *file;    /* current input, for rejected lines */
    uint64_t file_first; /* st.lines when it started (--jobs: when the chunk did) */
    /* --jobs: the chunk being parsed, and the chunk of each rejected line */
    uint64_t chunk_seq;
    uint64_t reject_seq[STATS_REJECTS];
    struct jobs *jobs; /* the main app with --jobs, else NULL */
    /* progress on a terminal */
    bool progress;
    uint64_t total_bytes, done_bytes, file_bytes;
    long long started_ms, shown_ms;
};

static int parse_line(const app *a, const char *s, size_t n, log_rec *r)
{
    return a->fmt ? log_parse_format(a->fmt, s, n, r) : log_parse(s, n, r);
}

static void reject(app *a, const cogen_str *l, uint64_t index_in_batch)
{
    if (a->st.nrejects < STATS_REJECTS) {
        a->reject_seq[a->st.nrejects] = a->chunk_seq;
        stats_reject(&a->st, a->file, a->st.lines - a->file_first + index_in_batch + 1, l->ptr,
                     l->len);
    }
}

/* The parse stage: a line (or a batch of lines) in, records out. */
static void *parse_stage(void *item, void *ud)
{
    app *a = ud;
    if (!a->batch) {
        const cogen_str *l = item;
        if (!parse_line(a, l->ptr, l->len, &a->one)) {
            reject(a, l, 0);
            a->st.lines++;
            a->st.malformed++;
            return NULL;
        }
        a->st.lines++;
        a->st.parsed++;
        return stats_match(&a->st, &a->one) ? &a->one : NULL;
    }
    const cogen_batch *b = item;
    size_t k = 0, parsed = 0;
    for (size_t i = 0; i < b->n; i++) {
        const cogen_str *l = b->items[i];
        if (!parse_line(a, l->ptr, l->len, &a->recs[k])) {
            reject(a, l, i);
            continue;
        }
        parsed++;
        if (stats_match(&a->st, &a->recs[k]))
            a->rec_ptrs[k] = &a->recs[k], k++;
    }
    a->st.lines += b->n;
    a->st.parsed += parsed;
    a->st.malformed += b->n - parsed;
    a->out.n = k;
    return k ? &a->out : NULL;
}

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

static int build_pipeline(app *a)
{
    static const char *const names[NAGGS] = {"status",    "clients",  "hours",
                                             "top404",    "visitors", "requests",
                                             "referrers", "agents",   "vhosts"};
    void (*fns[NAGGS])(stats *, const log_rec *) = {agg_status,  agg_client,  agg_hour,
                                                    agg_404,     agg_visitor, agg_request,
                                                    agg_referer, agg_agent,   agg_vhost};
    cogen *aggs[NAGGS];
    size_t naggs = NAGGS;
    if (a->batch) {
        a->recs = malloc(a->batch * sizeof *a->recs);
        a->rec_ptrs = malloc(a->batch * sizeof *a->rec_ptrs);
        if (!a->recs || !a->rec_ptrs)
            return -1;
        a->out.items = a->rec_ptrs;
    }
    if (!(a->p = cogen_pipe_new()))
        return -1;
    for (size_t i = 0; i < naggs; i++) {
        a->ctx[i] = (aggctx){a, fns[i]};
        if (!(aggs[i] = cogen_pipe_sink(a->p, names[i], agg_sink, NULL, &a->ctx[i])))
            return -1;
    }
    cogen *bc = cogen_pipe_broadcast(a->p, "broadcast", aggs, naggs);
    a->head = bc ? cogen_pipe_map(a->p, "parse", parse_stage, a, bc) : NULL;
    a->src.batch = a->batch;
    a->src.flags = COGEN_SRC_KEEP_OPEN;
    return a->head ? 0 : -1;
}

static void free_app(app *a)
{
    cogen_pipe_free(a->p);
    stats_free(&a->st);
    free(a->recs);
    free(a->rec_ptrs);
}

/* ---- --jobs: the parse-and-aggregate on worker threads
 *
 *   reader -> chunks of whole lines -> parallel stage (N workers, each
 *   feeding its chunks to a pipeline of its own, as above, into stats of
 *   its own) -> chunk outcomes (line counts), on the main thread
 *
 * At the end the workers' stats are merged into the main app's. A worker
 * takes chunks in the order they were dealt, so its first rejected lines
 * are its earliest; the first of all of them, by chunk and line, are the
 * ones --jobs 1 lists, once each chunk's line number in its input is known
 * from the line counts of the chunks before it. */

/* A chunk as it crosses to a worker (copied with its bytes). */
typedef struct chunk {
    uint64_t seq;
    const char *file;
    size_t len;
    const char *ptr; /* the bytes: right after the struct in a copy */
} chunk;

typedef struct chunk_done {
    uint64_t seq, lines;
} chunk_done;

typedef struct jobs {
    size_t n;
    app *main;
    cogen *stage; /* the parallel stage; sends chunk_done to `done` */
    cogen *done;
    pthread_mutex_t mu; /* guards parts */
    app **parts;
    size_t nparts;
    uint64_t next_seq, input_seq; /* the first chunk of the current input */
    uint64_t *input_start;        /* by chunk: the first chunk of its input */
    uint64_t *lines;              /* by chunk: its lines, once parsed */
    size_t cap;
    uint64_t lines_done;
    bool failed; /* said already */
} jobs;

static _Thread_local app *my_part;

static void *chunk_copy(void *item, void *ud)
{
    (void)ud;
    const chunk *c = item;
    chunk *k = malloc(sizeof *k + c->len);
    if (k) {
        *k = *c;
        memcpy(k + 1, c->ptr, c->len);
        k->ptr = (const char *)(k + 1);
    }
    return k;
}

static void chunk_release(void *item, void *ud)
{
    (void)ud;
    free(item);
}

static void free_part(app *part)
{
    free_app(part);
    free(part);
}

/* This worker thread's pipeline, made at its first chunk. */
static app *worker_part(jobs *j)
{
    if (my_part)
        return my_part;
    const app *m = j->main;
    app *part = calloc(1, sizeof *part);
    if (!part)
        return NULL;
    stats_init(&part->st);
    part->st.top = m->st.top;
    part->st.utc = m->st.utc;
    part->st.grep = m->st.grep;
    part->st.grep_len = m->st.grep_len;
    part->batch = m->batch;
    part->fmt = m->fmt;
    if (build_pipeline(part) < 0) {
        free_part(part);
        return NULL;
    }
    pthread_mutex_lock(&j->mu);
    j->parts[j->nparts++] = part; /* one per worker: room for n */
    pthread_mutex_unlock(&j->mu);
    return my_part = part;
}

/* The parallel stage's work: one chunk through this worker's pipeline. */
static void *parse_chunk(void *item, void *ud)
{
    jobs *j = ud;
    const chunk *c = item;
    app *part = worker_part(j);
    if (!part)
        cogen_raise(cogen_current(), COGEN_ENOMEM, "out of memory making a worker's pipeline");
    part->file = c->file;
    part->file_first = part->st.lines;
    part->chunk_seq = c->seq;
    if (cogen_pipe_feed_mem(part->p, c->ptr, c->len, part->head, &part->src) < 0) {
        const cogen_err *e = cogen_pipe_error(part->p);
        cogen_raise(cogen_current(), e->code, "stage '%s': %s", e->where, e->msg);
    }
    chunk_done *d = malloc(sizeof *d);
    if (!d)
        cogen_raise(cogen_current(), COGEN_ENOMEM, "out of memory");
    d->seq = c->seq;
    d->lines = part->st.lines - part->file_first;
    return d;
}

static void done_release(void *result, void *ud)
{
    (void)ud;
    free(result);
}

/* On the main thread: a chunk's line count. */
static void chunk_parsed(void *item, void *ud)
{
    jobs *j = ud;
    const chunk_done *d = item;
    j->lines[d->seq] = d->lines;
    j->lines_done += d->lines;
}

static int jobs_start(jobs *j, app *main_app, size_t n)
{
    memset(j, 0, sizeof *j);
    j->n = n;
    j->main = main_app;
    main_app->jobs = j; /* from here on, finish() frees j */
    pthread_mutex_init(&j->mu, NULL);
    j->parts = calloc(n, sizeof *j->parts);
    if (!j->parts || !(main_app->p = cogen_pipe_new()))
        return -1;
    j->done = cogen_pipe_sink(main_app->p, "lines", chunk_parsed, NULL, j);
    /* A few chunks in flight per worker: enough to keep each busy, few
     * enough to bound the memory (capacity x JOB_CHUNK bytes). */
    cogen_stage_opts so = {4 * n, 0, chunk_copy, chunk_release, NULL, 0};
    j->stage = j->done
                   ? cogen_stage_parallel("parse", n, parse_chunk, done_release, j, j->done, &so)
                   : NULL;
    main_app->jobs = j;
    return j->stage ? 0 : -1;
}

/* Hands buf (whole lines) to the workers, in chunks of about JOB_CHUNK. */
static int jobs_feed(jobs *j, const char *file, const char *buf, size_t len)
{
    while (len) {
        size_t n = len;
        if (n > JOB_CHUNK) {
            const char *nl = memrchr(buf, '\n', JOB_CHUNK);
            if (!nl)
                nl = memchr(buf + JOB_CHUNK, '\n', len - JOB_CHUNK);
            n = nl ? (size_t)(nl - buf) + 1 : len;
        }
        if (j->next_seq == j->cap) {
            size_t cap = j->cap ? 2 * j->cap : 1024;
            uint64_t *s = realloc(j->input_start, cap * sizeof *s);
            if (s)
                j->input_start = s;
            uint64_t *l = s ? realloc(j->lines, cap * sizeof *l) : NULL;
            if (!l) {
                complain("out of memory%s%s", "", "");
                return -1;
            }
            j->lines = l;
            j->cap = cap;
        }
        j->input_start[j->next_seq] = j->input_seq;
        j->lines[j->next_seq] = 0;
        chunk c = {j->next_seq++, file, n, buf};
        if (cogen_send(j->stage, &c, NULL) != COGEN_YIELDED) {
            const cogen_err *e = cogen_last_error(j->stage);
            j->failed = true;
            complain("error in the pipeline, stage '%s': %s", e->where, e->msg);
            return -1;
        }
        buf += n;
        len -= n;
    }
    return 0;
}

/* The true line number of a worker's rejected line. */
static uint64_t reject_line(const jobs *j, uint64_t seq, uint64_t line_in_chunk)
{
    uint64_t line = line_in_chunk;
    for (uint64_t s = j->input_start[seq]; s < seq; s++)
        line += j->lines[s];
    return line;
}

typedef struct ranked_reject {
    uint64_t seq;
    struct stats_reject r;
} ranked_reject;

static int by_chunk_and_line(const void *x, const void *y)
{
    const ranked_reject *a = x, *b = y;
    if (a->seq != b->seq)
        return a->seq < b->seq ? -1 : 1;
    return (a->r.line > b->r.line) - (a->r.line < b->r.line);
}

/* After the stage has been closed (the workers joined): every worker's
 * figures into the main app's, the first rejected lines renumbered. */
static void jobs_merge(jobs *j)
{
    stats *st = &j->main->st;
    ranked_reject rr[MAX_JOBS * STATS_REJECTS];
    size_t nr = 0;
    for (size_t i = 0; i < j->nparts; i++) {
        app *part = j->parts[i];
        for (size_t k = 0; k < part->st.nrejects; k++)
            rr[nr++] = (ranked_reject){part->reject_seq[k], part->st.rejects[k]};
        part->st.nrejects = 0;
        stats_merge(st, &part->st);
    }
    qsort(rr, nr, sizeof *rr, by_chunk_and_line);
    for (size_t k = 0; k < nr && st->nrejects < STATS_REJECTS; k++) {
        rr[k].r.line = reject_line(j, rr[k].seq, rr[k].r.line);
        st->rejects[st->nrejects++] = rr[k].r;
    }
}

/* Closes the stage (drains the chunks, joins the workers); 0, or -1 after
 * saying why. */
static int jobs_close(jobs *j)
{
    if (!j->stage)
        return j->failed ? -1 : 0;
    int rc = cogen_close(j->stage);
    if (rc != 0 && !j->failed) {
        const cogen_err *e = cogen_last_error(j->stage);
        complain("error in the pipeline, stage '%s': %s", e->where, e->msg);
    }
    cogen_free(j->stage);
    j->stage = NULL;
    return rc != 0 || j->failed ? -1 : 0;
}

static void jobs_free(jobs *j)
{
    (void)jobs_close(j);
    for (size_t i = 0; i < j->nparts; i++)
        free_part(j->parts[i]);
    free(j->parts);
    free(j->input_start);
    free(j->lines);
    pthread_mutex_destroy(&j->mu);
}

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void show_progress(app *a, bool force)
{
    long long now = now_ms();
    if (!a->progress || (!force && now - a->shown_ms < 250))
        return;
    a->shown_ms = now;
    double secs = (double)(now - a->started_ms) / 1000.0;
    uint64_t lines = a->jobs ? a->jobs->lines_done : a->st.lines;
    double rate = secs > 0 ? (double)lines / secs : 0;
    uint64_t done = a->done_bytes + a->file_bytes;
    if (a->total_bytes && done <= a->total_bytes) {
        double frac = (double)done / (double)a->total_bytes;
        double eta = frac > 0 ? secs / frac - secs : 0;
        fprintf(stderr, "\rlogstats: %3.0f%%  %llu lines  %.0f lines/s  ETA %.0f s   ", frac * 100,
                (unsigned long long)lines, rate, eta);
    } else {
        fprintf(stderr, "\rlogstats: %llu lines  %.0f lines/s   ", (unsigned long long)lines, rate);
    }
}

static void on_progress(void *ud, uint64_t bytes)
{
    app *a = ud;
    a->file_bytes = bytes;
    show_progress(a, false);
}

/* Whole lines from the reader into the pipeline. */
static int on_lines(void *ud, const char *buf, size_t len)
{
    app *a = ud;
    if (a->jobs)
        return jobs_feed(a->jobs, a->file, buf, len);
    if (cogen_pipe_feed_mem(a->p, buf, len, a->head, &a->src) >= 0)
        return 0;
    const cogen_err *e = cogen_pipe_error(a->p);
    complain("error in the pipeline, stage '%s': %s", e->where, e->msg);
    return -1;
}

static void start_input(app *a, const char *name)
{
    a->file = name;
    a->file_first = a->st.lines;
    if (a->jobs)
        a->jobs->input_seq = a->jobs->next_seq;
    a->done_bytes += a->file_bytes;
    a->file_bytes = 0;
}

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static int write_sample(const options *o)
{
    bool to_stdout = !strcmp(o->generate, "-");
    int fd = to_stdout ? 1 : open(o->generate, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        complain("%s: %s", o->generate, strerror(errno));
        return 1;
    }
    static char buf[1 << 20];
    gen_state g;
    size_t n;
    int rc = 0;
    gen_init(&g, o->seed, o->lines);
    while (rc == 0 && (n = gen_fill(&g, buf, sizeof buf)) > 0) {
        for (size_t off = 0; off < n;) {
            ssize_t w = write(fd, buf + off, n - off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                complain("writing %s: %s", to_stdout ? "the output" : o->generate,
                         strerror(w < 0 ? errno : EIO));
                rc = 1;
                break;
            }
            off += (size_t)w;
        }
    }
    if (!to_stdout && close(fd) != 0 && rc == 0) {
        complain("writing %s: %s", o->generate, strerror(errno));
        rc = 1;
    }
    return rc;
}

static void feed_sample(app *a, const options *o)
{
    static char buf[1 << 20];
    gen_state g;
    size_t n;
    gen_init(&g, o->seed, o->sample);
    start_input(a, "sample");
    a->st.generated = 1;
    a->st.seed = o->seed;
    a->total_bytes = 0;
    while ((n = gen_fill(&g, buf, sizeof buf)) > 0) {
        if (on_lines(a, buf, n) < 0)
            break;
        show_progress(a, false);
    }
}

/* Opens one input; NULL name or "-" is standard input. Returns the fd, or
 * -1 after saying why (a directory is refused here: read(2) would say so
 * only on some systems). */
static int open_input(const char *name, uint64_t *size)
{
    int fd = strcmp(name, "-") ? open(name, O_RDONLY) : 0;
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        complain("%s: %s (skipped)", name, strerror(errno));
        if (fd > 0)
            close(fd);
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        complain("%s: %s (skipped)", name, strerror(EISDIR));
        if (fd > 0)
            close(fd);
        return -1;
    }
    *size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
    return fd;
}

/* Reads every input; returns the number of inputs skipped or cut short. */
static size_t feed_files(app *a, const options *o, size_t *readable)
{
    size_t bad = 0;
    input_sink sink = {on_lines, on_progress, a};
    for (size_t i = 0; i < o->nfiles; i++) {
        struct stat st;
        if (strcmp(o->files[i], "-") && stat(o->files[i], &st) == 0 && S_ISREG(st.st_mode))
            a->total_bytes += (uint64_t)st.st_size;
    }
    for (size_t i = 0; i < o->nfiles; i++) {
        const char *name = o->files[i];
        uint64_t size = 0;
        int fd = open_input(name, &size);
        if (fd < 0) {
            bad++;
            continue;
        }
        start_input(a, strcmp(name, "-") ? name : "stdin");
        int r = input_read_fd(name, fd, &sink);
        if (fd > 0)
            close(fd);
        if (r != INPUT_SKIPPED)
            ++*readable;
        if (r == INPUT_STOPPED)
            return bad + 1;
        if (r != INPUT_OK)
            bad++;
    }
    return bad;
}

/* Writes the HTML report to path: to a temporary file renamed over it, so
 * that a reader (or a refreshing browser) never sees half a page. */
static int write_html(const stats *st, const char *path)
{
    char *tmp = NULL;
    if (asprintf(&tmp, "%s.tmp%ld", path, (long)getpid()) < 0) {
        complain("out of memory%s%s", "", "");
        return -1;
    }
    FILE *f = fopen(tmp, "w");
    int rc = 0;
    if (!f) {
        complain("%s: %s", tmp, strerror(errno));
        free(tmp);
        return -1;
    }
    stats_html(st, f);
    if (ferror(f) | (fclose(f) != 0)) {
        complain("writing %s: %s", tmp, strerror(errno));
        rc = -1;
    } else if (rename(tmp, path) != 0) {
        complain("%s: %s", path, strerror(errno));
        rc = -1;
    }
    if (rc < 0)
        unlink(tmp);
    free(tmp);
    return rc;
}

static int print_report(const app *a, const options *o)
{
    if (o->html && strcmp(o->html, "-"))
        return write_html(&a->st, o->html);
    outbuf ob;
    FILE *f = out_begin(&ob);
    if (!f)
        return -1;
    if (o->html)
        stats_html(&a->st, f);
    else if (o->json)
        stats_json(&a->st, f);
    else if (o->csv)
        stats_csv(&a->st, f);
    else
        stats_text(&a->st, f);
    return out_end(&ob);
}

/* --follow --interval: the report so far. On a terminal the text report
 * replaces the previous one; otherwise reports follow each other (one JSON
 * object per line with --json). */
static void refresh(void *ud)
{
    app *a = ud;
    if (!a->opts->json && !a->opts->csv && !a->opts->html && isatty(1) &&
        write_stdout("\033[H\033[2J", 7) < 0)
        a->report_failed = 1;
    if (print_report(a, a->opts) < 0)
        a->report_failed = 1;
}

/* --jobs N, 0 being one thread per CPU. */
static size_t thread_count(const options *o)
{
    if (o->jobs)
        return (size_t)o->jobs;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > MAX_JOBS ? MAX_JOBS : (size_t)n;
}

static void finish(app *a)
{
    if (a->jobs)
        jobs_free(a->jobs); /* before the pipe its stage sends to */
    free_app(a);
}

static int run(const options *o)
{
    static app a;
    static log_format fmt;
    if (o->format) {
        char err[200];
        if (log_format_compile(&fmt, o->format, err, sizeof err) < 0) {
            complain("%s%s", err, "");
            return 2;
        }
        a.fmt = &fmt;
    }
    stats_init(&a.st);
    a.st.top = (size_t)o->top;
    a.st.utc = o->utc;
    a.batch = (size_t)o->batch;
    a.progress = isatty(2) && !o->follow;
    a.started_ms = now_ms();
    a.shown_ms = 0; /* the first chunk shows the line at once */
    if (o->grep) {
        a.st.grep = o->grep;
        a.st.grep_len = strlen(o->grep);
    }
    static jobs j;
    size_t nthreads = thread_count(o);
    if (nthreads > 1 ? jobs_start(&j, &a, nthreads) < 0 : build_pipeline(&a) < 0) {
        complain("cannot build the pipeline: %s%s", strerror(errno), "");
        finish(&a);
        return 1;
    }
    size_t bad = 0, readable = 0;
    if (o->have_sample) {
        feed_sample(&a, o);
        readable = 1;
    } else if (o->follow) {
        follow_opts fo = {100, (long long)o->idle * 1000, &stop_flag, (long long)o->interval * 1000,
                          refresh};
        a.opts = o;
        input_sink sink = {on_lines, NULL, &a};
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        start_input(&a, o->files[0]);
        int r = input_follow(o->files[0], &sink, &fo);
        readable = r != INPUT_SKIPPED;
        bad = r != INPUT_OK;
    } else {
        bad = feed_files(&a, o, &readable);
    }
    int status = bad ? 1 : 0;
    if (a.jobs) {
        if (jobs_close(&j) < 0)
            status = 1;
        jobs_merge(&j);
    } else if (cogen_close(a.head) != 0 || cogen_pipe_error(a.p)->code != 0) {
        const cogen_err *e = cogen_pipe_error(a.p);
        if (e->code == 0)
            e = cogen_last_error(a.head);
        complain("error in the pipeline, stage '%s': %s", e->where, e->msg);
        status = 1;
    }
    if (a.progress && a.st.lines)
        fprintf(stderr, "\r%70s\r", "");
    if (readable == 0) {
        finish(&a);
        return 1; /* every input was skipped: each said why; no report */
    }
    if (a.st.lines > 0 && a.st.parsed == 0) {
        fprintf(stderr,
                "logstats: no line is in a log format logstats reads (%llu lines); the first:\n",
                (unsigned long long)a.st.lines);
        stats_print_rejects(&a.st, stderr);
        finish(&a);
        return 1;
    }
    if (print_report(&a, o) < 0 || a.report_failed)
        status = 1;
    if (bad)
        fprintf(stderr,
                "logstats: %zu input%s skipped or cut short (see above): the report leaves "
                "%s out\n",
                bad, bad == 1 ? "" : "s", bad == 1 ? "it" : "them");
    finish(&a);
    return status;
}

int main(int argc, char **argv)
{
    options o = {0};
    o.files = calloc((size_t)argc + 1, sizeof *o.files);
    if (!o.files) {
        complain("out of memory%s%s", "", "");
        return 1;
    }
    int rc;
    if (parse_options(&o, argc, argv) < 0)
        rc = 2;
    else if (o.help)
        rc = write_stdout(usage_text, sizeof usage_text - 1) < 0;
    else if (o.version) {
        static const char v[] = "logstats " LOGSTATS_VERSION " (cogen)\n";
        rc = write_stdout(v, sizeof v - 1) < 0;
    } else if (o.generate)
        rc = write_sample(&o);
    else if (o.json + o.csv + (o.html != NULL) > 1) {
        complain("--json, --csv and --html choose the output: give one%s%s", "", "");
        rc = 2;
    } else if (o.have_sample && o.nfiles) {
        complain("--sample crunches a generated log: give no FILE with it%s%s", "", "");
        rc = 2;
    } else if (o.interval && !o.follow) {
        complain("--interval refreshes the report of --follow: give --follow too%s%s", "", "");
        rc = 2;
    } else if (o.follow && o.have_jobs && o.jobs != 1) {
        complain("--follow reads on one thread: give no --jobs with it (or --jobs 1)%s%s", "", "");
        rc = 2;
    } else if (o.follow && (o.nfiles != 1 || !strcmp(o.files[0], "-"))) {
        complain("--follow needs exactly one FILE (not standard input)%s%s", "", "");
        rc = 2;
    } else if (!o.nfiles && !o.have_sample && isatty(0)) {
        complain("no input: give a FILE, pipe a log into standard input, or use --sample N for "
                 "a generated one%s%s",
                 "", "");
        rc = 2;
    } else {
        if (!o.nfiles && !o.have_sample)
            o.files[o.nfiles++] = "-";
        rc = run(&o);
    }
    free(o.files);
    return rc;
}
