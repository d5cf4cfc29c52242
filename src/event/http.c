/* SPDX-License-Identifier: MIT */
/* The HTTP/1.1 request-head parser: one straight-line body (http_head)
 * that reads the head line by line into a buffer it owns, then checks
 * each line where it lies. It asks for more bytes only inside read_line,
 * and each byte is looked at by memchr once and by the line's check once,
 * however the input was split. */
#include "event_internal.h"

#include <cogen/http.h>

#include <string.h>

#define DEFAULT_MAX_LINE 8192
#define DEFAULT_MAX_HEAD 32768
#define DEFAULT_MAX_HEADERS 100
#define SMALLEST_LINE 18 /* "GET / HTTP/1.1\r\n" and a little room */

struct cogen_http_parser {
    cogen_parser *ps;
    cogen_http_limits lim;
    char *buf; /* the head, max_head bytes */
    size_t len;
    cogen_http_header *hdrs; /* max_headers entries */
    cogen_http_request req;
    bool have_req;
    int status; /* what the body failed with */
    cogen_http_error err;
};

/* What the header fields said about framing, gathered while reading them. */
typedef struct framing {
    bool cl_seen, te_seen, chunked, conn_close, conn_keep_alive, expect_continue;
    unsigned long long length;
    size_t te_offset;
    unsigned hosts;
} framing;

