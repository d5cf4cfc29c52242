/* SPDX-License-Identifier: MIT */
/*
 * cogen/xml.h: expat's SAX callbacks as events, pushed into coroutines or
 * pulled from a generator (layer L3).
 *
 *  - push: cogen_xml_feed_fd / cogen_xml_feed_mem run expat on the caller's
 *    stack; each callback sends an event into a coroutine target (a primed
 *    generator, e.g. a cogen_pipe stage or your own). The state machine
 *    that would be spread over callbacks becomes nested loops in the
 *    target's body.
 *  - pull: a cogen_xml_reader runs expat inside a generator and yields the
 *    same events from inside expat's callbacks (iterparse): the caller
 *    asks for the next event with cogen_xml_next, or uses the generator in
 *    a pull pipeline.
 *
 * Events: START (an element's name and attributes), TEXT (character data:
 * expat splits it arbitrarily, at buffer ends and entities; cogen joins
 * the pieces, so one TEXT event carries all the text between two tags,
 * CDATA sections included) and END. Text between elements, whitespace
 * included, is reported too.
 *
 * Ownership: an event and everything it points to (name, attributes, text)
 * belong to the source and are valid only until the target's yield returns
 * control (push: until the cogen_send delivering it returns) or until the
 * reader is resumed again (pull). Copy what you keep.
 *
 * Errors (cogen_xml_error): malformed XML is COGEN_ESYNTAX, XML that ends
 * early (unclosed element, no root element, cut inside a token) is
 * COGEN_ETRUNCATED; both with the line and column (1-based) where expat
 * stopped, and expat's description, in the message: "line 3, column 7:
 * mismatched tag". A target that fails stops the parser (no further
 * callback is delivered) and its error comes out with the name of the
 * generator that reported it (of the stage that failed first, given the
 * pipe: cogen_xml_opts.pipe). Text still pending when an error is found (not
 * yet ended by a tag) is not delivered. COGEN_EPIPE: the target had already ended.
 * COGEN_EIO: a read failed. COGEN_ENOMEM. COGEN_EINVAL: bad arguments.
 */
#ifndef COGEN_XML_H
#define COGEN_XML_H

#include <cogen.h>
#include <cogen/event.h>

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Kinds of events. */
#define COGEN_XML_START 1 /**< an element starts: name, attrs */
#define COGEN_XML_TEXT 2  /**< character data: text, len (also NUL-terminated) */
#define COGEN_XML_END 3   /**< an element ends: name */

/** One event (see the ownership rules above). Strings are UTF-8 and
 *  NUL-terminated. */
typedef struct cogen_xml_event {
    int kind;
    /** START, END: the element's name; TEXT: NULL. */
    const char *name;
    /** START: attribute names and values alternating, then NULL; other
     *  kinds: NULL. */
    const char **attrs;
    /** TEXT: the joined character data and its length in bytes; other
     *  kinds: NULL and 0. */
    const char *text;
    size_t len;
} cogen_xml_event;

/** What stopped a parse. Filled in by the functions that take one; code 0
 *  when nothing failed. */
typedef struct cogen_xml_error {
    int code;
    /** XML errors: where expat stopped (1-based); 0 otherwise. */
    unsigned long line, column;
    /** The source's name, or the name of the target that failed. */
    char where[48];
    char msg[256];
} cogen_xml_error;

/** A group of events, sent or yielded in one switch when opts.batch is
 *  set. Events and their strings are copies owned by the source, valid
 *  until the target asks for the next batch (push) or the reader is
 *  resumed for it (pull). */
typedef struct cogen_xml_batch {
    const cogen_xml_event *events;
    size_t n;
} cogen_xml_batch;

