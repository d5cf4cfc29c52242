/* SPDX-License-Identifier: MIT */
#include "logparse.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static int dig(char c)
{
    return c >= '0' && c <= '9';
}

static unsigned two(const char *s)
{
    return (unsigned)(s[0] - '0') * 10u + (unsigned)(s[1] - '0');
}

/* A run of non-space bytes ending at a space: returns the position of that
 * space, or 0 if the run is empty or the line ends first. */
static size_t token(const char *s, size_t i, size_t n)
{
    const char *sp;
    if (i >= n || s[i] == ' ')
        return 0;
    sp = memchr(s + i, ' ', n - i);
    return sp ? (size_t)(sp - s) : 0;
}

/* A quoted string starting at s[i] == '"': returns the index just after the
 * closing quote, or 0. */
static size_t quoted(const char *s, size_t i, size_t n)
{
    if (i >= n || s[i] != '"')
        return 0;
    for (i++; i < n; i++) {
        if (s[i] == '\\') {
            if (++i >= n)
                return 0;
        } else if (s[i] == '"') {
            return i + 1;
        }
    }
    return 0;
}

/* One part of the request: non-empty, no space, no unescaped quote; stops
 * at a space or a quote. Returns the end index, or 0. */
static size_t req_part(const char *s, size_t i, size_t n)
{
    size_t start = i;
    while (i < n && s[i] != ' ' && s[i] != '"') {
        if (s[i] == '\\') {
            if (i + 1 >= n)
                return 0;
            i++;
        }
        i++;
    }
    return i > start && i < n ? i : 0;
}

/* The time stamp at s[i]: [dd/Mon/yyyy:HH:MM:SS[.frac] +zzzz]. Returns the
 * index after the "]", or 0. */
static size_t stamp_end(const char *s, size_t i, size_t n, log_rec *r)
{
    if (i >= n || n - i < 28)
        return 0;
    const char *t = s + i;
    if (t[0] != '[' || !dig(t[1]) || !dig(t[2]) || t[3] != '/' || t[7] != '/' || !dig(t[8]) ||
        !dig(t[9]) || !dig(t[10]) || !dig(t[11]) || t[12] != ':' || !dig(t[13]) || !dig(t[14]) ||
        t[15] != ':' || !dig(t[16]) || !dig(t[17]) || t[18] != ':' || !dig(t[19]) || !dig(t[20]))
        return 0;
    unsigned dd = two(t + 1), hh = two(t + 13), mi = two(t + 16), ss = two(t + 19);
    if (dd < 1 || dd > 31 || hh > 23 || mi > 59 || ss > 60)
        return 0;
    unsigned mon = 0;
    while (mon < 12 && memcmp(t + 4, months[mon], 3) != 0)
        mon++;
    if (mon == 12)
        return 0;
    /* Fractional seconds (e.g. Apache's %{msec_frac}t): up to 9 digits. */
    size_t k = 21;
    if (t[k] == '.') {
        size_t d = ++k;
        while (k < n - i && k - d < 10 && dig(t[k]))
            k++;
        if (k == d || k - d > 9)
            return 0;
    }
    if (n - i < k + 7)
        return 0;
    t += k;
    if (t[0] != ' ' || (t[1] != '+' && t[1] != '-') || !dig(t[2]) || !dig(t[3]) || !dig(t[4]) ||
        !dig(t[5]) || t[6] != ']')
        return 0;
    unsigned tz = two(t + 2) * 60u + two(t + 4);
    if (two(t + 2) > 23 || two(t + 4) > 59)
        return 0;
    unsigned yyyy = two(s + i + 8) * 100u + two(s + i + 10);
    r->hour = ((yyyy * 12u + mon) * 32u + dd) * 24u + hh;
    r->minute = (uint8_t)mi;
    r->tz_min = (int16_t)(t[1] == '-' ? -(int)tz : (int)tz);
    return i + k + 7;
}

