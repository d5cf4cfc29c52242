/* SPDX-License-Identifier: MIT */
#include "stats.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* ---- unique visitors */

static void vset_grow(vset *m)
{
    size_t cap = m->cap ? m->cap * 2 : 1024;
    vset_ent *v = calloc(cap, sizeof *v);
    if (!v) {
        perror("logstats");
        exit(1);
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->v[i].day)
            continue;
        size_t j = m->v[i].hash & (cap - 1);
        while (v[j].day)
            j = (j + 1) & (cap - 1);
        v[j] = m->v[i];
    }
    free(m->v);
    m->v = v;
    m->cap = cap;
}

/* Adds (hash, day); returns 1 if it was not there. */
static int vset_add(vset *m, uint64_t hash, uint32_t day)
{
    if ((m->n + 1) * 4 > m->cap * 3)
        vset_grow(m);
    for (size_t j = hash & (m->cap - 1);; j = (j + 1) & (m->cap - 1)) {
        vset_ent *e = &m->v[j];
        if (!e->day) {
            e->hash = hash;
            e->day = day;
            m->n++;
            return 1;
        }
        if (e->hash == hash && e->day == day)
            return 0;
    }
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
    smap_merge(&into->days, &from->days);
    smap_merge(&into->paths, &from->paths);
    smap_merge(&into->statics, &from->statics);
    smap_merge(&into->referers, &from->referers);
    smap_merge(&into->agents, &from->agents);
    smap_merge(&into->vhosts, &from->vhosts);
    for (size_t i = 0; i < from->visitors.cap; i++)
        if (from->visitors.v[i].day)
            vset_add(&into->visitors, from->visitors.v[i].hash, from->visitors.v[i].day);
    into->last_hour_ent = NULL; /* the table may have moved */
    into->last_day_ent = NULL;
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
    smap_free(&st->days);
    smap_free(&st->paths);
    smap_free(&st->statics);
    smap_free(&st->referers);
    smap_free(&st->agents);
    smap_free(&st->vhosts);
    free(st->visitors.v);
    memset(&st->visitors, 0, sizeof st->visitors);
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

static uint32_t rec_hour(const stats *st, const log_rec *r)
{
    return st->utc ? log_utc_hour(r) : r->hour;
}

void agg_visitor(stats *st, const log_rec *r)
{
    uint32_t day = rec_hour(st, r) / 24u;
    if (!st->last_day_ent || st->last_day != day) {
        st->last_day_ent = smap_get(&st->days, (const char *)&day, sizeof day);
        st->last_day = day;
    }
    st->last_day_ent->a++;
    st->last_day_ent->b += r->bytes;
    /* A visitor is the client's host and user agent on one day (as
     * GoAccess counts them): kept as a 64-bit hash, not the strings. */
    uint64_t h = hash_bytes(r->host, r->host_len);
    h ^= (hash_bytes(r->agent ? r->agent : "", r->agent_len) + 0x9e3779b97f4a7c15u) *
         0xbf58476d1ce4e5b9u;
    h = (h ^ (h >> 31)) * 0x94d049bb133111ebu;
    vset_add(&st->visitors, h ^ (h >> 29), day);
}

int path_is_static(const char *path, size_t len)
{
    /* Zero-padded to 8 bytes: each comparison is one 8-byte compare. */
    static const char exts[][8] = {
        "css",  "js",  "mjs", "map",  "png",  "jpg",   "jpeg", "gif",  "ico", "svg", "webp",
        "avif", "bmp", "tif", "tiff", "woff", "woff2", "ttf",  "otf",  "eot", "mp3", "mp4",
        "webm", "ogg", "wav", "flac", "avi",  "mov",   "pdf",  "txt",  "csv", "xml", "json",
        "zip",  "gz",  "tgz", "bz2",  "xz",   "rar",   "7z",   "tar",  "iso", "exe", "dmg",
        "deb",  "rpm", "doc", "docx", "xls",  "xlsx",  "ppt",  "pptx", "swf", "wasm"};
    const char *q = memchr(path, '?', len);
    size_t n = q ? (size_t)(q - path) : len, dot = n;
    while (dot > 0 && path[dot - 1] != '.' && path[dot - 1] != '/' && n - dot < 6)
        dot--;
    if (dot == 0 || path[dot - 1] != '.' || dot == n)
        return 0;
    char ext[8] = {0};
    for (size_t i = 0; i < n - dot; i++) {
        char c = path[dot + i];
        ext[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    for (size_t i = 0; i < sizeof exts / sizeof *exts; i++)
        if (memcmp(ext, exts[i], 8) == 0)
            return 1;
    return 0;
}

void agg_request(stats *st, const log_rec *r)
{
    smap *m = path_is_static(r->path, r->path_len) ? &st->statics : &st->paths;
    smap_ent *e = smap_get(m, r->path, r->path_len);
    e->a++;
    e->b += r->bytes;
}

static int unset(const char *s, size_t n)
{
    return !s || n == 0 || (n == 1 && s[0] == '-');
}

void agg_referer(stats *st, const log_rec *r)
{
    if (!unset(r->referer, r->referer_len))
        smap_get(&st->referers, r->referer, r->referer_len)->a++;
}

void agg_agent(stats *st, const log_rec *r)
{
    if (!unset(r->agent, r->agent_len))
        smap_get(&st->agents, r->agent, r->agent_len)->a++;
}

void agg_vhost(stats *st, const log_rec *r)
{
    if (r->vhost) {
        smap_ent *e = smap_get(&st->vhosts, r->vhost, r->vhost_len);
        e->a++;
        e->b += r->bytes;
    }
}

void agg_all(stats *st, const log_rec *r)
{
    agg_status(st, r);
    agg_client(st, r);
    agg_hour(st, r);
    agg_404(st, r);
    agg_visitor(st, r);
    agg_request(st, r);
    agg_referer(st, r);
    agg_agent(st, r);
    agg_vhost(st, r);
}

int stats_match(stats *st, const log_rec *r)
{
    if (!st->grep)
        return 1;
    if (st->grep_len && !memmem(r->line, r->line_len, st->grep, st->grep_len))
        return 0;
    st->grep_lines++;
    return 1;
}

/* ---- browser and OS families, from the user agent */

static int has(const char *ua, size_t len, const char *needle)
{
    return memmem(ua, len, needle, strlen(needle)) != NULL;
}

const char *agent_browser(const char *ua, size_t n)
{
    static const struct {
        const char *needle, *family;
    } rules[] = {
        /* order matters: Edge and Opera say Chrome, Chrome says Safari */
        {"bot", "Crawlers"},
        {"Bot", "Crawlers"},
        {"crawl", "Crawlers"},
        {"spider", "Crawlers"},
        {"Slurp", "Crawlers"},
        {"Edg", "Edge"},
        {"OPR/", "Opera"},
        {"Opera", "Opera"},
        {"SamsungBrowser", "Samsung"},
        {"Firefox/", "Firefox"},
        {"FxiOS", "Firefox"},
        {"Chrome/", "Chrome"},
        {"CriOS", "Chrome"},
        {"Chromium", "Chrome"},
        {"Safari/", "Safari"},
        {"MSIE", "Internet Explorer"},
        {"Trident/", "Internet Explorer"},
        {"curl/", "curl"},
        {"Wget/", "Wget"},
        {"python", "Python"},
        {"Python", "Python"},
        {"Go-http-client", "Go"},
        {"okhttp", "okhttp"},
        {"Java/", "Java"},
        {"libwww-perl", "Perl"},
        {"HeadlessChrome", "Chrome"},
    };
    for (size_t i = 0; i < sizeof rules / sizeof *rules; i++)
        if (has(ua, n, rules[i].needle))
            return rules[i].family;
    return "Others";
}

const char *agent_os(const char *ua, size_t n)
{
    static const struct {
        const char *needle, *family;
    } rules[] = {
        {"Windows", "Windows"}, {"Android", "Android"}, {"iPhone", "iOS"},
        {"iPad", "iOS"},        {"iPod", "iOS"},        {"CrOS", "ChromeOS"},
        {"Mac OS X", "macOS"},  {"Macintosh", "macOS"}, {"Linux", "Linux"},
        {"FreeBSD", "BSD"},     {"OpenBSD", "BSD"},     {"NetBSD", "BSD"},
        {"bot", "Crawlers"},    {"Bot", "Crawlers"},    {"crawl", "Crawlers"},
        {"spider", "Crawlers"},
    };
    for (size_t i = 0; i < sizeof rules / sizeof *rules; i++)
        if (has(ua, n, rules[i].needle))
            return rules[i].family;
    return "Unknown";
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

/* ---- the panels as tables, for every output format */

enum { COL_BYTES = 1, COL_VISITORS = 2 };

typedef struct row {
    const char *key;
    size_t len;
    uint64_t req, bytes, vis;
} row;

typedef struct table {
    const char *title;   /* heading in text and HTML */
    const char *name;    /* JSON key, CSV panel */
    const char *keyname; /* JSON field of the key */
    unsigned cols;
    row *rows;
    size_t n;
    char *pool; /* keys made here (hours, days, status) */
} table;

enum {
    T_STATUS,
    T_CLIENTS,
    T_HOURS,
    T_404,
    T_DAYS,
    T_REQUESTS,
    T_STATIC,
    T_REFERERS,
    T_AGENTS,
    T_BROWSERS,
    T_OS,
    T_VHOSTS,
    T_COUNT
};

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p) {
        perror("logstats");
        exit(1);
    }
    return p;
}

static void table_init(table *t, const char *title, const char *name, const char *keyname,
                       unsigned cols, size_t n)
{
    t->title = title;
    t->name = name;
    t->keyname = keyname;
    t->cols = cols;
    t->rows = xcalloc(n, sizeof *t->rows);
    t->n = 0;
    t->pool = NULL;
}

/* The top rows of m by its counter a (ties by key); a is the requests, or
 * the bytes when a_is_bytes (then b is the requests). */
static void table_top(table *t, const smap *m, size_t top, bool a_is_bytes)
{
    smap_ent **v = sorted(m, by_a_desc_key_asc);
    for (size_t i = 0; i < m->n && i < top; i++) {
        row *r = &t->rows[t->n++];
        r->key = v[i]->key;
        r->len = v[i]->len;
        r->req = a_is_bytes ? v[i]->b : v[i]->a;
        r->bytes = a_is_bytes ? v[i]->a : v[i]->b;
    }
    free(v);
}

static int by_count_desc(const void *x, const void *y)
{
    const row *a = x, *b = y;
    if (a->req != b->req)
        return a->req > b->req ? -1 : 1;
    return cmp_bytes(a->key, a->len, b->key, b->len);
}

/* Browser or OS families, summed over the distinct user agents. */
static void table_families(table *t, const smap *agents,
                           const char *(*family)(const char *, size_t))
{
    for (size_t i = 0; i < agents->cap; i++) {
        const smap_ent *e = &agents->v[i];
        if (!e->key)
            continue;
        const char *fam = family(e->key, e->len);
        size_t k = 0;
        while (k < t->n && t->rows[k].key != fam)
            k++;
        if (k == t->n) {
            t->rows[t->n++] = (row){fam, strlen(fam), 0, 0, 0};
        }
        t->rows[k].req += e->a;
    }
    qsort(t->rows, t->n, sizeof *t->rows, by_count_desc);
}

static void day_str(uint32_t day, char out[11])
{
    char buf[14];
    log_hour_str(day * 24u, buf);
    memcpy(out, buf, 10);
    out[10] = '\0';
}

static void table_days(table *t, const stats *st)
{
    smap_ent **v = sorted(&st->days, by_hour);
    uint32_t *keys = xcalloc(st->days.n, sizeof *keys);
    t->pool = xcalloc(st->days.n, 11);
    for (size_t i = 0; i < st->days.n; i++) {
        memcpy(&keys[i], v[i]->key, 4);
        day_str(keys[i], t->pool + i * 11);
        t->rows[t->n++] = (row){t->pool + i * 11, 10, v[i]->a, v[i]->b, 0};
    }
    for (size_t i = 0; i < st->visitors.cap; i++) {
        uint32_t d = st->visitors.v[i].day;
        if (!d)
            continue;
        size_t lo = 0, hi = st->days.n;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (keys[mid] < d)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < st->days.n && keys[lo] == d)
            t->rows[lo].vis++;
    }
    free(keys);
    free(v);
}

static void table_hours(table *t, const stats *st)
{
    smap_ent **v = sorted(&st->hours, by_hour);
    t->pool = xcalloc(st->hours.n, 14);
    for (size_t i = 0; i < st->hours.n; i++) {
        uint32_t h;
        memcpy(&h, v[i]->key, 4);
        log_hour_str(h, t->pool + i * 14);
        t->rows[t->n++] = (row){t->pool + i * 14, 13, v[i]->a, 0, 0};
    }
    free(v);
}

static void table_status(table *t, const stats *st)
{
    t->pool = xcalloc(1000, 4);
    for (int s = 0; s < 1000; s++)
        if (st->status_req[s]) {
            char *k = t->pool + t->n * 4;
            snprintf(k, 4, "%03d", s);
            t->rows[t->n++] = (row){k, 3, st->status_req[s], st->status_bytes[s], 0};
        }
}

static size_t nfamilies(const smap *m)
{
    return m->n < 64 ? m->n : 64; /* the family lists have fewer names */
}

static void build_tables(const stats *st, table t[T_COUNT])
{
    size_t top = st->top;
    table_init(&t[T_STATUS], "Requests by status", "status", "status", COL_BYTES, 1000);
    table_status(&t[T_STATUS], st);
    table_init(&t[T_CLIENTS], "Top clients by bytes", "top_clients", "client", COL_BYTES,
               st->clients.n);
    table_top(&t[T_CLIENTS], &st->clients, top, true);
    table_init(&t[T_HOURS], "Requests per hour", "hours", "hour", 0, st->hours.n);
    table_hours(&t[T_HOURS], st);
    table_init(&t[T_404], "Top 404 paths", "top_404", "path", 0, st->nf.n);
    table_top(&t[T_404], &st->nf, top, false);
    table_init(&t[T_DAYS], "Unique visitors and bandwidth per day", "days", "day",
               COL_BYTES | COL_VISITORS, st->days.n);
    table_days(&t[T_DAYS], st);
    table_init(&t[T_REQUESTS], "Top requested files", "top_requests", "path", COL_BYTES,
               st->paths.n);
    table_top(&t[T_REQUESTS], &st->paths, top, false);
    table_init(&t[T_STATIC], "Top static files", "top_static", "path", COL_BYTES, st->statics.n);
    table_top(&t[T_STATIC], &st->statics, top, false);
    table_init(&t[T_REFERERS], "Top referrers", "top_referrers", "referrer", 0, st->referers.n);
    table_top(&t[T_REFERERS], &st->referers, top, false);
    table_init(&t[T_AGENTS], "Top user agents", "top_agents", "agent", 0, st->agents.n);
    table_top(&t[T_AGENTS], &st->agents, top, false);
    table_init(&t[T_BROWSERS], "Browsers", "browsers", "browser", 0, nfamilies(&st->agents));
    table_families(&t[T_BROWSERS], &st->agents, agent_browser);
    table_init(&t[T_OS], "Operating systems", "os", "os", 0, nfamilies(&st->agents));
    table_families(&t[T_OS], &st->agents, agent_os);
    table_init(&t[T_VHOSTS], "Top virtual hosts", "top_vhosts", "vhost", COL_BYTES, st->vhosts.n);
    table_top(&t[T_VHOSTS], &st->vhosts, top, false);
    t[T_BROWSERS].n = t[T_BROWSERS].n < top ? t[T_BROWSERS].n : top;
    t[T_OS].n = t[T_OS].n < top ? t[T_OS].n : top;
}

static void free_tables(table t[T_COUNT])
{
    for (size_t i = 0; i < T_COUNT; i++) {
        free(t[i].rows);
        free(t[i].pool);
    }
}

static uint64_t total_bytes(const stats *st)
{
    uint64_t b = 0;
    for (size_t s = 0; s < 1000; s++)
        b += st->status_bytes[s];
    return b;
}

/* The panels after today's first four, in JSON. */
static void json_more(const stats *st, FILE *f)
{
    table t[T_COUNT];
    build_tables(st, t);
    fprintf(f, ", \"bytes\": %llu, \"visitors\": %llu", (unsigned long long)total_bytes(st),
            (unsigned long long)st->visitors.n);
    for (size_t k = T_DAYS; k < T_COUNT; k++) {
        fprintf(f, ", \"%s\": [", t[k].name);
        for (size_t i = 0; i < t[k].n; i++) {
            const row *r = &t[k].rows[i];
            fprintf(f, "%s{\"%s\": ", i ? ", " : "", t[k].keyname);
            json_str(f, r->key, r->len);
            fprintf(f, ", \"requests\": %llu", (unsigned long long)r->req);
            if (t[k].cols & COL_VISITORS)
                fprintf(f, ", \"visitors\": %llu", (unsigned long long)r->vis);
            if (t[k].cols & COL_BYTES)
                fprintf(f, ", \"bytes\": %llu", (unsigned long long)r->bytes);
            fputc('}', f);
        }
        fputc(']', f);
    }
    free_tables(t);
}

static void human_bytes(char *buf, size_t cap, uint64_t b);

/* The panels after today's first four, as text. */
static void text_more(const stats *st, FILE *f)
{
    table t[T_COUNT];
    char hb[32];
    build_tables(st, t);
    human_bytes(hb, sizeof hb, total_bytes(st));
    fprintf(f, "\nBandwidth %s; unique visitors %llu (a visitor: host and user agent, per day)\n",
            hb, (unsigned long long)st->visitors.n);
    for (size_t k = T_DAYS; k < T_COUNT; k++) {
        fprintf(f, "\n%s\n", t[k].title);
        if (k == T_DAYS)
            fprintf(f, "  day           requests  visitors         bytes\n");
        for (size_t i = 0; i < t[k].n; i++) {
            const row *r = &t[k].rows[i];
            if (k == T_DAYS) {
                human_bytes(hb, sizeof hb, r->bytes);
                fprintf(f, "  %.*s  %10llu  %8llu  %12s\n", (int)r->len, r->key,
                        (unsigned long long)r->req, (unsigned long long)r->vis, hb);
                continue;
            }
            fprintf(f, "  %2zu. %9llu", i + 1, (unsigned long long)r->req);
            if (t[k].cols & COL_BYTES) {
                human_bytes(hb, sizeof hb, r->bytes);
                fprintf(f, "  %11s", hb);
            }
            fputs("  ", f);
            text_str(f, r->key, r->len, 0);
            fputc('\n', f);
        }
        if (t[k].n == 0)
            fprintf(f, "  (none)\n");
    }
    free_tables(t);
}

/* ---- CSV (RFC 4180) */

/* A field: the text escapes (control bytes, invalid UTF-8 as \xHH), then
 * quoted if it holds a comma, a quote, CR or LF, with quotes doubled. */
static void csv_str(FILE *f, const char *s, size_t n)
{
    char *p = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&p, &len);
    if (!m) {
        perror("logstats");
        exit(1);
    }
    text_str(m, s, n, 0);
    fclose(m);
    if (!strpbrk(p, ",\"\r\n")) {
        fputs(p, f);
    } else {
        putc('"', f);
        for (const char *c = p; *c; c++) {
            if (*c == '"')
                putc('"', f);
            putc(*c, f);
        }
        putc('"', f);
    }
    free(p);
}

