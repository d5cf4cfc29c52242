/* SPDX-License-Identifier: MIT */
/*
 * cogen/event.h: event dispatching (layer L3).
 *
 * Incremental parsers written as straight-line code. A parser body is an
 * ordinary function that reads bytes from its current chunk and, whenever
 * the chunk is used up, calls cogen_parser_more(): the body is suspended
 * there (a yield) until more bytes arrive, then goes on where it stood. It
 * never re-scans what it has already seen, and its state lives in its
 * local variables and call stack, not in a hand-written state machine.
 *
 * The same body serves two styles:
 *  - push: the caller feeds chunks as they come (cogen_parser_feed), e.g.
 *    from an event loop;
 *  - pull: the parser reads from a file descriptor itself
 *    (cogen_parser_read), e.g. from a blocking socket or a file.
 *
 * A body parses one message (one request, one record...) and returns its
 * result; the parser then starts the body again for the next message when
 * more input comes. A body may call sub-parsers through yield_from
 * (cogen_parser_call): they read from the same input.
 *
 * Ownership and lifetime
 *  - Chunks given to cogen_parser_feed belong to the caller and are read
 *    only during that call: a body that keeps bytes past its next
 *    cogen_parser_more copies them (into memory the parser or its `arg`
 *    owns).
 *  - A result belongs to the body's protocol (the HTTP parser's points
 *    into a buffer it owns, valid until the next message starts).
 *
 * Errors: COGEN_ESYNTAX (malformed input), COGEN_ELIMIT (a limit was
 * exceeded), COGEN_EUNSUPPORTED (valid but not supported), COGEN_ETRUNCATED
 * (input ended inside a message), COGEN_EIO (a read failed),
 * COGEN_ENOMEM, COGEN_EINVAL. A parse error also records the byte offset,
 * counted from the first byte of the message, where the parser found it.
 *
 * Threads: a parser belongs to one thread at a time.
 */
#ifndef COGEN_EVENT_H
#define COGEN_EVENT_H

#include <cogen.h>
#include <cogen/pipe.h>

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- parsers */

/** An incremental parser: a body, its generator and its input. Opaque. */
typedef struct cogen_parser cogen_parser;

/** The unread bytes of the chunk a body is working on. A body reads at
 *  `pos` and advances it (never past `end`); when pos == end it calls
 *  cogen_parser_more(). */
typedef struct cogen_input {
    const char *pos;
    const char *end;
} cogen_input;

/**
 * A parser body: parses one message from `in` (which always points into
 * the parser, so it stays the same object across cogen_parser_more) and
 * returns its result, which cogen_parser_feed / cogen_parser_read hand to
 * the caller. It ends with an error through cogen_parser_fail. It runs on
 * the parser's own stack.
 */
typedef void *(*cogen_parse_fn)(cogen_parser *ps, cogen_input *in, void *arg);

/** Parser options; a zeroed struct (or NULL) means defaults. */
typedef struct cogen_parser_opts {
    /** Name in errors (`where`); copied. NULL: "parser". */
    const char *name;
    /** Stack of the body (see cogen_opts.stack_size); 0: the default. */
    size_t stack_size;
    /** Pull: size of the read buffer (default 16 KiB). */
    size_t bufsize;
} cogen_parser_opts;

/* Results of cogen_parser_feed, cogen_parser_finish, cogen_parser_read
 * (besides COGEN_ERROR). */
#define COGEN_PARSE_MORE 0 /**< all input taken; the message is not complete yet */
#define COGEN_PARSE_DONE 1 /**< a message is complete: *result is the body's result */
#define COGEN_PARSE_ITEM                                                                           \
    2 /**< the body emitted a part of the message: *result (see cogen_parser_emit) */

/**
 * Creates a parser running fn(ps, in, arg) for each message. Nothing runs
 * before the first feed or read. Returns NULL with errno EINVAL (fn NULL)
 * or ENOMEM.
 */
COGEN_API cogen_parser *cogen_parser_new(cogen_parse_fn fn, void *arg,
                                         const cogen_parser_opts *opts);

/** Frees ps (closing a body waiting for input: its cleanups run). NULL
 *  does nothing. */
COGEN_API void cogen_parser_free(cogen_parser *ps);

/**
 * Push: gives the body the chunk buf[0..len) and runs it until it needs
 * more or completes a message. *used (if not NULL) is how many bytes of
 * the chunk it took: all of them on COGEN_PARSE_MORE; on COGEN_PARSE_DONE
 * the bytes after *used belong to what follows the message (feed them
 * again to parse the next message, or handle them yourself, e.g. as a
 * request body). len 0 is allowed (nothing happens beyond resuming).
 * Returns COGEN_PARSE_MORE, COGEN_PARSE_DONE (*result set, if not NULL),
 * COGEN_PARSE_ITEM (see cogen_parser_emit) or COGEN_ERROR (cogen_parser_error; the parser stays
 * failed, returning the same error, until cogen_parser_reset). Bytes buffered by an earlier
 * cogen_parser_read are dropped. Must not be called from the body.
 */
