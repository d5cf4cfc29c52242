/* SPDX-License-Identifier: MIT */
#include "stats.h"

#include <stdlib.h>
#include <string.h>

/* ---- byte-keyed counters */

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15u ^ n;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdu;
        h ^= h >> 32;
        s += 8;
        n -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, s, n);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53u;
    return h ^ (h >> 29);
}

static void smap_grow(smap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 256;
    smap_ent *v = calloc(cap, sizeof *v);
    if (!v) {
        perror("logstats");
        exit(1);
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->v[i].key)
            continue;
        size_t j = m->v[i].hash & (cap - 1);
        while (v[j].key)
            j = (j + 1) & (cap - 1);
        v[j] = m->v[i];
    }
    free(m->v);
    m->v = v;
    m->cap = cap;
}

static smap_ent *smap_get(smap *m, const char *key, size_t len)
{
    if ((m->n + 1) * 4 > m->cap * 3)
        smap_grow(m);
    uint64_t h = hash_bytes(key, len);
    size_t j = h & (m->cap - 1);
    for (;; j = (j + 1) & (m->cap - 1)) {
        smap_ent *e = &m->v[j];
        if (!e->key) {
            e->key = malloc(len + 1);
            if (!e->key) {
                perror("logstats");
                exit(1);
            }
            memcpy(e->key, key, len);
            e->key[len] = '\0';
            e->len = len;
            e->hash = h;
            m->n++;
            return e;
        }
        if (e->hash == h && e->len == len && memcmp(e->key, key, len) == 0)
            return e;
    }
}

static void smap_free(smap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->v[i].key);
    free(m->v);
    memset(m, 0, sizeof *m);
}

/* ---- aggregators */

void stats_init(stats *st)
{
    memset(st, 0, sizeof *st);
}

void stats_free(stats *st)
{
    smap_free(&st->clients);
    smap_free(&st->hours);
    smap_free(&st->nf);
}

void agg_status(stats *st, const log_rec *r)
{
    st->status_req[r->status]++;
    st->status_bytes[r->status] += r->bytes;
}

void agg_client(stats *st, const log_rec *r)
{
    smap_ent *e = smap_get(&st->clients, r->host, r->host_len);
    e->a += r->bytes;
    e->b++;
}

void agg_hour(stats *st, const log_rec *r)
{
    /* Logs are mostly in time order: remember the last hour's counter. The
     * table only grows in smap_get, which replaces the pointer. */
    if (!st->last_hour_ent || st->last_hour != r->hour) {
        st->last_hour_ent = smap_get(&st->hours, (const char *)&r->hour, sizeof r->hour);
        st->last_hour = r->hour;
    }
    st->last_hour_ent->a++;
}

void agg_404(stats *st, const log_rec *r)
{
    if (r->status == 404)
        smap_get(&st->nf, r->path, r->path_len)->a++;
}

void agg_grep(stats *st, const char *line, size_t len)
{
    if (st->grep && (st->grep_len == 0 || memmem(line, len, st->grep, st->grep_len)))
        st->grep_lines++;
}

/* ---- report */

static int cmp_bytes(const char *a, size_t al, const char *b, size_t bl)
{
    int c = memcmp(a, b, al < bl ? al : bl);
    return c ? c : (al > bl) - (al < bl);
}

static int by_a_desc_key_asc(const void *x, const void *y)
{
    const smap_ent *a = *(smap_ent *const *)x, *b = *(smap_ent *const *)y;
    if (a->a != b->a)
        return a->a > b->a ? -1 : 1;
    return cmp_bytes(a->key, a->len, b->key, b->len);
}

static int by_hour(const void *x, const void *y)
{
    uint32_t a, b;
    memcpy(&a, (*(smap_ent *const *)x)->key, 4);
    memcpy(&b, (*(smap_ent *const *)y)->key, 4);
    return (a > b) - (a < b);
}

/* The entries of m, sorted by cmp. */
static smap_ent **sorted(const smap *m, int (*cmp)(const void *, const void *))
{
    smap_ent **v = malloc((m->n ? m->n : 1) * sizeof *v);
    size_t k = 0;
    if (!v) {
        perror("logstats");
        exit(1);
    }
    for (size_t i = 0; i < m->cap; i++)
        if (m->v[i].key)
            v[k++] = &m->v[i];
    qsort(v, k, sizeof *v, cmp);
    return v;
}

/* A JSON string the way Python's json.dumps writes bytes decoded as
 * Latin-1: printable ASCII as is, the rest escaped. */
static void json_str(FILE *f, const char *s, size_t n)
{
    putc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        default:
            if (c < 0x20 || c > 0x7e)
                fprintf(f, "\\u%04x", c);
            else
                putc(c, f);
        }
    }
    putc('"', f);
}

#define TOP 10