static void csv_num_row(FILE *f, const char *panel, const char *key, uint64_t v)
{
    fprintf(f, "%s,%s,%llu,,\r\n", panel, key, (unsigned long long)v);
}

void stats_csv(const stats *st, FILE *f)
{
    table t[T_COUNT];
    build_tables(st, t);
    fputs("panel,key,count,bytes,visitors\r\n", f);
    csv_num_row(f, "summary", "lines", st->lines);
    csv_num_row(f, "summary", "parsed", st->parsed);
    csv_num_row(f, "summary", "malformed", st->malformed);
    fprintf(f, "summary,bytes,,%llu,\r\n", (unsigned long long)total_bytes(st));
    fprintf(f, "summary,visitors,,,%llu\r\n", (unsigned long long)st->visitors.n);
    if (st->generated)
        csv_num_row(f, "summary", "generated_seed", st->seed);
    if (st->grep) {
        fputs("grep,", f);
        csv_str(f, st->grep, st->grep_len);
        fprintf(f, ",%llu,,\r\n", (unsigned long long)st->grep_lines);
    }
    for (size_t k = 0; k < T_COUNT; k++)
        for (size_t i = 0; i < t[k].n; i++) {
            const row *r = &t[k].rows[i];
            fprintf(f, "%s,", t[k].name);
            csv_str(f, r->key, r->len);
            fprintf(f, ",%llu,", (unsigned long long)r->req);
            if (t[k].cols & COL_BYTES)
                fprintf(f, "%llu", (unsigned long long)r->bytes);
            putc(',', f);
            if (t[k].cols & COL_VISITORS)
                fprintf(f, "%llu", (unsigned long long)r->vis);
            fputs("\r\n", f);
        }
    free_tables(t);
}