/* The time stamp and the space after it: returns the index after the
 * space, or 0. */
static size_t stamp(const char *s, size_t i, size_t n, log_rec *r)
{
    size_t e = stamp_end(s, i, n, r);
    return e && e < n && s[e] == ' ' ? e + 1 : 0;
}

/* Fields some servers add after the user agent: numbers (Apache's %D or
 * %T, nginx's $request_time) and quoted strings (nginx's
 * "$http_x_forwarded_for"). Returns 1 if s[i..n) is only those. */
static int trailer(const char *s, size_t i, size_t n)
{
    while (i < n) {
        if (s[i] != ' ' || i + 1 >= n)
            return 0;
        i++;
        if (s[i] == '"') {
            if (!(i = quoted(s, i, n)))
                return 0;
            continue;
        }
        size_t start = i;
        while (i < n && (dig(s[i]) || s[i] == '.'))
            i++;
        if (i == start)
            return 0;
    }
    return 1;
}

int log_parse(const char *s, size_t n, log_rec *r)
{
    size_t i, e;
    if (n && s[n - 1] == '\r')
        n--;
    r->line = s;
    r->line_len = n;
    r->vhost = NULL;
    r->vhost_len = 0;
    r->referer = r->agent = NULL;
    r->referer_len = r->agent_len = 0;
    /* [vhost:port] host ident user */
    if (!(e = token(s, 0, n)))
        return 0;
    r->host = s;
    r->host_len = e;
    size_t e2, e3, e4;
    if (!(e2 = token(s, e + 1, n)) || !(e3 = token(s, e2 + 1, n)))
        return 0;
    if (e3 + 1 < n && s[e3 + 1] != '[') {
        /* vhost_combined: "%v:%p %h %l %u %t ..." */
        if (!(e4 = token(s, e3 + 1, n)) || e4 + 1 >= n || s[e4 + 1] != '[')
            return 0;
        r->vhost = s;
        r->vhost_len = e;
        /* The name without the ":port" */
        const char *colon = memrchr(s, ':', e);
        if (colon && colon > s)
            r->vhost_len = (size_t)(colon - s);
        r->host = s + e + 1;
        r->host_len = e2 - e - 1;
        e3 = e4;
    }
    if (!(i = stamp(s, e3 + 1, n, r)))
        return 0;
    /* "method path protocol", or "-" (Apache's request line for a
     * connection closed before a request, e.g. with status 408) */
    if (i >= n || s[i] != '"')
        return 0;
    if (n - i >= 3 && s[i + 1] == '-' && s[i + 2] == '"') {
        r->path = s + i + 1;
        r->path_len = 1;
        i += 3;
    } else {
        if (!(e = req_part(s, i + 1, n)) || s[e] != ' ')
            return 0;
        i = e + 1;
        if (!(e = req_part(s, i, n)) || s[e] != ' ')
            return 0;
        r->path = s + i;
        r->path_len = e - i;
        if (!(e = req_part(s, e + 1, n)) || s[e] != '"')
            return 0;
        i = e + 1;
    }
    /* status bytes */
    if (n - i < 6 || s[i] != ' ' || !dig(s[i + 1]) || !dig(s[i + 2]) || !dig(s[i + 3]) ||
        s[i + 4] != ' ')
        return 0;
    r->status = (s[i + 1] - '0') * 100 + (s[i + 2] - '0') * 10 + (s[i + 3] - '0');
    i += 5;
    if (s[i] == '-') {
        r->bytes = 0;
        i++;
    } else {
        uint64_t b = 0;
        size_t start = i;
        while (i < n && dig(s[i]) && i - start < 19)
            b = b * 10 + (uint64_t)(s[i++] - '0');
        if (i == start || i - start > 18)
            return 0;
        r->bytes = b;
    }
    if (i == n)
        return 1;
    /* [ "referer" [ "user agent" [trailer]]] */
    if (s[i] != ' ' || !(e = quoted(s, i + 1, n)))
        return 0;
    r->referer = s + i + 2;
    r->referer_len = e - i - 3;
    i = e;
    if (i == n)
        return 1;
    if (s[i] != ' ' || !(e = quoted(s, i + 1, n)))
        return 0;
    r->agent = s + i + 2;
    r->agent_len = e - i - 3;
    return trailer(s, e, n);
}