COGEN_API int cogen_parser_feed(cogen_parser *ps, const void *buf, size_t len, size_t *used,
                                void **result);

/** End of input: the body's cogen_parser_more returns false from now on.
 *  Returns what cogen_parser_feed returns (COGEN_PARSE_DONE if the body
 *  completes a message, possibly with a NULL result meaning "nothing", or
 *  COGEN_ERROR, e.g. COGEN_ETRUNCATED); COGEN_PARSE_MORE never. */
COGEN_API int cogen_parser_finish(cogen_parser *ps, void **result);

/**
 * Pull: the body reads from fd (which the caller keeps) into the parser's
 * own buffer, until a message is complete, the input ends, or fd would
 * block. Bytes read past the end of the message stay buffered for the next
 * call (see cogen_parser_buffered). Returns COGEN_PARSE_DONE (*result),
 * COGEN_PARSE_MORE (fd is non-blocking and has no data: call again when it
 * is readable), or COGEN_ERROR (cogen_parser_error; COGEN_EIO when read
 * failed). End of file acts as cogen_parser_finish.
 */
COGEN_API int cogen_parser_read(cogen_parser *ps, int fd, void **result);

/** Pull: the bytes read from the fd but not used by the last message
 *  (valid until the next call on ps). */
COGEN_API cogen_str cogen_parser_buffered(const cogen_parser *ps);

/** Pull: marks the first n buffered bytes as used by the caller (e.g. a
 *  request body). n larger than what is buffered is cut to it. */
COGEN_API void cogen_parser_consume(cogen_parser *ps, size_t n);

/** Forgets the message in progress, any error and buffered bytes: the
 *  next feed starts a new message. Returns 0, or COGEN_ERROR with
 *  COGEN_ENOMEM (the parser stays failed; reset again later). */
COGEN_API int cogen_parser_reset(cogen_parser *ps);

/** The parser's last error (code 0 while none); valid until the next call
 *  on ps. */
COGEN_API const cogen_err *cogen_parser_error(const cogen_parser *ps);

/** Where the last parse error was found: bytes from the first byte of the
 *  message. */
COGEN_API unsigned long long cogen_parser_error_offset(const cogen_parser *ps);

/* ---- inside a body */

/**
 * Waits for more input once the current chunk is used up (in->pos ==
 * in->end): push, it suspends the body until the next feed; pull, it reads
 * the fd. Returns true when bytes are available, false at the end of
 * input (and on every later call) or when ps is NULL. A read error ends
 * the body with COGEN_EIO. Call it from the body or a sub-parser
 * (cogen_parser_call).
 */
COGEN_API bool cogen_parser_more(cogen_parser *ps);

/** The next byte (0..255), or -1 at the end of input. */
static inline int cogen_parser_getc(cogen_parser *ps, cogen_input *in)
{
    if (in->pos == in->end && !cogen_parser_more(ps))
        return -1;
    return (unsigned char)*in->pos++;
}

/**
 * Hands `item` to the caller before the message is complete (streaming a
 * body, say): the feed or read in progress returns COGEN_PARSE_ITEM with
 * *result = item and *used = the bytes taken so far; the caller feeds the
 * rest of its chunk again to go on. The body resumes after this call. The
 * item may point into the current chunk (valid until the caller's next
 * call on ps).
 */
COGEN_API void cogen_parser_emit(cogen_parser *ps, void *item);

/** Offset of in->pos from the first byte of the message (0 if ps is NULL). */
COGEN_API unsigned long long cogen_parser_offset(const cogen_parser *ps);

/** Ends the body (and the message) with the error {code, message}, found
 *  at byte `offset` of the message. Callable from any depth of the body or
 *  its sub-parsers. */
COGEN_NORETURN COGEN_API void cogen_parser_fail(cogen_parser *ps, int code,
                                                unsigned long long offset, const char *fmt, ...)
    COGEN_PRINTF(4, 5);

/**
 * Runs fn(ps, in, arg) as a sub-parser, on its own generator, through
 * cogen_yield_from: it reads the same input, waits for input the same way,
 * and its result is returned. Its errors end the calling body too (with
 * the sub-parser's message and offset). Out of memory ends the body with
 * COGEN_ENOMEM.
 */
COGEN_API void *cogen_parser_call(cogen_parser *ps, cogen_parse_fn fn, void *arg);

#ifdef __cplusplus
}
#endif
#endif /* COGEN_EVENT_H */