/* ---- HTML: one page, no script, no network */

/* Escaped as in the text report, then &, <, >, " and ' as entities. */
static void html_str(FILE *f, const char *s, size_t n)
{
    char *p = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&p, &len);
    if (!m) {
        perror("logstats");
        exit(1);
    }
    text_str(m, s, n, 0);
    fclose(m);
    for (const char *c = p; *c; c++) {
        switch (*c) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: putc(*c, f);
        }
    }
    free(p);
}

static const char html_head[] =
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
    "style-src 'unsafe-inline'\">\n<title>logstats report</title>\n<style>\n"
    "body{font-family:sans-serif;margin:1.5em;color:#222;background:#fafafa}\n"
    "h1{font-size:1.5em}h2{font-size:1.1em;margin-top:1.6em;border-bottom:1px solid #ccc}\n"
    "table{border-collapse:collapse;font-size:.9em}td,th{padding:2px 10px;text-align:right}\n"
    "td.k,th.k{text-align:left;max-width:60em;overflow-wrap:anywhere}\n"
    "tr:nth-child(even){background:#eee}svg{background:#fff;border:1px solid #ddd}\n"
    ".grid{display:flex;flex-wrap:wrap;gap:1.5em}\n"
    "</style>\n</head>\n<body>\n";

static void svg_hours(const table *t, FILE *f)
{
    const double W = 1100, H = 240, left = 60, bottom = 40, top = 10;
    uint64_t max = 1;
    for (size_t i = 0; i < t->n; i++)
        if (t->rows[i].req > max)
            max = t->rows[i].req;
    fprintf(f,
            "<svg role=\"img\" aria-label=\"Requests per hour\" width=\"%.0f\" height=\"%.0f\" "
            "viewBox=\"0 0 %.0f %.0f\">\n",
            W, H, W, H);
    double plot_w = W - left - 10, plot_h = H - bottom - top;
    double bw = t->n ? plot_w / (double)t->n : plot_w;
    fprintf(f, "<text x=\"5\" y=\"%.0f\" font-size=\"11\">%llu</text>\n", top + 10,
            (unsigned long long)max);
    fprintf(f, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#888\"/>\n", left,
            H - bottom, W - 10, H - bottom);
    size_t every = t->n / 12 + 1;
    for (size_t i = 0; i < t->n; i++) {
        double h = (double)t->rows[i].req * plot_h / (double)max;
        double x = left + (double)i * bw;
        fprintf(f,
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#3b7dd8\">"
                "<title>",
                x, H - bottom - h, bw > 2 ? bw - 1 : bw, h);
        html_str(f, t->rows[i].key, t->rows[i].len);
        fprintf(f, ": %llu</title></rect>\n", (unsigned long long)t->rows[i].req);
        if (i % every == 0 && x + 80 <= W) {
            fprintf(f, "<text x=\"%.1f\" y=\"%.0f\" font-size=\"10\">", x, H - bottom + 14);
            html_str(f, t->rows[i].key, t->rows[i].len);
            fputs("</text>\n", f);
        }
    }
    fputs("</svg>\n", f);
}

