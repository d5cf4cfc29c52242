/* SPDX-License-Identifier: MIT */
#include "logparse.h"

#include <stdio.h>
#include <string.h>

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

int log_parse(const char *s, size_t n, log_rec *r)
{
    size_t i, e;
    if (n && s[n - 1] == '\r')
        n--;
    r->line = s;
    r->line_len = n;
    /* host ident user */
    if (!(e = token(s, 0, n)))
        return 0;
    r->host = s;
    r->host_len = e;
    if (!(e = token(s, e + 1, n)) || !(e = token(s, e + 1, n)))
        return 0;
    i = e + 1;
    /* [dd/Mon/yyyy:HH:MM:SS +zzzz] */
    if (n - i < 29)
        return 0;
    const char *t = s + i;
    if (t[0] != '[' || !dig(t[1]) || !dig(t[2]) || t[3] != '/' || t[7] != '/' || !dig(t[8]) ||
        !dig(t[9]) || !dig(t[10]) || !dig(t[11]) || t[12] != ':' || !dig(t[13]) || !dig(t[14]) ||
        t[15] != ':' || !dig(t[16]) || !dig(t[17]) || t[18] != ':' || !dig(t[19]) || !dig(t[20]) ||
        t[21] != ' ' || (t[22] != '+' && t[22] != '-') || !dig(t[23]) || !dig(t[24]) ||
        !dig(t[25]) || !dig(t[26]) || t[27] != ']' || t[28] != ' ')
        return 0;
    unsigned dd = two(t + 1), hh = two(t + 13), mi = two(t + 16), ss = two(t + 19);
    if (dd < 1 || dd > 31 || hh > 23 || mi > 59 || ss > 60)
        return 0;
    unsigned mon = 0;
    while (mon < 12 && memcmp(t + 4, months[mon], 3) != 0)
        mon++;
    if (mon == 12)
        return 0;
    unsigned yyyy = two(t + 8) * 100u + two(t + 10);
    r->hour = ((yyyy * 12u + mon) * 32u + dd) * 24u + hh;
    i += 29;
    /* "method path protocol" */
    if (i >= n || s[i] != '"')
        return 0;
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
    /* [ "referer" [ "user agent"]] */
    if (s[i] != ' ' || !(i = quoted(s, i + 1, n)))
        return 0;
    if (i == n)
        return 1;
    if (s[i] != ' ' || !(i = quoted(s, i + 1, n)))
        return 0;
    return i == n;
}

void log_hour_str(uint32_t hour, char out[14])
{
    unsigned hh = hour % 24u, rest = hour / 24u;
    unsigned dd = rest % 32u, ym = rest / 32u;
    snprintf(out, 14, "%04u-%02u-%02uT%02u", (ym / 12u) % 10000u, ym % 12u + 1u, dd % 100u, hh);
}
