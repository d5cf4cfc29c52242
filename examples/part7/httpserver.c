/* SPDX-License-Identifier: MIT */
/*
 * httpserver PORT [--threads N]: an HTTP/1.1 server, one task per
 * connection, request heads read by the event layer's incremental parser.
 *
 * GET / (and HEAD /) is answered with a short plain-text body; other
 * targets with 404, other methods with 405. Connections are kept alive
 * (HTTP/1.1 unless "Connection: close"; HTTP/1.0 only with "Connection:
 * keep-alive"). Pipelined requests are answered in order, their responses
 * gathered into one write while more requests are already buffered.
 * Request bodies (Content-Length or chunked) are read and dropped, so the
 * next request parses. A request the parser refuses is answered with the
 * status it gives (400, 414, 431, 501, 505) and the connection closed.
 *
 * Prints "listening on 127.0.0.1:PORT" first (the port it got, if PORT is
 * 0), serves until SIGINT or SIGTERM, then kills its tasks (each closes its
 * connection in a cleanup) and exits 0. With --threads N, N schedulers on
 * N threads each accept on the same port (SO_REUSEPORT).
 */
#include "serve.h"

#include <cogen/http.h>
#include <cogen/task.h>

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum {
    IN_SIZE = 8192,
    OUT_SIZE = 8192,
    IDLE_MS = 30000,      /* a connection silent this long is closed */
    WRITE_MS = 30000,     /* a client not reading this long is dropped */
    LINGER_MS = 1000,     /* reading what a refused client still sends */
    LINGER_BYTES = 65536, /* ... up to this much */
};

static const char HELLO[] = "Hello, world!\n";
static const char CONTINUE[] = "HTTP/1.1 100 Continue\r\n\r\n";

/* What a request's body still needs before the next request's head. */
enum body_state { IN_HEAD, IN_LENGTH, IN_CHUNKED };

typedef struct conn {
    int fd;
    cogen_http_parser *hp;
    cogen_http_chunked *chunked; /* made at the first chunked body */
    enum body_state state;
    unsigned long long body_left;
    bool close_after; /* the request being read is the last one */
    int status;       /* of the request being read: its response waits for its body */
    bool head_only;
    bool http10_keep;
    size_t in_len, in_used;
    size_t out_len;
    char in[IN_SIZE];
    char out[OUT_SIZE];
} conn;

/* ------------------------------------------------------------ responses */

/* The Date header, formatted once a second per thread. */
static const char *http_date(void)
{
    static _Thread_local time_t cached_at;
    static _Thread_local char text[64];
    time_t now = time(NULL);
    if (now != cached_at) {
        struct tm tm;
        gmtime_r(&now, &tm);
        (void)strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        cached_at = now;
    }
    return text;
}

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 501: return "Not Implemented";
    case 505: return "HTTP Version Not Supported";
    default: return "Internal Server Error";
    }
}

static int flush(cogen *self, conn *c)
{
    int rc = cogen_write_all(self, c->fd, c->out, c->out_len, NULL, cogen_deadline_ms(WRITE_MS));
    c->out_len = 0;
    return rc;
}

/* Appends bytes to the output, flushing first when they would not fit. */
static int append(cogen *self, conn *c, const char *p, size_t n)
{
    if (c->out_len + n > sizeof c->out) {
        int rc = flush(self, c);
        if (rc != 0)
            return rc;
    }
    memcpy(c->out + c->out_len, p, n);
    c->out_len += n;
    return 0;
}

/* Appends the response for status to the output. */
static int respond(cogen *self, conn *c, int status, bool closing)
{
    char body[64];
    int body_len = status == 200 ? snprintf(body, sizeof body, "%s", HELLO)
                                 : snprintf(body, sizeof body, "%d %s\n", status, reason(status));
    const char *connection = closing          ? "Connection: close\r\n"
                             : c->http10_keep ? "Connection: keep-alive\r\n"
                                              : "";
    const char *allow = status == 405 ? "Allow: GET, HEAD\r\n" : "";
    char msg[512];
    int n = snprintf(msg, sizeof msg,
                     "HTTP/1.1 %d %s\r\nServer: cogen\r\nDate: %s\r\n"
                     "Content-Type: text/plain\r\nContent-Length: %d\r\n%s%s\r\n%s",
                     status, reason(status), http_date(), body_len, connection, allow,
                     c->head_only && status == 200 ? "" : body);
    if (n < 0 || (size_t)n >= sizeof msg)
        return COGEN_EINVAL;
    return append(self, c, msg, (size_t)n);
}

static bool is(const char *s, size_t len, const char *lit)
{
    return len == strlen(lit) && memcmp(s, lit, len) == 0;
}

/* Decides the answer to a complete head; it is sent once the body is read. */
static void route(conn *c, const cogen_http_request *req)
{
    bool get = is(req->method, req->method_len, "GET");
    c->head_only = is(req->method, req->method_len, "HEAD");
    if (!get && !c->head_only)
        c->status = 405;
    else if (!is(req->target, req->target_len, "/"))
        c->status = 404;
    else
        c->status = 200;
    c->close_after = !req->keep_alive;
    c->http10_keep = req->keep_alive && req->version_minor == 0;
    c->state = req->body == COGEN_HTTP_LENGTH    ? IN_LENGTH
               : req->body == COGEN_HTTP_CHUNKED ? IN_CHUNKED
                                                 : IN_HEAD;
    c->body_left = req->content_length;
}