/* Horizontal bars: one per label. */
static void svg_bars(FILE *f, const char *title, const row *rows, size_t n,
                     const char *const *colors)
{
    const double W = 540, bar_h = 18, gap = 22;
    double H = (double)n * (bar_h + gap) + 10;
    uint64_t max = 1;
    for (size_t i = 0; i < n; i++)
        if (rows[i].req > max)
            max = rows[i].req;
    fprintf(f,
            "<svg role=\"img\" aria-label=\"%s\" width=\"%.0f\" height=\"%.0f\" "
            "viewBox=\"0 0 %.0f %.0f\">\n",
            title, W, H, W, H);
    for (size_t i = 0; i < n; i++) {
        double y = 5 + (double)i * (bar_h + gap);
        double w = (double)rows[i].req * (W - 90) / (double)max;
        fprintf(f, "<text x=\"4\" y=\"%.0f\" font-size=\"11\">", y + 11);
        html_str(f, rows[i].key, rows[i].len);
        fprintf(f,
                "</text>\n<rect x=\"4\" y=\"%.0f\" width=\"%.1f\" height=\"%.0f\" fill=\"%s\"/>"
                "<text x=\"%.1f\" y=\"%.0f\" font-size=\"11\">%llu</text>\n",
                y + 14, w > 1 ? w : 1, bar_h - 6, colors ? colors[i % 5] : "#3b7dd8", w + 8, y + 25,
                (unsigned long long)rows[i].req);
    }
    fputs("</svg>\n", f);
}