/* RFC 9110 token characters. */
static const unsigned char tchar[256] = {
    ['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1, ['*'] = 1, ['+'] = 1,
    ['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1, ['|'] = 1,  ['~'] = 1, ['0'] = 1,
    ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1,  ['7'] = 1, ['8'] = 1,
    ['9'] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1,  ['F'] = 1, ['G'] = 1,
    ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1,  ['N'] = 1, ['O'] = 1,
    ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1,  ['V'] = 1, ['W'] = 1,
    ['X'] = 1, ['Y'] = 1, ['Z'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1,  ['d'] = 1, ['e'] = 1,
    ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1,  ['l'] = 1, ['m'] = 1,
    ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1,  ['t'] = 1, ['u'] = 1,
    ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
};

static bool is_tchar(char c)
{
    return tchar[(unsigned char)c] != 0;
}

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* s[0..n) equals the lower-case word w, ignoring case. */
static bool same_word(const char *s, size_t n, const char *w)
{
    size_t i = 0;
    for (; i < n && w[i]; i++)
        if (lower((unsigned char)s[i]) != w[i])
            return false;
    return i == n && w[i] == '\0';
}

static COGEN_NORETURN void refuse(cogen_http_parser *hp, int status, int code, size_t offset,
                                  const char *msg)
{
    hp->status = status;
    cogen_parser_fail(hp->ps, code, offset, "%s", msg);
}

enum line_kind { REQUEST_LINE, HEADER_LINE };

/* Reads one line, CRLF included, into hp->buf; returns its offset there
 * (its length is hp->len minus that). Returns (size_t)-1 when the input
 * ends before the first byte of a request line. */
static size_t read_line(cogen_http_parser *hp, cogen_input *in, enum line_kind kind)
{
    size_t start = hp->len;
    for (;;) {
        if (in->pos == in->end && !cogen_parser_more(hp->ps)) {
            if (kind == REQUEST_LINE && hp->len == start)
                return (size_t)-1;
            refuse(hp, 400, COGEN_ETRUNCATED, hp->len, "input ended inside the request head");
        }
        size_t avail = (size_t)(in->end - in->pos);
        size_t room_line = hp->lim.max_line - (hp->len - start);
        size_t room_head = hp->lim.max_head - hp->len;
        size_t window = avail;
        if (window > room_line)
            window = room_line;
        if (window > room_head)
            window = room_head;
        const char *nl = memchr(in->pos, '\n', window);
        size_t n = nl ? (size_t)(nl - in->pos) + 1 : window;
        memcpy(hp->buf + hp->len, in->pos, n);
        hp->len += n;
        in->pos += n;
        if (nl)
            break;
        if (window < avail) {
            if (room_head < room_line)
                refuse(hp, 431, COGEN_ELIMIT, hp->len, "request head too large");
            if (kind == REQUEST_LINE)
                refuse(hp, 414, COGEN_ELIMIT, hp->len, "request line too long");
            refuse(hp, 431, COGEN_ELIMIT, hp->len, "header field line too long");
        }
    }
    if (hp->len - start < 2 || hp->buf[hp->len - 2] != '\r')
        refuse(hp, 400, COGEN_ESYNTAX, hp->len - 1, "line ends with a bare LF");
    return start;
}

static size_t off(const cogen_http_parser *hp, const char *p)
{
    return (size_t)(p - hp->buf);
}

static void parse_request_line(cogen_http_parser *hp, const char *s, const char *e)
{
    const char *p = s;
    while (p < e && is_tchar(*p))
        p++;
    if (p == s)
        refuse(hp, 400, COGEN_ESYNTAX, off(hp, p), "request line does not start with a method");
    if (p == e || *p != ' ')
        refuse(hp, 400, COGEN_ESYNTAX, off(hp, p), "invalid character in method");
    hp->req.method = s;
    hp->req.method_len = (size_t)(p - s);
    const char *t = ++p;
    while (p<e && * p> ' ' && *p < 0x7f)
        p++;
    if (p == t)
        refuse(hp, 400, COGEN_ESYNTAX, off(hp, p), "empty request target");
    if (p == e || *p != ' ')
        refuse(hp, 400, COGEN_ESYNTAX, off(hp, p), "invalid character in request target");
    hp->req.target = t;
    hp->req.target_len = (size_t)(p - t);
    p++;
    if (e - p != 8 || memcmp(p, "HTTP/", 5) != 0 || p[5] < '0' || p[5] > '9' || p[6] != '.' ||
        p[7] < '0' || p[7] > '9')
        refuse(hp, 400, COGEN_ESYNTAX, off(hp, p), "malformed HTTP version");
    if (p[5] != '1')
        refuse(hp, 505, COGEN_EUNSUPPORTED, off(hp, p), "HTTP version not supported");
    hp->req.version_major = 1;
    hp->req.version_minor = p[7] - '0';
}

static void parse_content_length(cogen_http_parser *hp, framing *f, const cogen_http_header *h)
{
    size_t at = off(hp, h->value);
    if (h->value_len == 0)
        refuse(hp, 400, COGEN_ESYNTAX, at, "empty Content-Length");
    unsigned long long n = 0;
    for (size_t i = 0; i < h->value_len; i++) {
        char c = h->value[i];
        if (c < '0' || c > '9')
            refuse(hp, 400, COGEN_ESYNTAX, at + i, "Content-Length is not a number");
        if (n > (~0ULL >> 1) / 10)
            refuse(hp, 400, COGEN_ESYNTAX, at + i, "Content-Length too large");
        n = n * 10 + (unsigned long long)(c - '0');
    }
    if (f->cl_seen && n != f->length)
        refuse(hp, 400, COGEN_ESYNTAX, off(hp, h->name), "conflicting Content-Length fields");
    f->cl_seen = true;
    f->length = n;
}

/* Transfer-Encoding: a list of codings; only a final "chunked" is
 * implemented. */
static void parse_transfer_encoding(cogen_http_parser *hp, framing *f, const cogen_http_header *h)
{
    size_t at = off(hp, h->name);
    if (hp->req.version_minor == 0)
        refuse(hp, 400, COGEN_ESYNTAX, at, "Transfer-Encoding in an HTTP/1.0 request");
    if (!f->te_seen)
        f->te_offset = at;
    f->te_seen = true;
    const char *p = h->value, *e = h->value + h->value_len;
    bool any = false;
    while (p < e) {
        while (p < e && (is_ows(*p) || *p == ','))
            p++;
        const char *w = p;
        while (p < e && is_tchar(*p))
            p++;
        if (p == w) {
            if (w < e)
                refuse(hp, 400, COGEN_ESYNTAX, off(hp, w), "malformed transfer coding");
            break;
        }
        while (p < e && is_ows(*p))
            p++;
        if (p < e && *p != ',')
            refuse(hp, 400, COGEN_ESYNTAX, off(hp, p), "malformed transfer coding");
        any = true;
        if (f->chunked)
            refuse(hp, 400, COGEN_ESYNTAX, off(hp, w),
                   same_word(w, (size_t)(p - w), "chunked") ? "chunked applied twice"
                                                            : "chunked is not the last coding");
        size_t n = (size_t)(p - w);
        while (n && is_ows(w[n - 1]))
            n--;
        if (!same_word(w, n, "chunked"))
            refuse(hp, 501, COGEN_EUNSUPPORTED, off(hp, w), "transfer coding not implemented");
        f->chunked = true;
    }
    if (!any)
        refuse(hp, 400, COGEN_ESYNTAX, off(hp, h->value), "empty Transfer-Encoding");
}

/* Connection: looks for the close and keep-alive options. */
static void parse_connection(framing *f, const cogen_http_header *h)
{
    const char *p = h->value, *e = h->value + h->value_len;
    while (p < e) {
        while (p < e && (is_ows(*p) || *p == ','))
            p++;
        const char *w = p;
        while (p < e && *p != ',' && !is_ows(*p))
            p++;
        if (same_word(w, (size_t)(p - w), "close"))
            f->conn_close = true;
        else if (same_word(w, (size_t)(p - w), "keep-alive"))
            f->conn_keep_alive = true;
    }
}

/* The fields that matter to framing and the connection. */
static void interpret(cogen_http_parser *hp, framing *f, const cogen_http_header *h)
{
    switch (h->name_len) {
    case 4:
        if (same_word(h->name, 4, "host") && ++f->hosts > 1)
            refuse(hp, 400, COGEN_ESYNTAX, off(hp, h->name), "more than one Host field");
        break;
    case 6:
        if (same_word(h->name, 6, "expect") && same_word(h->value, h->value_len, "100-continue"))
            f->expect_continue = true;
        break;
    case 10:
        if (same_word(h->name, 10, "connection"))
            parse_connection(f, h);
        break;
    case 14:
        if (same_word(h->name, 14, "content-length"))
            parse_content_length(hp, f, h);
        break;
    case 17:
        if (same_word(h->name, 17, "transfer-encoding"))
            parse_transfer_encoding(hp, f, h);
        break;
    default: break;
    }
}

static void parse_header(cogen_http_parser *hp, framing *f, const char *s, const char *e)
{
    if (is_ows(*s))
        refuse(hp, 400, COGEN_ESYNTAX, off(hp, s), "obsolete line folding");
    const char *p = s;
    while (p < e && is_tchar(*p))
        p++;
    if (p == s)
        refuse(hp, 400, COGEN_ESYNTAX, off(hp, s), "header field does not start with a name");
    if (p < e && is_ows(*p))
        refuse(hp, 400, COGEN_ESYNTAX, off(hp, p), "space before colon in header field");
    if (p == e || *p != ':')
        refuse(hp, 400, COGEN_ESYNTAX, off(hp, p), "invalid character in header field name");
    const char *name_end = p++;
    while (p < e && is_ows(*p))
        p++;
    const char *v = p;
    for (; p < e; p++) {
        unsigned char c = (unsigned char)*p;
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            refuse(hp, 400, COGEN_ESYNTAX, off(hp, p), "invalid character in header field value");
    }
    const char *ve = e;
    while (ve > v && is_ows(ve[-1]))
        ve--;
    if (hp->req.nheaders == hp->lim.max_headers)
        refuse(hp, 431, COGEN_ELIMIT, off(hp, s), "too many header fields");
    cogen_http_header *h = &hp->hdrs[hp->req.nheaders++];
    *h = (cogen_http_header){s, (size_t)(name_end - s), v, (size_t)(ve - v)};
    interpret(hp, f, h);
}

static void decide_framing(cogen_http_parser *hp, const framing *f)
{
    cogen_http_request *r = &hp->req;
    if (f->te_seen && f->cl_seen)
        refuse(hp, 400, COGEN_ESYNTAX, f->te_offset, "both Transfer-Encoding and Content-Length");
    if (r->version_minor >= 1 && f->hosts == 0)
        refuse(hp, 400, COGEN_ESYNTAX, hp->len - 2, "no Host field");
    r->body = f->te_seen ? COGEN_HTTP_CHUNKED : f->cl_seen ? COGEN_HTTP_LENGTH : COGEN_HTTP_NONE;
    r->content_length = f->cl_seen ? f->length : 0;
    r->keep_alive = r->version_minor >= 1 ? !f->conn_close : f->conn_keep_alive && !f->conn_close;
    r->expect_continue = f->expect_continue;
}

/* The body: one request head, as straight-line code. */
static void *http_head(cogen_parser *ps, cogen_input *in, void *arg)
{
    (void)ps;
    cogen_http_parser *hp = arg;
    hp->len = 0;
    hp->have_req = false;
    memset(&hp->req, 0, sizeof hp->req);
    hp->req.headers = hp->hdrs;
    size_t start;
    do { /* empty lines before the request line are skipped */
        start = read_line(hp, in, REQUEST_LINE);
        if (start == (size_t)-1)
            return NULL;
    } while (hp->len - start == 2);
    parse_request_line(hp, hp->buf + start, hp->buf + hp->len - 2);
    framing f = {0};
    for (;;) {
        start = read_line(hp, in, HEADER_LINE);
        if (hp->len - start == 2)
            break;
        parse_header(hp, &f, hp->buf + start, hp->buf + hp->len - 2);
    }
    decide_framing(hp, &f);
    hp->req.head_len = hp->len;
    hp->have_req = true;
    return &hp->req;
}

/* The limits asked for, zero fields meaning the defaults; -1 with errno
 * EINVAL if they are too small to hold a request line. */
static int resolve_limits(const cogen_http_limits *limits, cogen_http_limits *lim)
{
    *lim = (cogen_http_limits){DEFAULT_MAX_LINE, DEFAULT_MAX_HEAD, DEFAULT_MAX_HEADERS};
    if (limits) {
        if (limits->max_line)
            lim->max_line = limits->max_line;
        if (limits->max_head)
            lim->max_head = limits->max_head;
        if (limits->max_headers)
            lim->max_headers = limits->max_headers;
    }
    if (lim->max_line < SMALLEST_LINE || lim->max_head < SMALLEST_LINE) {
        errno = EINVAL;
        return -1;
    }
    return 0;
}

cogen_http_parser *cogen_http_parser_new(const cogen_http_limits *limits)
{
    cogen_http_limits lim;
    if (resolve_limits(limits, &lim) != 0)
        return NULL;
    cogen_http_parser *hp = cogen__calloc(1, sizeof *hp);
    if (!hp)
        return NULL;
    hp->lim = lim;
    hp->err.msg = "";
    hp->buf = cogen__malloc(lim.max_head);
    hp->hdrs = hp->buf ? cogen__calloc(lim.max_headers, sizeof *hp->hdrs) : NULL;
    cogen_parser_opts o = {"http", 0, 0};
    hp->ps = hp->hdrs ? cogen_parser_new(http_head, hp, &o) : NULL;
    if (!hp->ps) {
        cogen_http_parser_free(hp);
        errno = ENOMEM;
        return NULL;
    }
    return hp;
}

void cogen_http_parser_free(cogen_http_parser *hp)
{
    if (!hp)
        return;
    cogen_parser_free(hp->ps);
    free(hp->hdrs);
    free(hp->buf);
    free(hp);
}

/* Turns the parser's result into hp's request or error. */
static int conclude(cogen_http_parser *hp, int r)
{
    if (r == COGEN_ERROR) {
        const cogen_err *e = cogen_parser_error(hp->ps);
        bool ours = e->code == COGEN_ESYNTAX || e->code == COGEN_ELIMIT ||
                    e->code == COGEN_EUNSUPPORTED || e->code == COGEN_ETRUNCATED;
        hp->err.status = ours ? hp->status : 500;
        hp->err.code = e->code;
        hp->err.msg = e->msg;
        hp->err.offset = cogen_parser_error_offset(hp->ps);
        hp->have_req = false;
    } else if (r == COGEN_PARSE_MORE) {
        hp->have_req = false;
    }
    return r;
}

int cogen_http_feed(cogen_http_parser *hp, const void *buf, size_t len, size_t *used)
{
    if (!hp) {
        errno = EINVAL;
        return COGEN_ERROR;
    }
    return conclude(hp, cogen_parser_feed(hp->ps, buf, len, used, NULL));
}

int cogen_http_finish(cogen_http_parser *hp)
{
    if (!hp) {
        errno = EINVAL;
        return COGEN_ERROR;
    }
    return conclude(hp, cogen_parser_finish(hp->ps, NULL));
}

int cogen_http_read(cogen_http_parser *hp, int fd)
{
    if (!hp) {
        errno = EINVAL;
        return COGEN_ERROR;
    }
    return conclude(hp, cogen_parser_read(hp->ps, fd, NULL));
}

cogen_str cogen_http_buffered(const cogen_http_parser *hp)
{
    cogen_str none = {NULL, 0};
    return hp ? cogen_parser_buffered(hp->ps) : none;
}

void cogen_http_consume(cogen_http_parser *hp, size_t n)
{
    if (hp)
        cogen_parser_consume(hp->ps, n);
}

const cogen_http_request *cogen_http_request_head(const cogen_http_parser *hp)
{
    return hp && hp->have_req ? &hp->req : NULL;
}

const cogen_http_error *cogen_http_error_of(const cogen_http_parser *hp)
{
    return hp ? &hp->err : NULL;
}

int cogen_http_reset(cogen_http_parser *hp)
{
    if (!hp) {
        errno = EINVAL;
        return COGEN_ERROR;
    }
    memset(&hp->err, 0, sizeof hp->err);
    hp->err.msg = "";
    hp->have_req = false;
    int r = cogen_parser_reset(hp->ps);
    return r < 0 ? conclude(hp, r) : 0;
}

const char *cogen_http_header_value(const cogen_http_request *req, const char *name, size_t *len)
{
    if (!req || !name)
        return NULL;
    size_t n = strlen(name);
    for (size_t i = 0; i < req->nheaders; i++) {
        const cogen_http_header *h = &req->headers[i];
        if (h->name_len != n)
            continue;
        size_t k = 0;
        while (k < n && lower((unsigned char)h->name[k]) == lower((unsigned char)name[k]))
            k++;
        if (k == n) {
            if (len)
                *len = h->value_len;
            return h->value;
        }
    }
    return NULL;
}

/* ------------------------------------------------- chunked request bodies */

struct cogen_http_chunked {
    cogen_parser *ps;
    cogen_http_limits lim;
    cogen_str span; /* the data handed out last */
    int status;
    bool ended;
    cogen_http_error err;
};

static COGEN_NORETURN void reject(cogen_http_chunked *c, int status, int code,
                                  unsigned long long offset, const char *msg)
{
    c->status = status;
    cogen_parser_fail(c->ps, code, offset, "%s", msg);
}

static int body_byte(cogen_http_chunked *c, cogen_input *in)
{
    int b = cogen_parser_getc(c->ps, in);
    if (b < 0)
        reject(c, 400, COGEN_ETRUNCATED, cogen_parser_offset(c->ps),
               "input ended inside a chunked body");
    return b;
}

static int hex_value(int b)
{
    if (b >= '0' && b <= '9')
        return b - '0';
    b |= 0x20;
    return b >= 'a' && b <= 'f' ? b - 'a' + 10 : -1;
}

static unsigned long long here(const cogen_http_chunked *c)
{
    return cogen_parser_offset(c->ps) - 1; /* the byte just read */
}

/* chunk-size [ chunk-ext ] CRLF */
static unsigned long long chunk_size_line(cogen_http_chunked *c, cogen_input *in)
{
    unsigned long long size = 0;
    size_t line = 0;
    int b = body_byte(c, in), h;
    for (; (h = hex_value(b)) >= 0; b = body_byte(c, in), line++) {
        if (size >> 60)
            reject(c, 400, COGEN_ESYNTAX, here(c), "chunk size too large");
        size = size << 4 | (unsigned long long)h;
    }
    if (line == 0)
        reject(c, 400, COGEN_ESYNTAX, here(c), "malformed chunk size");
    for (; b != '\r'; b = body_byte(c, in)) { /* extensions: skipped */
        if (b == '\n' || (b < 0x20 && b != '\t') || b == 0x7f)
            reject(c, 400, COGEN_ESYNTAX, here(c), "invalid character in chunk extension");
        if (++line >= c->lim.max_line - 2)
            reject(c, 400, COGEN_ELIMIT, here(c), "chunk size line too long");
    }
    if (body_byte(c, in) != '\n')
        reject(c, 400, COGEN_ESYNTAX, here(c), "CR not followed by LF");
    return size;
}

/* Trailer fields up to the empty line: checked, not kept. */
static void trailers(cogen_http_chunked *c, cogen_input *in)
{
    size_t total = 0;
    for (;;) {
        size_t line = 0;
        int b;
        while ((b = body_byte(c, in)) != '\r') {
            if (b == '\n' || (b < 0x20 && b != '\t') || b == 0x7f)
                reject(c, 400, COGEN_ESYNTAX, here(c), "invalid character in trailer field");
            if (++line >= c->lim.max_line - 2)
                reject(c, 431, COGEN_ELIMIT, here(c), "trailer field line too long");
            if (++total > c->lim.max_head)
                reject(c, 431, COGEN_ELIMIT, here(c), "trailer fields too large");
        }
        if (body_byte(c, in) != '\n')
            reject(c, 400, COGEN_ESYNTAX, here(c), "CR not followed by LF");
        if (line == 0)
            return;
    }
}

/* The body: one chunked body, its data emitted as spans of the input. */
static void *chunked_body(cogen_parser *ps, cogen_input *in, void *arg)
{
    cogen_http_chunked *c = arg;
    c->ended = false;
    unsigned long long size;
    while ((size = chunk_size_line(c, in)) != 0) {
        while (size) {
            if (in->pos == in->end && !cogen_parser_more(ps))
                body_byte(c, in); /* reports the truncation */
            size_t n = (size_t)(in->end - in->pos);
            if (n > size)
                n = (size_t)size;
            c->span = (cogen_str){in->pos, n};
            in->pos += n;
            size -= n;
            cogen_parser_emit(ps, &c->span);
        }
        int cr = body_byte(c, in);
        int lf = cr == '\r' ? body_byte(c, in) : 0;
        if (lf != '\n')
            reject(c, 400, COGEN_ESYNTAX, here(c), "chunk data not followed by CRLF");
    }
    trailers(c, in);
    c->ended = true;
    return c;
}

cogen_http_chunked *cogen_http_chunked_new(const cogen_http_limits *limits)
{
    cogen_http_limits lim;
    if (resolve_limits(limits, &lim) != 0)
        return NULL;
    cogen_http_chunked *c = cogen__calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->lim = lim;
    c->err.msg = "";
    cogen_parser_opts o = {"http chunked", 0, 0};
    c->ps = cogen_parser_new(chunked_body, c, &o);
    if (!c->ps) {
        free(c);
        errno = ENOMEM;
        return NULL;
    }
    return c;
}

void cogen_http_chunked_free(cogen_http_chunked *c)
{
    if (!c)
        return;
    cogen_parser_free(c->ps);
    free(c);
}

static int chunked_conclude(cogen_http_chunked *c, int r)
{
    if (r == COGEN_ERROR) {
        const cogen_err *e = cogen_parser_error(c->ps);
        bool ours =
            e->code == COGEN_ESYNTAX || e->code == COGEN_ELIMIT || e->code == COGEN_ETRUNCATED;
        c->err.status = ours ? c->status : 500;
        c->err.code = e->code;
        c->err.msg = e->msg;
        c->err.offset = cogen_parser_error_offset(c->ps);
    }
    return r;
}

int cogen_http_chunked_feed(cogen_http_chunked *c, const void *buf, size_t len, size_t *used,
                            cogen_str *data)
{
    if (data)
        *data = (cogen_str){NULL, 0};
    if (!c) {
        errno = EINVAL;
        return COGEN_ERROR;
    }
    void *item = NULL;
    int r = cogen_parser_feed(c->ps, buf, len, used, &item);
    if (r == COGEN_PARSE_ITEM && data)
        *data = *(cogen_str *)item;
    return chunked_conclude(c, r);
}

int cogen_http_chunked_finish(cogen_http_chunked *c)
{
    if (!c) {
        errno = EINVAL;
        return COGEN_ERROR;
    }
    if (c->ended)
        return COGEN_PARSE_DONE;
    return chunked_conclude(c, cogen_parser_finish(c->ps, NULL));
}

const cogen_http_error *cogen_http_chunked_error(const cogen_http_chunked *c)
{
    return c ? &c->err : NULL;
}

int cogen_http_chunked_reset(cogen_http_chunked *c)
{
    if (!c) {
        errno = EINVAL;
        return COGEN_ERROR;
    }
    memset(&c->err, 0, sizeof c->err);
    c->err.msg = "";
    c->ended = false;
    int r = cogen_parser_reset(c->ps);
    return r < 0 ? chunked_conclude(c, r) : 0;
}