/* Days since 1970-01-01 of y-m-d (proleptic Gregorian), and back. */
static long days_from_civil(long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3u : 9u)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long)doe - 719468;
}

static void civil_from_days(long z, long *y, unsigned *m, unsigned *d)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (long)yoe + era * 400 + (*m <= 2);
}

uint32_t log_utc_hour(const log_rec *r)
{
    unsigned hh = r->hour % 24u, rest = r->hour / 24u;
    unsigned dd = rest % 32u, ym = rest / 32u;
    long mins = days_from_civil((long)(ym / 12u), ym % 12u + 1u, dd) * 1440 + (long)hh * 60 +
                r->minute - r->tz_min;
    long days = (mins >= 0 ? mins : mins - 1439) / 1440;
    long y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    unsigned h = (unsigned)((mins - days * 1440) / 60);
    if (y < 0)
        y = 0;
    return (((uint32_t)y * 12u + m - 1u) * 32u + d) * 24u + h;
}

void log_hour_str(uint32_t hour, char out[14])
{
    unsigned hh = hour % 24u, rest = hour / 24u;
    unsigned dd = rest % 32u, ym = rest / 32u;
    snprintf(out, 14, "%04u-%02u-%02uT%02u", (ym / 12u) % 10000u, ym % 12u + 1u, dd % 100u, hh);
}

/* ---- Apache LogFormat strings */

enum {
    LF_LIT,
    LF_SKIP,    /* a field whose value is not used */
    LF_HOST,    /* %h %a */
    LF_TIME,    /* %t */
    LF_REQUEST, /* %r */
    LF_STATUS,  /* %s %>s %<s */
    LF_BYTES,   /* %b %B */
    LF_BYTES_O, /* %O: the bytes when the format has no %b */
    LF_VHOST,   /* %v %V */
    LF_PATH,    /* %U, or %U%q */
    LF_REFERER, /* %{Referer}i */
    LF_AGENT,   /* %{User-agent}i */
};

static const struct {
    const char *name, *spec;
} named_formats[] = {
    {"common", "%h %l %u %t \"%r\" %>s %b"},
    {"combined", "%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-agent}i\""},
    {"vhost_combined", "%v:%p %h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\""},
};

static int fmt_fail(char *err, size_t errlen, const char *msg, const char *at, size_t at_len)
{
    snprintf(err, errlen, msg, (int)at_len, at);
    return -1;
}

static int add_item(log_format *f, uint8_t kind, char *err, size_t errlen)
{
    if (f->n == LOG_FORMAT_MAX)
        return fmt_fail(err, errlen, "--format: too many directives (at most %.*s)", "48", 2);
    f->items[f->n++] = (struct log_item){kind, 0, 0, 0, 0};
    return 0;
}

static int add_literal(log_format *f, size_t *used, char c, char *err, size_t errlen)
{
    if (*used == sizeof f->text)
        return fmt_fail(err, errlen, "--format: the format is too long%.*s", "", 0);
    if (f->n == 0 || f->items[f->n - 1].kind != LF_LIT) {
        if (add_item(f, LF_LIT, err, errlen) < 0)
            return -1;
        f->items[f->n - 1].lit = (uint16_t)*used;
    }
    f->text[(*used)++] = c;
    f->items[f->n - 1].lit_len++;
    return 0;
}

/* The kind of %{name}X, or -1. */
static int header_kind(const char *name, size_t len, char type)
{
    if (type == 'i' && len == 7 && !strncasecmp(name, "referer", 7))
        return LF_REFERER;
    if (type == 'i' && len == 10 && !strncasecmp(name, "user-agent", 10))
        return LF_AGENT;
    return strchr("ioenC", type) ? LF_SKIP : -1;
}