static void svg_status_classes(const stats *st, FILE *f)
{
    static const char *const colors[5] = {"#888", "#2e9d4f", "#3b7dd8", "#e0a020", "#d04040"};
    static const char names[5][4] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
    row rows[5];
    for (size_t c = 0; c < 5; c++) {
        rows[c] = (row){names[c], 3, 0, 0, 0};
        for (size_t s = (c + 1) * 100; s < (c + 2) * 100; s++)
            rows[c].req += st->status_req[s];
    }
    svg_bars(f, "Status classes", rows, 5, colors);
}

static void html_table(const table *t, FILE *f)
{
    char hb[32];
    fprintf(f, "<h2>%s</h2>\n<table>\n<tr><th class=\"k\">%s</th><th>requests</th>", t->title,
            t->keyname);
    if (t->cols & COL_VISITORS)
        fputs("<th>visitors</th>", f);
    if (t->cols & COL_BYTES)
        fputs("<th>bytes</th>", f);
    fputs("</tr>\n", f);
    for (size_t i = 0; i < t->n; i++) {
        const row *r = &t->rows[i];
        fputs("<tr><td class=\"k\">", f);
        html_str(f, r->key, r->len);
        fprintf(f, "</td><td>%llu</td>", (unsigned long long)r->req);
        if (t->cols & COL_VISITORS)
            fprintf(f, "<td>%llu</td>", (unsigned long long)r->vis);
        if (t->cols & COL_BYTES) {
            human_bytes(hb, sizeof hb, r->bytes);
            fprintf(f, "<td>%s</td>", hb);
        }
        fputs("</tr>\n", f);
    }
    if (t->n == 0)
        fputs("<tr><td class=\"k\">(none)</td></tr>\n", f);
    fputs("</table>\n", f);
}

