/* SPDX-License-Identifier: MIT */
#include "stats.h"

#include <stdbool.h>
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
    st->top = 10;
}

static void smap_merge(smap *into, const smap *from)
{
    for (size_t i = 0; i < from->cap; i++) {
        const smap_ent *e = &from->v[i];
        if (!e->key)
            continue;
        smap_ent *t = smap_get(into, e->key, e->len);
        t->a += e->a;
        t->b += e->b;
    }
}

void stats_merge(stats *into, const stats *from)
{
    into->lines += from->lines;
    into->parsed += from->parsed;
    into->malformed += from->malformed;
    for (size_t s = 0; s < 1000; s++) {
        into->status_req[s] += from->status_req[s];
        into->status_bytes[s] += from->status_bytes[s];
    }
    smap_merge(&into->clients, &from->clients);
    smap_merge(&into->hours, &from->hours);
    smap_merge(&into->nf, &from->nf);
    into->last_hour_ent = NULL; /* the table may have moved */
    into->grep_lines += from->grep_lines;
    for (size_t i = 0; i < from->nrejects && into->nrejects < STATS_REJECTS; i++)
        into->rejects[into->nrejects++] = from->rejects[i];
}

void stats_reject(stats *st, const char *file, uint64_t line, const char *s, size_t n)
{
    if (st->nrejects >= STATS_REJECTS)
        return;
    struct stats_reject *r = &st->rejects[st->nrejects++];
    r->file = file;
    r->line = line;
    r->len = n < STATS_REJECT_TEXT ? n : STATS_REJECT_TEXT;
    memcpy(r->text, s, r->len);
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
    uint32_t hour = st->utc ? log_utc_hour(r) : r->hour;
    if (!st->last_hour_ent || st->last_hour != hour) {
        st->last_hour_ent = smap_get(&st->hours, (const char *)&hour, sizeof hour);
        st->last_hour = hour;
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

size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    unsigned min;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, min = 0x10000;
    else
        return 0;
    if (n < len)
        return 0;
    unsigned cp = c & (0x7fu >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

/* A JSON string: valid UTF-8 as is, control characters as \u00XX, bytes
 * that are not UTF-8 as the text \xHH. */
static void json_str(FILE *f, const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    putc('"', f);
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        size_t k;
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (c < 0x20 || c == 0x7f) {
                fprintf(f, "\\u%04x", c);
            } else if ((k = utf8_seq(s + i, n - i)) == 0) {
                fprintf(f, "\\\\x%02x", c);
            } else {
                fwrite(s + i, 1, k, f);
                i += k;
                continue;
            }
        }
        i++;
    }
    putc('"', f);
}

/* Text for a terminal: printable UTF-8 as is; C0 and C1 controls, DEL and
 * bytes that are not UTF-8 as \xHH, so that a log line cannot move the
 * cursor, set the title or clear the screen. Pads with spaces to `width`
 * characters (0: no padding); cuts nothing. */
static void text_str(FILE *f, const char *str, size_t n, size_t width)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t shown = 0;
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq(s + i, n - i);
        bool c1 = k == 2 && s[i] == 0xc2 && s[i + 1] < 0xa0;
        if (k == 0 || c1 || s[i] < 0x20 || s[i] == 0x7f) {
            fprintf(f, "\\x%02x", s[i]);
            shown += 4;
            i++;
            continue;
        }
        fwrite(s + i, 1, k, f);
        shown++;
        i += k;
    }
    for (; shown < width; shown++)
        putc(' ', f);
}

void stats_print_rejects(const stats *st, FILE *f)
{
    for (size_t i = 0; i < st->nrejects; i++) {
        const struct stats_reject *r = &st->rejects[i];
        fputs("  ", f);
        text_str(f, r->file, strlen(r->file), 0);
        fprintf(f, ":%llu: ", (unsigned long long)r->line);
        text_str(f, r->text, r->len, 0);
        fputc('\n', f);
    }
}

#define TOP st->top

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
    if (st->generated)
        fprintf(f, ", \"generated\": true, \"seed\": %llu", (unsigned long long)st->seed);
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
    if (st->generated)
        fprintf(f, "logstats: a generated sample log (seed %llu), not a real one\n",
                (unsigned long long)st->seed);
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
        fprintf(f, "  %2zu. ", i + 1);
        text_str(f, v[i]->key, v[i]->len, 40);
        fprintf(f, " %12s  %8llu requests\n", hb, (unsigned long long)v[i]->b);
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
    for (size_t i = 0; i < st->nf.n && i < TOP; i++) {
        fprintf(f, "  %2zu. %8llu  ", i + 1, (unsigned long long)v[i]->a);
        text_str(f, v[i]->key, v[i]->len, 0);
        fputc('\n', f);
    }
    if (st->nf.n == 0)
        fprintf(f, "  (none)\n");
    free(v);
    if (st->grep) {
        fputs("\nLines containing \"", f);
        text_str(f, st->grep, st->grep_len, 0);
        fprintf(f, "\": %llu\n", (unsigned long long)st->grep_lines);
    }
    if (st->malformed) {
        fprintf(f, "\nRejected lines (the first %zu of %llu)\n", st->nrejects,
                (unsigned long long)st->malformed);
        stats_print_rejects(st, f);
    }
}