void stats_json(const stats *st, FILE *f)
{
    fprintf(f, "{\"lines\": %llu, \"parsed\": %llu, \"malformed\": %llu, \"status\": {",
            (unsigned long long)st->lines, (unsigned long long)st->parsed,
            (unsigned long long)st->malformed);
    const char *sep = "";
    for (int s = 0; s < 1000; s++) {
        if (!st->status_req[s])
            continue;
        fprintf(f, "%s\"%03d\": {\"requests\": %llu, \"bytes\": %llu}", sep, s,
                (unsigned long long)st->status_req[s], (unsigned long long)st->status_bytes[s]);
        sep = ", ";
    }
    fputs("}, \"top_clients\": [", f);
    smap_ent **v = sorted(&st->clients, by_a_desc_key_asc);
    for (size_t i = 0; i < st->clients.n && i < TOP; i++) {
        fputs(i ? ", {\"client\": " : "{\"client\": ", f);
        json_str(f, v[i]->key, v[i]->len);
        fprintf(f, ", \"bytes\": %llu, \"requests\": %llu}", (unsigned long long)v[i]->a,
                (unsigned long long)v[i]->b);
    }
    free(v);
    fputs("], \"hours\": {", f);
    v = sorted(&st->hours, by_hour);
    for (size_t i = 0; i < st->hours.n; i++) {
        uint32_t h;
        char buf[14];
        memcpy(&h, v[i]->key, 4);
        log_hour_str(h, buf);
        fprintf(f, "%s\"%s\": %llu", i ? ", " : "", buf, (unsigned long long)v[i]->a);
    }
    free(v);
    fputs("}, \"top_404\": [", f);
    v = sorted(&st->nf, by_a_desc_key_asc);
    for (size_t i = 0; i < st->nf.n && i < TOP; i++) {
        fputs(i ? ", {\"path\": " : "{\"path\": ", f);
        json_str(f, v[i]->key, v[i]->len);
        fprintf(f, ", \"count\": %llu}", (unsigned long long)v[i]->a);
    }
    free(v);
    fputc(']', f);
    if (st->grep) {
        fputs(", \"grep\": {\"pattern\": ", f);
        json_str(f, st->grep, st->grep_len);
        fprintf(f, ", \"lines\": %llu}", (unsigned long long)st->grep_lines);
    }
    fputs("}\n", f);
}

static void human_bytes(char *buf, size_t cap, uint64_t b)
{
    const char *u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double x = (double)b;
    int i = 0;
    while (x >= 1024 && i < 4) {
        x /= 1024;
        i++;
    }
    snprintf(buf, cap, i ? "%.1f %s" : "%.0f %s", x, u[i]);
}

void stats_text(const stats *st, FILE *f)
{
    char hb[32];
    fprintf(f, "logstats: %llu lines, %llu parsed, %llu malformed\n\n",
            (unsigned long long)st->lines, (unsigned long long)st->parsed,
            (unsigned long long)st->malformed);
    fprintf(f, "Requests by status\n  status    requests         bytes\n");
    for (int s = 0; s < 1000; s++)
        if (st->status_req[s]) {
            human_bytes(hb, sizeof hb, st->status_bytes[s]);
            fprintf(f, "  %03d    %11llu  %12s\n", s, (unsigned long long)st->status_req[s], hb);
        }
    fprintf(f, "\nTop clients by bytes\n");
    smap_ent **v = sorted(&st->clients, by_a_desc_key_asc);
    for (size_t i = 0; i < st->clients.n && i < TOP; i++) {
        human_bytes(hb, sizeof hb, v[i]->a);
        fprintf(f, "  %2zu. %-40.*s %12s  %8llu requests\n", i + 1, (int)v[i]->len, v[i]->key, hb,
                (unsigned long long)v[i]->b);
    }
    free(v);
    fprintf(f, "\nRequests per hour\n");
    v = sorted(&st->hours, by_hour);
    uint64_t max = 1;
    for (size_t i = 0; i < st->hours.n; i++)
        if (v[i]->a > max)
            max = v[i]->a;
    for (size_t i = 0; i < st->hours.n; i++) {
        uint32_t h;
        char buf[14];
        memcpy(&h, v[i]->key, 4);
        log_hour_str(h, buf);
        int bar = (int)(v[i]->a * 40 / max);
        fprintf(f, "  %s  %9llu %.*s\n", buf, (unsigned long long)v[i]->a, bar,
                "########################################");
    }
    free(v);
    fprintf(f, "\nTop 404 paths\n");
    v = sorted(&st->nf, by_a_desc_key_asc);
    for (size_t i = 0; i < st->nf.n && i < TOP; i++)
        fprintf(f, "  %2zu. %8llu  %.*s\n", i + 1, (unsigned long long)v[i]->a, (int)v[i]->len,
                v[i]->key);
    if (st->nf.n == 0)
        fprintf(f, "  (none)\n");
    free(v);
    if (st->grep)
        fprintf(f, "\nLines containing \"%.*s\": %llu\n", (int)st->grep_len, st->grep,
                (unsigned long long)st->grep_lines);
}