void stats_html(const stats *st, FILE *f)
{
    table t[T_COUNT];
    char hb[32];
    build_tables(st, t);
    fputs(html_head, f);
    fputs("<h1>logstats report</h1>\n<p>", f);
    if (st->generated)
        fprintf(f, "<strong>A generated sample log (seed %llu), not a real one.</strong><br>\n",
                (unsigned long long)st->seed);
    human_bytes(hb, sizeof hb, total_bytes(st));
    fprintf(f,
            "%llu lines, %llu parsed, %llu malformed; %s sent; %llu unique visitors "
            "(host and user agent, per day).",
            (unsigned long long)st->lines, (unsigned long long)st->parsed,
            (unsigned long long)st->malformed, hb, (unsigned long long)st->visitors.n);
    if (st->grep) {
        fputs("<br>\nOnly the lines containing &ldquo;", f);
        html_str(f, st->grep, st->grep_len);
        fprintf(f, "&rdquo;: %llu.", (unsigned long long)st->grep_lines);
    }
    fputs("</p>\n<h2>Requests per hour</h2>\n", f);
    svg_hours(&t[T_HOURS], f);
    fputs("<div class=\"grid\"><div><h2>Status classes</h2>\n", f);
    svg_status_classes(st, f);
    fputs("</div><div><h2>Top requested files</h2>\n", f);
    svg_bars(f, "Top requested files", t[T_REQUESTS].rows, t[T_REQUESTS].n, NULL);
    fputs("</div></div>\n", f);
    for (size_t k = 0; k < T_COUNT; k++)
        html_table(&t[k], f);
    if (st->malformed) {
        fprintf(f, "<h2>Rejected lines (the first %zu of %llu)</h2>\n<pre>", st->nrejects,
                (unsigned long long)st->malformed);
        for (size_t i = 0; i < st->nrejects; i++) {
            const struct stats_reject *r = &st->rejects[i];
            html_str(f, r->file, strlen(r->file));
            fprintf(f, ":%llu: ", (unsigned long long)r->line);
            html_str(f, r->text, r->len);
            fputc('\n', f);
        }
        fputs("</pre>\n", f);
    }
    fputs("</body>\n</html>\n", f);
    free_tables(t);
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
    json_more(st, f);
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
    if (st->grep) {
        fputs("logstats: only the lines containing \"", f);
        text_str(f, st->grep, st->grep_len, 0);
        fprintf(f, "\" (%llu of the parsed lines)\n", (unsigned long long)st->grep_lines);
    }
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
    text_more(st, f);
    if (st->malformed) {
        fprintf(f, "\nRejected lines (the first %zu of %llu)\n", st->nrejects,
                (unsigned long long)st->malformed);
        stats_print_rejects(st, f);
    }
}
