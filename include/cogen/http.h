/* SPDX-License-Identifier: MIT */
/*
 * cogen/http.h: an incremental HTTP/1.1 request-head parser (layer L3).
 *
 * Built on the incremental parsers of <cogen/event.h>: feed it bytes as
 * they arrive, in chunks of any size, and it tells when a request head is
 * complete; or let it read a file descriptor. It reads each byte once,
 * whatever the chunking, and copies the head into a buffer it owns.
 *
 *   cogen_http_parser *hp = cogen_http_parser_new(NULL);
 *   size_t used;
 *   int r = cogen_http_feed(hp, buf, n, &used);
 *   if (r == COGEN_PARSE_DONE) {
 *       const cogen_http_request *req = cogen_http_request_head(hp);
 *       ... req->method, req->target, req->headers[i], req->body ...
 *       ... buf + used is the body (req->body says how long) ...
 *   } else if (r == COGEN_ERROR) {
 *       const cogen_http_error *e = cogen_http_error_of(hp);
 *       ... send e->status; e->offset says where ...
 *   }
 *
 * What is accepted (RFC 9112, strictly): a request line `METHOD SP TARGET
 * SP HTTP/1.x CRLF` (empty lines before it are skipped; method a token;
 * target visible ASCII), then header fields `NAME ":" OWS VALUE OWS CRLF`
 * (name a token, no space before the colon, no line folding, no control
 * characters but tab in values), then an empty line. Lines end with CRLF;
 * a bare LF or CR is an error (it is how requests are smuggled).
 *
 * Body framing, decided from the head:
 *  - Transfer-Encoding whose last coding is "chunked": COGEN_HTTP_CHUNKED.
 *    Any other coding is 501; chunked not last, or applied twice, or
 *    Transfer-Encoding in an HTTP/1.0 request, is 400.
 *  - Content-Length: COGEN_HTTP_LENGTH with content_length (decimal
 *    digits; repeated fields must agree; 400 otherwise). With
 *    Transfer-Encoding too: 400.
 *  - neither: COGEN_HTTP_NONE (no body).
 * HTTP/1.1 requests need exactly one Host field (400 otherwise).
 */
#ifndef COGEN_HTTP_H
#define COGEN_HTTP_H

#include <cogen.h>
#include <cogen/event.h>

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** One header field: name and value as they are in the request (value
 *  without its surrounding whitespace); not NUL-terminated. */
typedef struct cogen_http_header {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
} cogen_http_header;

/* How the request's body is delimited (cogen_http_request.body). */
#define COGEN_HTTP_NONE 0    /**< no body */
#define COGEN_HTTP_LENGTH 1  /**< content_length bytes follow the head */
#define COGEN_HTTP_CHUNKED 2 /**< chunked transfer coding follows the head */

/**
 * A parsed request head. Every pointer points into a buffer owned by the
 * parser and is valid until the parser starts the next request (the next
 * cogen_http_feed / cogen_http_read after the one that completed it),
 * cogen_http_reset or cogen_http_parser_free. Strings are not
 * NUL-terminated.
 */
typedef struct cogen_http_request {
    const char *method;
    size_t method_len;
    const char *target;
    size_t target_len;
    int version_major, version_minor; /* 1.0 or 1.1 */
    const cogen_http_header *headers;
    size_t nheaders;
    int body;                          /* COGEN_HTTP_NONE, _LENGTH or _CHUNKED */
    unsigned long long content_length; /* COGEN_HTTP_LENGTH only */
    bool keep_alive;      /* HTTP/1.1 without "Connection: close", or 1.0 with keep-alive */
    bool expect_continue; /* "Expect: 100-continue" */
    size_t head_len;      /* bytes of the head, final empty line included */
} cogen_http_request;

/** Limits; a zeroed field (or a NULL struct) means its default. */
typedef struct cogen_http_limits {
    /** Longest line, CRLF included (default 8192). A longer request line
     *  is status 414, a longer header line 431. */
    size_t max_line;
    /** Longest head, empty lines before the request line included (default
     *  32768): 431 beyond. */
    size_t max_head;
    /** Most header fields (default 100): 431 beyond. */
    size_t max_headers;
} cogen_http_limits;

/** Why a request was refused. */
typedef struct cogen_http_error {
    /** The status to answer with: 400 (malformed), 414 (request line too
     *  long), 431 (header line, head or field count too large), 501
     *  (transfer coding not implemented), 505 (HTTP version other than 1.x);
     *  500 for errors that are not the request's fault (memory, read). */
    int status;
    /** COGEN_ESYNTAX (400), COGEN_ELIMIT (414, 431), COGEN_EUNSUPPORTED
     *  (501, 505), COGEN_ETRUNCATED (400: the input ended inside the head),
     *  COGEN_EIO, COGEN_ENOMEM (500). */
    int code;
    /** What is wrong, e.g. "space before colon in header field". */
    const char *msg;
    /** Offset of the offending byte from the first byte of the request
     *  (for limits: the first byte beyond the limit; for framing errors:
     *  the start of the header field at fault). */
    unsigned long long offset;
} cogen_http_error;

typedef struct cogen_http_parser cogen_http_parser;