/** Options; a zeroed struct (or NULL) means defaults. */
typedef struct cogen_xml_opts {
    /** Name of the source (errors, the reader's generator). NULL: "xml". */
    const char *name;
    /** Bytes read per read() from an fd (default 64 KiB). */
    size_t bufsize;
    /** Bitwise OR of COGEN_XML_KEEP_OPEN. */
    unsigned flags;
    /** 0: one event per send (push) or per yield (pull). n > 0: events are
     *  copied and grouped by up to n: push sources send `const
     *  cogen_xml_batch *` (read them with cogen_xml_receive), the reader's
     *  generator yields them (cogen_xml_next still hands out one event at
     *  a time). A switch costs about as much as expat's work for a few
     *  events: batching makes the coroutine version nearly as fast as a
     *  callback state machine (docs/events.md). The last group is sent at
     *  the end of the document, and before an error is reported. */
    size_t batch;
    /** Push: the pipe the target's stages belong to, if any. A stage of a
     *  pipe that fails ends every stage upstream of it with its code and
     *  message but their own names; with the pipe given, *err names the
     *  stage that failed first (cogen_pipe_error). NULL: the name of the
     *  target's error. */
    cogen_pipe *pipe;
} cogen_xml_opts;

/** Push: do not close the target at the end. */
#define COGEN_XML_KEEP_OPEN 0x1u

/**
 * Push: parses the XML document read from fd (kept open, the caller's)
 * and sends each event, as a `const cogen_xml_event *`, to target (a
 * primed generator). At the end, and after an XML or read error, target is
 * closed unless COGEN_XML_KEEP_OPEN (a target that failed has ended
 * already). Returns the number of events sent, or COGEN_ERROR with *err
 * (err may be NULL). Events sent before an error stay sent.
 */
COGEN_API long long cogen_xml_feed_fd(int fd, cogen *target, const cogen_xml_opts *opts,
                                      cogen_xml_error *err);

/** Push, from the document buf[0..len) in memory. */
COGEN_API long long cogen_xml_feed_mem(const void *buf, size_t len, cogen *target,
                                       const cogen_xml_opts *opts, cogen_xml_error *err);

/** Where a target body stands in the batches it receives. Zero it first. */
typedef struct cogen_xml_cursor {
    const cogen_xml_batch *batch;
    size_t next;
} cogen_xml_cursor;

/**
 * Inside the body of a push target fed with opts.batch > 0: the next event
 * into *ev, from the batch at hand or, once it is used up, from the next
 * batch sent (a yield). The event is valid until the next call. Returns
 * false when the target is being closed or an error was thrown into it
 * (cogen_last_error(self) tells which): clean up and return.
 */
COGEN_API bool cogen_xml_receive(cogen *self, cogen_xml_cursor *cur, const cogen_xml_event **ev);

/** Pull: a reader that yields the events of a document. Opaque. */
typedef struct cogen_xml_reader cogen_xml_reader;

/** A reader of the document read from fd (kept open, the caller's, read
 *  as events are asked for). NULL with errno EINVAL or ENOMEM. */
COGEN_API cogen_xml_reader *cogen_xml_reader_fd(int fd, const cogen_xml_opts *opts);

/** A reader of the document buf[0..len), which must stay valid and
 *  unchanged while the reader is used. */
COGEN_API cogen_xml_reader *cogen_xml_reader_mem(const void *buf, size_t len,
                                                 const cogen_xml_opts *opts);

/**
 * The next event into *ev (valid until the next call on r). Returns 1 (an
 * event), 0 (the document has ended: *ev NULL) or COGEN_ERROR
 * (cogen_xml_reader_error; *ev NULL). After the end or an error, returns
 * the same again.
 */
COGEN_API int cogen_xml_next(cogen_xml_reader *r, const cogen_xml_event **ev);

/** The generator yielding r's events (`const cogen_xml_event *`), for use
 *  as the upstream of pull stages, with cogen_yield_from or
 *  cogen_pipe_next. Owned by r: do not free it. A generator error has the
 *  XML error's code and message. */
COGEN_API cogen *cogen_xml_reader_generator(cogen_xml_reader *r);

/** Why r failed (code 0 while it has not). */
COGEN_API const cogen_xml_error *cogen_xml_reader_error(const cogen_xml_reader *r);

/** Frees r (closing its generator and parser, wherever they stood). NULL
 *  does nothing. */
COGEN_API void cogen_xml_reader_free(cogen_xml_reader *r);

#ifdef __cplusplus
}
#endif
#endif /* COGEN_XML_H */
