/* SPDX-License-Identifier: MIT */
/* What the part-3 bus programs share: a bus record, and the loop that
 * reads one <bus> element into it. The same loop serves the push programs
 * (events arrive by cogen_yield inside a coroutine) and the pull one
 * (events are asked for with cogen_xml_next): it only calls `next`. */
#ifndef PART3_BUS_H
#define PART3_BUS_H

#include <cogen.h>
#include <cogen/xml.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ROUTE, ID, DIRECTION, LATITUDE, LONGITUDE, NFIELDS };
static const char *const bus_fields[NFIELDS] = {"route", "id", "direction", "latitude",
                                                "longitude"};

/* A growable string. */
typedef struct text {
    char *s;
    size_t len, cap;
} text;

typedef struct bus {
    text f[NFIELDS];
    text frag; /* the text of the element being read */
} bus;

static inline bool text_append(text *t, const char *s, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        while (cap < t->len + n + 1)
            cap *= 2;
        char *p = realloc(t->s, cap);
        if (!p)
            return false;
        t->s = p;
        t->cap = cap;
    }
    memcpy(t->s + t->len, s, n);
    t->len += n;
    t->s[t->len] = '\0';
    return true;
}

static inline void bus_free(void *arg)
{
    bus *b = arg;
    for (int i = 0; i < NFIELDS; i++)
        free(b->f[i].s);
    free(b->frag.s);
    memset(b, 0, sizeof *b);
}

static inline const char *bus_get(const bus *b, int i)
{
    return b->f[i].s ? b->f[i].s : "";
}

/* Gets the next event; false when there are no more. */
typedef bool (*next_event_fn)(void *ctx, const cogen_xml_event **ev);

/* Called after <bus>: reads its fields up to </bus> (Beazley's
 * buses_to_dicts inner loop). Returns 1 (a bus), 0 (events ended before
 * </bus>) or -1 (out of memory). */
static inline int read_bus(bus *b, next_event_fn next, void *ctx)
{
    for (int i = 0; i < NFIELDS; i++)
        b->f[i].len = 0;
    const cogen_xml_event *ev;
    while (next(ctx, &ev)) {
        if (ev->kind == COGEN_XML_START) {
            b->frag.len = 0;
        } else if (ev->kind == COGEN_XML_TEXT) {
            if (!text_append(&b->frag, ev->text, ev->len))
                return -1;
        } else if (strcmp(ev->name, "bus") == 0) {
            return 1;
        } else {
            for (int i = 0; i < NFIELDS; i++) {
                if (strcmp(ev->name, bus_fields[i]) == 0) {
                    b->f[i].len = 0;
                    if (!text_append(&b->f[i], b->frag.s ? b->frag.s : "", b->frag.len))
                        return -1;
                }
            }
            b->frag.len = 0;
        }
    }
    return 0;
}

/* route,id,"direction",latitude,longitude */
static inline void bus_print(const bus *b, FILE *out)
{
    fprintf(out, "%s,%s,\"%s\",%s,%s\n", bus_get(b, ROUTE), bus_get(b, ID), bus_get(b, DIRECTION),
            bus_get(b, LATITUDE), bus_get(b, LONGITUDE));
}

#endif