/** Creates a parser (limits copied; NULL: defaults). Returns NULL with
 *  errno ENOMEM (or EINVAL: a limit too small to hold "GET / HTTP/1.1"). */
COGEN_API cogen_http_parser *cogen_http_parser_new(const cogen_http_limits *limits);

/** Frees hp. NULL does nothing. */
COGEN_API void cogen_http_parser_free(cogen_http_parser *hp);

/**
 * Push: parses buf[0..len) as the continuation of the current request
 * head (or the start of a new one, after one was completed). Returns
 * COGEN_PARSE_MORE (all taken, head incomplete), COGEN_PARSE_DONE (head
 * complete: cogen_http_request_head; the bytes after *used are not part of
 * the head), or COGEN_ERROR (cogen_http_error_of; the parser stays failed
 * until cogen_http_reset). `used` may be NULL. The chunk is only read
 * during the call.
 */
COGEN_API int cogen_http_feed(cogen_http_parser *hp, const void *buf, size_t len, size_t *used);

/**
 * The input has ended (the peer closed). Returns COGEN_PARSE_DONE with no
 * request (cogen_http_request_head is NULL) when it ended between requests,
 * or COGEN_ERROR with COGEN_ETRUNCATED (status 400) inside a head.
 */
COGEN_API int cogen_http_finish(cogen_http_parser *hp);

/**
 * Pull: reads fd until a head is complete. Returns as cogen_http_feed,
 * plus COGEN_PARSE_DONE with no request at end of file between requests,
 * and COGEN_PARSE_MORE when fd is non-blocking and has nothing now. Bytes
 * read past the head stay buffered: cogen_http_buffered, cogen_http_consume.
 */
COGEN_API int cogen_http_read(cogen_http_parser *hp, int fd);

/** Pull: bytes read past the head (the start of the body, or of the next
 *  request), valid until the next call on hp. */
COGEN_API cogen_str cogen_http_buffered(const cogen_http_parser *hp);

/** Pull: marks the first n buffered bytes as used (e.g. a body). */
COGEN_API void cogen_http_consume(cogen_http_parser *hp, size_t n);

/** The request head just completed, or NULL (none completed, or the input
 *  ended between requests). See cogen_http_request for its lifetime. */
COGEN_API const cogen_http_request *cogen_http_request_head(const cogen_http_parser *hp);

/** Why the last call failed (status 0 while nothing failed). Valid until
 *  the next call on hp. */
COGEN_API const cogen_http_error *cogen_http_error_of(const cogen_http_parser *hp);

/** Forgets the request in progress and any error. Returns 0 or
 *  COGEN_ERROR (COGEN_ENOMEM: still failed; try again later). */
COGEN_API int cogen_http_reset(cogen_http_parser *hp);

/** Case-insensitive lookup: the value of the first field named `name`
 *  (NUL-terminated), with its length in *len; NULL if there is none. */
COGEN_API const char *cogen_http_header_value(const cogen_http_request *req, const char *name,
                                              size_t *len);

/* ------------------------------------------------- chunked request bodies */

/**
 * A decoder of a chunked body (a request with COGEN_HTTP_CHUNKED framing):
 * feed it the bytes after the head and it hands back the body's data as
 * spans of your own chunks, without copying. Chunk extensions are skipped;
 * trailer fields are checked and skipped. Limits: a chunk-size line (with
 * its extensions) or a trailer line longer than max_line is 400 or 431;
 * trailers longer than max_head in all are 431.
 */
typedef struct cogen_http_chunked cogen_http_chunked;

/** NULL with errno ENOMEM (or EINVAL, as cogen_http_parser_new). */
COGEN_API cogen_http_chunked *cogen_http_chunked_new(const cogen_http_limits *limits);
COGEN_API void cogen_http_chunked_free(cogen_http_chunked *c);

/**
 * Decodes buf[0..len). Returns:
 *   COGEN_PARSE_ITEM  *data is body data, inside buf (valid as long as buf);
 *                     call again with buf + *used for the rest;
 *   COGEN_PARSE_MORE  buf is used up, the body goes on;
 *   COGEN_PARSE_DONE  the body has ended (last chunk and trailers read):
 *                     the bytes after *used are the next request;
 *   COGEN_ERROR       cogen_http_chunked_error (status 400, 431, 500);
 *                     failed until cogen_http_chunked_reset.
 */
COGEN_API int cogen_http_chunked_feed(cogen_http_chunked *c, const void *buf, size_t len,
                                      size_t *used, cogen_str *data);

/** The input ended: COGEN_ERROR (COGEN_ETRUNCATED, 400) unless the body
 *  had ended. */
COGEN_API int cogen_http_chunked_finish(cogen_http_chunked *c);

/** Why the decoder failed (status 0 if it has not); offsets count from
 *  the first byte of the body. */
COGEN_API const cogen_http_error *cogen_http_chunked_error(const cogen_http_chunked *c);

/** Ready for a new body: 0 or COGEN_ERROR (COGEN_ENOMEM). */
COGEN_API int cogen_http_chunked_reset(cogen_http_chunked *c);

#ifdef __cplusplus
}
#endif
#endif /* COGEN_HTTP_H */