static int simple_kind(char c)
{
    switch (c) {
    case 'h':
    case 'a': return LF_HOST;
    case 't': return LF_TIME;
    case 'r': return LF_REQUEST;
    case 's': return LF_STATUS;
    case 'b':
    case 'B': return LF_BYTES;
    case 'O': return LF_BYTES_O;
    case 'v':
    case 'V': return LF_VHOST;
    case 'U': return LF_PATH;
    case 'l':
    case 'u':
    case 'I':
    case 'D':
    case 'T':
    case 'p':
    case 'q':
    case 'm':
    case 'H':
    case 'k':
    case 'P':
    case 'A': return LF_SKIP;
    default: return -1;
    }
}

/* Sets each field's stop byte and checks what the report needs. */
static int finish_format(log_format *f, char *err, size_t errlen)
{
    bool has[LF_AGENT + 1] = {false};
    for (size_t i = 0; i < f->n; i++) {
        struct log_item *it = &f->items[i];
        has[it->kind] = true;
        if (it->kind == LF_LIT || it->kind == LF_TIME)
            continue;
        if (i + 1 < f->n && f->items[i + 1].kind != LF_LIT)
            return fmt_fail(err, errlen,
                            "--format: two directives with nothing between them (the parser "
                            "needs a separator)%.*s",
                            "", 0);
        if (i + 1 < f->n)
            it->stop = f->text[f->items[i + 1].lit];
        it->quoted = i > 0 && f->items[i - 1].kind == LF_LIT && it->stop == '"' &&
                     f->text[f->items[i - 1].lit + f->items[i - 1].lit_len - 1] == '"';
    }
    if (!has[LF_HOST])
        return fmt_fail(err, errlen, "--format: the format has no %%h (the client)%.*s", "", 0);
    if (!has[LF_TIME])
        return fmt_fail(err, errlen, "--format: the format has no %%t (the time)%.*s", "", 0);
    if (!has[LF_STATUS])
        return fmt_fail(err, errlen, "--format: the format has no %%s or %%>s (the status)%.*s", "",
                        0);
    if (!has[LF_REQUEST] && !has[LF_PATH])
        return fmt_fail(err, errlen, "--format: the format has no %%r or %%U (the request)%.*s", "",
                        0);
    if (has[LF_BYTES])
        for (size_t i = 0; i < f->n; i++)
            if (f->items[i].kind == LF_BYTES_O)
                f->items[i].kind = LF_SKIP;
    return 0;
}

int log_format_compile(log_format *f, const char *spec, char *err, size_t errlen)
{
    memset(f, 0, sizeof *f);
    for (size_t i = 0; i < sizeof named_formats / sizeof *named_formats; i++)
        if (!strcmp(spec, named_formats[i].name))
            spec = named_formats[i].spec;
    size_t used = 0;
    for (const char *p = spec; *p;) {
        if (*p != '%') {
            if (add_literal(f, &used, *p++, err, errlen) < 0)
                return -1;
            continue;
        }
        const char *start = p++;
        if (*p == '%') {
            if (add_literal(f, &used, '%', err, errlen) < 0)
                return -1;
            p++;
            continue;
        }
        int kind;
        if (*p == '{') {
            const char *close = strchr(p, '}');
            if (!close || !close[1])
                return fmt_fail(err, errlen, "--format: '%.*s' is not closed", start,
                                strlen(start));
            kind = header_kind(p + 1, (size_t)(close - p - 1), close[1]);
            p = close + 2;
        } else {
            if (*p == '>' || *p == '<')
                p++;
            kind = *p ? simple_kind(*p) : -1;
            if (*p)
                p++;
            if ((start[1] == '>' || start[1] == '<') && kind != LF_STATUS)
                kind = -1;
        }
        if (kind < 0)
            return fmt_fail(err, errlen,
                            "--format: unsupported directive '%.*s' (logstats(1) lists those "
                            "it reads)",
                            start, (size_t)(p - start));
        if (kind == LF_SKIP && p[-1] == 'q' && f->n && f->items[f->n - 1].kind == LF_PATH)
            continue; /* %U%q: one path with its query string */
        if (add_item(f, (uint8_t)kind, err, errlen) < 0)
            return -1;
    }
    return finish_format(f, err, errlen);
}

