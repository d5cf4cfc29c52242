/* SPDX-License-Identifier: MIT */
/*
 * cogen/resp.h: an incremental parser of RESP (the Redis protocol, version
 * 2) replies (layer L3), on the incremental parsers of <cogen/event.h>.
 *
 * Feed it bytes in chunks of any size; it never goes back over what it
 * has read (a client that restarts from the start of a large reply on
 * every partial read does O(n^2) work). A nested array is read by a
 * sub-parser through cogen_yield_from.
 *
 * A reply is a tree of values owned by the parser, valid until the parser
 * starts the next reply (the next feed or read after the one that
 * completed it), cogen_resp_reset or cogen_resp_parser_free.
 *
 * Errors: COGEN_ESYNTAX (not RESP: an unknown type byte, a malformed
 * number, a missing CRLF), COGEN_ELIMIT (a limit below), COGEN_ETRUNCATED
 * (input ended inside a reply), COGEN_EIO, COGEN_ENOMEM; with the byte
 * offset from the start of the reply (cogen_resp_error_offset).
 */
#ifndef COGEN_RESP_H
#define COGEN_RESP_H

#include <cogen.h>
#include <cogen/event.h>

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Value types (the RESP type byte). */
#define COGEN_RESP_SIMPLE '+'  /**< simple string: str, len */
#define COGEN_RESP_ERROR '-'   /**< error: str, len */
#define COGEN_RESP_INTEGER ':' /**< integer */
#define COGEN_RESP_BULK '$'    /**< bulk string: str, len (NUL-terminated too) */
#define COGEN_RESP_ARRAY '*'   /**< array: elems[0..n) */
#define COGEN_RESP_NIL '_'     /**< null bulk string ($-1) or null array (*-1) */

typedef struct cogen_resp_value {
    int type;
    long long integer;
    const char *str;
    size_t len;
    struct cogen_resp_value *elems;
    size_t n;
} cogen_resp_value;

/** Limits; zero fields mean their default. */
typedef struct cogen_resp_limits {
    size_t max_bulk;    /**< longest bulk string (default 512 MiB) */
    size_t max_line;    /**< longest simple string, error or number line (default 64 KiB) */
    size_t max_elems;   /**< most elements of one array (default 1M) */
    unsigned max_depth; /**< deepest nesting of arrays (default 32) */
} cogen_resp_limits;

typedef struct cogen_resp_parser cogen_resp_parser;

/** NULL with errno ENOMEM. `limits` may be NULL. */
COGEN_API cogen_resp_parser *cogen_resp_parser_new(const cogen_resp_limits *limits);
COGEN_API void cogen_resp_parser_free(cogen_resp_parser *rp);

/** Push: as cogen_parser_feed (COGEN_PARSE_MORE, COGEN_PARSE_DONE: a reply
 *  is complete, the bytes after *used are the next reply's; COGEN_ERROR).
 *  The chunk is read only during the call. */
COGEN_API int cogen_resp_feed(cogen_resp_parser *rp, const void *buf, size_t len, size_t *used);
/** End of input: COGEN_PARSE_DONE with no reply between replies, or
 *  COGEN_ERROR (COGEN_ETRUNCATED) inside one. */
COGEN_API int cogen_resp_finish(cogen_resp_parser *rp);
/** Pull: reads fd until a reply is complete (see cogen_parser_read). */
COGEN_API int cogen_resp_read(cogen_resp_parser *rp, int fd);

/** The reply just completed, or NULL. */
COGEN_API const cogen_resp_value *cogen_resp_reply(const cogen_resp_parser *rp);
/** Why the parser failed; code 0 if it has not. */
COGEN_API const cogen_err *cogen_resp_error(const cogen_resp_parser *rp);
COGEN_API unsigned long long cogen_resp_error_offset(const cogen_resp_parser *rp);
/** Forgets the reply in progress and any error: 0 or COGEN_ERROR (ENOMEM). */
COGEN_API int cogen_resp_reset(cogen_resp_parser *rp);

#ifdef __cplusplus
}
#endif
#endif /* COGEN_RESP_H */