/* ------------------------------------------------------------- requests */

/* Results of taking bytes from the input. */
enum step { NEED_MORE, ANSWERED, REFUSED, FAILED };

/* Feeds the parser or drops body bytes from the unread input; answers a
 * request whose head and body are complete. */
static enum step take(cogen *self, conn *c)
{
    size_t n = c->in_len - c->in_used, used = 0;
    int r;
    switch (c->state) {
    case IN_HEAD:
        r = cogen_http_feed(c->hp, c->in + c->in_used, n, &used);
        c->in_used += used;
        if (r == COGEN_PARSE_MORE)
            return NEED_MORE;
        if (r != COGEN_PARSE_DONE)
            return respond(self, c, cogen_http_error_of(c->hp)->status, true) ? FAILED : REFUSED;
        route(c, cogen_http_request_head(c->hp));
        if (c->state == IN_CHUNKED && !c->chunked && !(c->chunked = cogen_http_chunked_new(NULL)))
            return respond(self, c, 500, true) ? FAILED : REFUSED;
        if (c->state != IN_HEAD && cogen_http_request_head(c->hp)->expect_continue &&
            c->in_used == c->in_len && append(self, c, CONTINUE, sizeof CONTINUE - 1) != 0)
            return FAILED;
        break;
    case IN_LENGTH:
        used = n < c->body_left ? n : (size_t)c->body_left;
        c->body_left -= used;
        c->in_used += used;
        if (c->body_left == 0)
            c->state = IN_HEAD;
        break;
    case IN_CHUNKED: {
        cogen_str data;
        do {
            r = cogen_http_chunked_feed(c->chunked, c->in + c->in_used, c->in_len - c->in_used,
                                        &used, &data);
            c->in_used += used;
        } while (r == COGEN_PARSE_ITEM);
        if (r == COGEN_PARSE_MORE)
            return NEED_MORE;
        if (r != COGEN_PARSE_DONE)
            return respond(self, c, cogen_http_chunked_error(c->chunked)->status, true) ? FAILED
                                                                                        : REFUSED;
        if (cogen_http_chunked_reset(c->chunked) != 0)
            return respond(self, c, 500, true) ? FAILED : REFUSED;
        c->state = IN_HEAD;
        break;
    }
    }
    if (c->state != IN_HEAD)
        return NEED_MORE;
    return respond(self, c, c->status, c->close_after) ? FAILED : ANSWERED;
}

/* After refusing a client, reads (and drops) what it still sends for a
 * while, so that closing with unread input does not reset the connection
 * before the client has read the answer. */
static void linger(cogen *self, conn *c)
{
    shutdown(c->fd, SHUT_WR);
    cogen_time until = cogen_deadline_ms(LINGER_MS);
    size_t n, total = 0;
    while (total < LINGER_BYTES && cogen_read(self, c->fd, c->in, sizeof c->in, &n, until) == 0)
        total += n;
}

static void serve(cogen *self, conn *c)
{
    for (;;) {
        while (c->in_used < c->in_len) {
            enum step s = take(self, c);
            if (s == FAILED)
                return;
            if (s == REFUSED || (s == ANSWERED && c->close_after)) {
                if (flush(self, c) == 0)
                    linger(self, c);
                return;
            }
        }
        if (c->out_len && flush(self, c) != 0)
            return;
        c->in_len = c->in_used = 0;
        int rc =
            cogen_read(self, c->fd, c->in, sizeof c->in, &c->in_len, cogen_deadline_ms(IDLE_MS));
        if (rc == COGEN_EEOF && c->state == IN_HEAD && cogen_http_finish(c->hp) == COGEN_ERROR)
            if (respond(self, c, cogen_http_error_of(c->hp)->status, true) == 0)
                flush(self, c);
        if (rc != 0)
            return;
    }
}

/* ----------------------------------------------------------- connections */

static void close_conn(void *arg)
{
    conn *c = arg;
    cogen_fd_close(cogen_sched_current(), c->fd);
    cogen_http_chunked_free(c->chunked);
    cogen_http_parser_free(c->hp);
    free(c);
}

static void *connection(cogen *self, void *arg)
{
    int fd = (int)(intptr_t)arg;
    conn *c = malloc(sizeof *c);
    if (!c) {
        cogen_fd_close(cogen_sched_current(), fd);
        return NULL;
    }
    c->fd = fd;
    c->hp = cogen_http_parser_new(NULL);
    c->chunked = NULL;
    c->state = IN_HEAD;
    c->in_len = c->in_used = c->out_len = 0;
    c->http10_keep = c->head_only = false;
    if (cogen_defer(self, close_conn, c) != 0) {
        close_conn(c);
        return NULL;
    }
    if (c->hp)
        serve(self, c);
    return NULL;
}

int main(int argc, char **argv)
{
    return serve_main("httpserver", argc, argv, connection);
}
