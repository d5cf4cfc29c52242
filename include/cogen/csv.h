/* SPDX-License-Identifier: MIT */
/*
 * cogen/csv.h: an incremental CSV parser (RFC 4180) on the incremental
 * parsers of <cogen/event.h> (layer L3).
 *
 * One record per message: fields separated by a comma (or opts.sep),
 * records ended by CRLF or LF (a CR must be followed by LF). A field may be
 * quoted: then it may hold separators, CR, LF and quotes written twice
 * (""); the quotes are removed. The last record may end without a line
 * end (it completes at cogen_csv_finish or end of file). An empty line is a
 * record with one empty field.
 *
 * A record's fields point into a buffer the parser owns, valid until the
 * parser starts the next record (the next feed or read after the one that
 * completed it), cogen_csv_reset or cogen_csv_parser_free. Each field is
 * also NUL-terminated (a field may contain NUL bytes: use len).
 *
 * Errors: COGEN_ESYNTAX (a quote inside an unquoted field, something other
 * than a separator or line end after a closing quote, a CR without LF),
 * COGEN_ETRUNCATED (the input ended inside a quoted field), COGEN_ELIMIT
 * (a record larger than max_record, or more fields than max_fields),
 * COGEN_EIO, COGEN_ENOMEM; with the byte offset from the start of the
 * record (cogen_csv_error_offset).
 */
#ifndef COGEN_CSV_H
#define COGEN_CSV_H

#include <cogen.h>
#include <cogen/event.h>
#include <cogen/pipe.h>

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cogen_csv_record {
    const cogen_str *fields;
    size_t n;
} cogen_csv_record;

/** Options; zero fields mean their default. */
typedef struct cogen_csv_opts {
    char sep;          /**< field separator (default ',') */
    size_t max_record; /**< most bytes of field data in one record (default 1 MiB) */
    size_t max_fields; /**< most fields in one record (default 65536) */
} cogen_csv_opts;

typedef struct cogen_csv_parser cogen_csv_parser;

/** NULL with errno ENOMEM, or EINVAL (sep is '"', CR or LF). */
COGEN_API cogen_csv_parser *cogen_csv_parser_new(const cogen_csv_opts *opts);
COGEN_API void cogen_csv_parser_free(cogen_csv_parser *cp);

/** Push: as cogen_parser_feed: COGEN_PARSE_MORE, COGEN_PARSE_DONE (a record
 *  is complete; the bytes after *used are the next record's) or
 *  COGEN_ERROR. */
COGEN_API int cogen_csv_feed(cogen_csv_parser *cp, const void *buf, size_t len, size_t *used);
/** End of input: COGEN_PARSE_DONE with the last record (one without a line
 *  end) or with none, or COGEN_ERROR (COGEN_ETRUNCATED inside quotes). */
COGEN_API int cogen_csv_finish(cogen_csv_parser *cp);
/** Pull: reads fd until a record is complete (see cogen_parser_read). */
COGEN_API int cogen_csv_read(cogen_csv_parser *cp, int fd);

/** The record just completed, or NULL. */
COGEN_API const cogen_csv_record *cogen_csv_record_of(const cogen_csv_parser *cp);
COGEN_API const cogen_err *cogen_csv_error(const cogen_csv_parser *cp);
COGEN_API unsigned long long cogen_csv_error_offset(const cogen_csv_parser *cp);
/** Forgets the record in progress and any error: 0 or COGEN_ERROR. */
COGEN_API int cogen_csv_reset(cogen_csv_parser *cp);

#ifdef __cplusplus
}
#endif
#endif /* COGEN_CSV_H */