/* The end of the field starting at s[i]. */
static size_t field_end(const struct log_item *it, const char *s, size_t i, size_t n)
{
    if (!it->stop)
        return n;
    if (!it->quoted) {
        const char *e = memchr(s + i, it->stop, n - i);
        return e ? (size_t)(e - s) : 0;
    }
    for (; i < n; i++) {
        if (s[i] == '\\')
            i++;
        else if (s[i] == '"')
            return i;
    }
    return 0;
}

/* %r: "-", "method path protocol" or "method path". */
static int request_value(const char *s, size_t i, size_t e, log_rec *r)
{
    if (e - i == 1 && s[i] == '-') {
        r->path = s + i;
        r->path_len = 1;
        return 1;
    }
    const char *sp = memchr(s + i, ' ', e - i);
    if (!sp || sp == s + i)
        return 0;
    size_t p = (size_t)(sp - s) + 1;
    const char *sp2 = memchr(s + p, ' ', e - p);
    size_t pe = sp2 ? (size_t)(sp2 - s) : e;
    if (pe == p)
        return 0;
    r->path = s + p;
    r->path_len = pe - p;
    return 1;
}

static int field_value(int kind, const char *s, size_t i, size_t e, log_rec *r)
{
    switch (kind) {
    case LF_HOST:
        r->host = s + i;
        r->host_len = e - i;
        return e > i;
    case LF_REQUEST: return request_value(s, i, e, r);
    case LF_PATH:
        r->path = s + i;
        r->path_len = e - i;
        return e > i;
    case LF_STATUS:
        if (e - i != 3 || !dig(s[i]) || !dig(s[i + 1]) || !dig(s[i + 2]))
            return 0;
        r->status = (s[i] - '0') * 100 + (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
        return 1;
    case LF_BYTES:
    case LF_BYTES_O: {
        uint64_t b = 0;
        if (e - i == 1 && s[i] == '-') {
            r->bytes = 0;
            return 1;
        }
        if (e == i || e - i > 18)
            return 0;
        for (size_t k = i; k < e; k++) {
            if (!dig(s[k]))
                return 0;
            b = b * 10 + (uint64_t)(s[k] - '0');
        }
        r->bytes = b;
        return 1;
    }
    case LF_VHOST:
        r->vhost = s + i;
        r->vhost_len = e - i;
        return 1;
    case LF_REFERER:
        r->referer = s + i;
        r->referer_len = e - i;
        return 1;
    case LF_AGENT:
        r->agent = s + i;
        r->agent_len = e - i;
        return 1;
    default: return 1;
    }
}

int log_parse_format(const log_format *f, const char *s, size_t n, log_rec *r)
{
    if (n && s[n - 1] == '\r')
        n--;
    memset(r, 0, sizeof *r);
    r->line = s;
    r->line_len = n;
    size_t i = 0;
    for (size_t k = 0; k < f->n; k++) {
        const struct log_item *it = &f->items[k];
        if (it->kind == LF_LIT) {
            if (n - i < it->lit_len || memcmp(s + i, f->text + it->lit, it->lit_len) != 0)
                return 0;
            i += it->lit_len;
            continue;
        }
        if (it->kind == LF_TIME) {
            if (!(i = stamp_end(s, i, n, r)))
                return 0;
            continue;
        }
        size_t e = field_end(it, s, i, n);
        if ((it->stop && !e) || !field_value(it->kind, s, i, e, r))
            return 0;
        i = e;
    }
    return i == n;
}
