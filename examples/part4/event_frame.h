/* SPDX-License-Identifier: MIT */
/* An XML event as the payload of a frame, between coprocess and busproc
 * (the course pickles the SAX events it sends to busproc.py):
 *
 *   'S' name NUL (attribute-name NUL attribute-value NUL)*   start
 *   'T' text NUL                                             text
 *   'E' name NUL                                             end
 *
 * Every string keeps its NUL, so the decoded event points into the
 * payload. XML text holds no NUL character, but the text's length comes
 * from the payload's anyway. */
#ifndef PART4_EVENT_FRAME_H
#define PART4_EVENT_FRAME_H

#include <cogen/xml.h>

#include "text.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Growable storage reused for every event: its bytes (encoding) or its
 * attribute pointers (decoding). */
typedef struct event_frame {
    text bytes;
    const char **attrs;
    size_t nattrs_cap;
    cogen_xml_event ev;
} event_frame;

static inline bool event_frame_put_str(event_frame *f, const char *s)
{
    return text_append(&f->bytes, s, strlen(s) + 1);
}

/* A process stage's encode: item is a `const cogen_xml_event *`; the bytes
 * live in ud (an event_frame) until the next call. Non-zero when out of
 * memory or the event is of no known kind. */
static inline int event_frame_encode(void *item, const void **data, size_t *len, void *ud)
{
    const cogen_xml_event *ev = item;
    event_frame *f = ud;
    f->bytes.len = 0;
    bool ok;
    if (ev->kind == COGEN_XML_TEXT) {
        ok = text_append(&f->bytes, "T", 1) && text_append(&f->bytes, ev->text, ev->len) &&
             text_append(&f->bytes, "", 1);
    } else if (ev->kind == COGEN_XML_START || ev->kind == COGEN_XML_END) {
        ok = text_append(&f->bytes, ev->kind == COGEN_XML_START ? "S" : "E", 1) &&
             event_frame_put_str(f, ev->name);
        for (const char **a = ev->attrs; ok && a && *a; a++)
            ok = event_frame_put_str(f, *a);
    } else {
        ok = false;
    }
    *data = f->bytes.s;
    *len = f->bytes.len;
    return ok ? 0 : 1;
}

/* Counts the NUL-terminated strings of s[0..n) (s[n-1] is NUL). */
static inline size_t event_frame_strings(const char *s, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += s[i] == '\0';
    return count;
}

/* cogen_stage_feed_frames's decode: the payload back into an event (a
 * `const cogen_xml_event *` in ud, an event_frame, pointing into data:
 * lent until the send returns). NULL for a payload that is not an event,
 * or when out of memory. */
static inline void *event_frame_decode(const void *data, size_t len, void *ud)
{
    const char *s = data;
    event_frame *f = ud;
    if (len < 2 || s[len - 1] != '\0')
        return NULL;
    if (s[0] == 'T') {
        f->ev = (cogen_xml_event){COGEN_XML_TEXT, NULL, NULL, s + 1, len - 2};
        return &f->ev;
    }
    if (s[0] != 'S' && s[0] != 'E')
        return NULL;
    size_t strings = event_frame_strings(s + 1, len - 1);
    if (s[0] == 'E') {
        if (strings != 1)
            return NULL;
        f->ev = (cogen_xml_event){COGEN_XML_END, s + 1, NULL, NULL, 0};
        return &f->ev;
    }
    if (strings % 2 != 1) /* a name, then names and values in pairs */
        return NULL;
    if (strings > f->nattrs_cap) {
        const char **a = realloc(f->attrs, strings * sizeof *a);
        if (!a)
            return NULL;
        f->attrs = a;
        f->nattrs_cap = strings;
    }
    /* strings - 1 attribute strings, then the NULL that ends them */
    const char *at = s + 1 + strlen(s + 1) + 1;
    for (size_t i = 0; i + 1 < strings; i++, at += strlen(at) + 1)
        f->attrs[i] = at;
    f->attrs[strings - 1] = NULL;
    f->ev = (cogen_xml_event){COGEN_XML_START, s + 1, f->attrs, NULL, 0};
    return &f->ev;
}

static inline void event_frame_free(event_frame *f)
{
    free(f->bytes.s);
    free(f->attrs);
    memset(f, 0, sizeof *f);
}

#endif
