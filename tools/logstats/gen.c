/* SPDX-License-Identifier: MIT */
#include "gen.h"

#include <stdio.h>
#include <string.h>

static const char *const paths[] = {"/",
                                    "/index.html",
                                    "/about",
                                    "/contact",
                                    "/blog",
                                    "/blog/coroutines-part-1",
                                    "/blog/coroutines-part-2",
                                    "/blog/coroutines-part-3",
                                    "/static/app.js",
                                    "/static/app.css",
                                    "/static/logo.png",
                                    "/favicon.ico",
                                    "/robots.txt",
                                    "/api/v1/items",
                                    "/api/v1/users",
                                    "/api/v1/search?q=python",
                                    "/api/v1/search?q=generators",
                                    "/login",
                                    "/logout",
                                    "/feed.xml",
                                    "/docs/",
                                    "/docs/install",
                                    "/docs/api",
                                    "/download/cogen-0.1.0.tar.gz",
                                    "/sitemap.xml"};
static const char *const missing[] = {"/wp-login.php",
                                      "/.env",
                                      "/admin",
                                      "/old/index.php",
                                      "/blog/coroutines-part-4",
                                      "/static/app.min.js",
                                      "/phpmyadmin/",
                                      "/xmlrpc.php",
                                      "/.git/config",
                                      "/api/v2/items",
                                      "/docs/tutorial",
                                      "/images/banner.jpg",
                                      "/cgi-bin/test.cgi",
                                      "/backup.zip",
                                      "/config.json",
                                      "/favicon.png",
                                      "/apple-touch-icon.png",
                                      "/server-status",
                                      "/shell.php",
                                      "/test"};
static const char *const agents[] = {
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/126.0 Safari/537.36"),
    "curl/8.5.0", "python-requests/2.31.0", "Googlebot/2.1 (+http://www.google.com/bot.html)"};
static const char *const referers[] = {"-", "https://www.google.com/", "https://example.org/blog",
                                       "https://news.ycombinator.com/"};
static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

#define N(a) (sizeof(a) / sizeof(a)[0])

static uint64_t next(gen_state *g)
{
    /* splitmix64 */
    uint64_t z = (g->rng += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static uint64_t below(gen_state *g, uint64_t n)
{
    return next(g) % n;
}

void gen_init(gen_state *g, uint64_t seed, uint64_t lines)
{
    memset(g, 0, sizeof *g);
    g->rng = seed;
    g->left = lines;
    g->t = 1795478400; /* 2026-11-24 00:00:00 UTC */
    g->stamp_t = -1;
}

/* Days since 1970-01-01 to y/m/d (proleptic Gregorian). */
static void civil(int64_t days, int *y, int *m, int *d)
{
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t doe = days - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static void make_stamp(gen_state *g)
{
    int y, m, d;
    int64_t days = g->t / 86400, secs = g->t % 86400;
    civil(days, &y, &m, &d);
    snprintf(g->stamp, sizeof g->stamp, "%02d/%s/%04d:%02d:%02d:%02d +0000", d, months[m - 1],
             y % 10000, (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
    g->stamp_t = g->t;
}

static char *put(char *o, const char *s)
{
    size_t n = strlen(s);
    memcpy(o, s, n);
    return o + n;
}

static char *put_u(char *o, uint64_t v)
{
    char tmp[24];
    int k = 0;
    do {
        tmp[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (k)
        *o++ = tmp[--k];
    return o;
}

/* One line into o (at most ~600 bytes); returns the end. */
static char *line(gen_state *g, char *o)
{
    uint64_t r = next(g);
    g->t += (int64_t)(r % 1000 < 260); /* about 3.8 lines a second */
    if (g->stamp_t != g->t)
        make_stamp(g);
    g->n++;
    if (below(g, 4000) == 0) {
        /* A malformed line now and then: cut, garbled or empty. */
        switch (below(g, 4)) {
        case 0: return put(o, "10.0.0.1 - - [24/Nov/2026:00:00:00 +0000] \"GET /");
        case 1: return put(o, "garbage \x01\x7f\xfe line");
        case 2: return o;
        default:
            o = put(o, "10.9.9.9 - - [");
            o = put(o, g->stamp);
            return put(o, "] \"GET / HTTP/1.1\" 2000 10");
        }
    }
    /* Clients: a few heavy ones, a long tail. */
    uint64_t a = below(g, 1000), c = a < 300 ? below(g, 20) : below(g, 3000);
    o = put(o, "10.");
    o = put_u(o, c / 65536 % 256);
    *o++ = '.';
    o = put_u(o, c / 256 % 256 + 1);
    *o++ = '.';
    o = put_u(o, c % 256);
    o = put(o, below(g, 10) ? " - - [" : " - alice [");
    o = put(o, g->stamp);
    o = put(o, "] \"");
    uint64_t s = below(g, 1000);
    int status;
    const char *path;
    if (s < 60) {
        status = 404;
        path = missing[below(g, N(missing)) * below(g, 100) / 100];
    } else {
        path = paths[below(g, N(paths))];
        status = s < 780   ? 200
                 : s < 860 ? 304
                 : s < 900 ? 301
                 : s < 930 ? 206
                 : s < 950 ? 403
                 : s < 985 ? 500
                           : 503;
    }
    o = put(o, below(g, 8) ? "GET " : "POST ");
    o = put(o, path);
    o = put(o, below(g, 5) ? " HTTP/1.1\" " : " HTTP/2.0\" ");
    o = put_u(o, (uint64_t)status);
    *o++ = ' ';
    if (status == 304 || (status >= 500 && below(g, 2)))
        *o++ = '-';
    else
        o = put_u(o, status == 200 ? 200 + below(g, 60000) : 100 + below(g, 2000));
    if (below(g, 10)) {
        o = put(o, " \"");
        o = put(o, referers[below(g, N(referers))]);
        o = put(o, "\" \"");
        o = put(o, agents[below(g, N(agents))]);
        *o++ = '"';
    }
    return o;
}

size_t gen_fill(gen_state *g, char *buf, size_t cap)
{
    char *o = buf;
    while (g->left && (size_t)(o - buf) + 1024 <= cap) {
        o = line(g, o);
        *o++ = '\n';
        g->left--;
    }
    return (size_t)(o - buf);
}
