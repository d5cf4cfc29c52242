/* SPDX-License-Identifier: MIT */
/* Beazley's bus example, shared by the bus programs of parts 3 and 4: a
 * bus record; the loop that reads one <bus> element into it; the
 * coroutine that assembles records from XML events sent to it
 * (buses_to_dicts); the filters on a field (filter_on_field) and the
 * printer (bus_locations); and the copy that hands a record to another
 * thread. The loop only calls `next`, so it serves the push programs
 * (events arrive by cogen_yield inside a coroutine) and the pull one
 * (events are asked for with cogen_xml_next) alike. */
#ifndef EXAMPLES_BUS_H
#define EXAMPLES_BUS_H

#include <cogen.h>
#include <cogen/pipe.h>
#include <cogen/xml.h>

#include "text.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ROUTE, ID, DIRECTION, LATITUDE, LONGITUDE, NFIELDS };
static const char *const bus_fields[NFIELDS] = {"route", "id", "direction", "latitude",
                                                "longitude"};

typedef struct bus {
    text f[NFIELDS];
    text frag; /* the text of the element being read */
} bus;

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

/* The next event sent to the coroutine self, one event per send. */
static inline bool bus_event_sent(void *self, const cogen_xml_event **ev)
{
    void *item = NULL;
    if (cogen_yield(self, NULL, &item) != COGEN_SENT)
        return false;
    *ev = item;
    return true;
}

/* The state of the assembling coroutine (buses_to_records). */
typedef struct bus_assembler {
    cogen_pipe *p; /* where a failing target's error is recorded */
    cogen *self, *target;
    bus bus;
    bool batched; /* the events come in cogen_xml_batch groups */
    cogen_xml_cursor cur;
} bus_assembler;

static inline bool bus_assembler_next(void *arg, const cogen_xml_event **ev)
{
    bus_assembler *a = arg;
    if (a->batched)
        return cogen_xml_receive(a->self, &a->cur, ev);
    return bus_event_sent(a->self, ev);
}

/* events -> bus records: an outer loop looks for <bus>, read_bus's inner
 * loop collects its fields. */
static inline void *buses_to_records(cogen *self, void *arg)
{
    bus_assembler *a = arg;
    a->self = self;
    bus *b = &a->bus; /* in arg, not on this stack: bus_assembler_free frees it */
    const cogen_xml_event *ev;
    while (bus_assembler_next(a, &ev)) {
        if (ev->kind != COGEN_XML_START || strcmp(ev->name, "bus") != 0)
            continue;
        int r = read_bus(b, bus_assembler_next, a);
        if (r < 0)
            cogen_raise(self, COGEN_ENOMEM, "out of memory");
        if (r == 0)
            break;
        cogen_pipe_send(a->p, self, a->target, b);
    }
    cogen_close(a->target);
    return NULL;
}

/* The course's buses_to_dicts(target): a primed generator that takes XML
 * events (`const cogen_xml_event *`, or with batched `const
 * cogen_xml_batch *`) and sends each bus (a `bus *`, lent until the send
 * returns) to target; closing it closes target. a holds its state and
 * must outlive it; p (not NULL) records the error of a target that fails.
 * NULL (errno set) if target is NULL or on failure. */
static inline cogen *bus_assembler_start(bus_assembler *a, cogen_pipe *p, cogen *target,
                                         bool batched)
{
    memset(a, 0, sizeof *a);
    a->p = p;
    a->target = target;
    a->batched = batched;
    cogen_opts o = {0, "buses_to_records", COGEN_PRIMED};
    return p && target ? cogen_new(buses_to_records, a, &o) : NULL;
}

/* After cogen_free of the assembler. */
static inline void bus_assembler_free(bus_assembler *a)
{
    bus_free(&a->bus);
}

typedef struct bus_field_is {
    int field;
    const char *value;
} bus_field_is;

static inline int bus_has_field(void *item, void *ud)
{
    const bus_field_is *f = ud;
    return strcmp(bus_get(item, f->field), f->value) == 0;
}

static inline void bus_print_item(void *item, void *ud)
{
    (void)ud;
    bus_print(item, stdout);
}

/* filter_on_field("route", route) -> filter_on_field("direction",
 * direction) -> bus_locations(), in p; returns the first filter (NULL,
 * errno set, on failure). f[2] holds the filters' state and, with the two
 * strings, must outlive the stages. */
static inline cogen *bus_route_direction(cogen_pipe *p, bus_field_is f[2], const char *route,
                                         const char *direction)
{
    f[0] = (bus_field_is){ROUTE, route};
    f[1] = (bus_field_is){DIRECTION, direction};
    cogen *out = cogen_pipe_sink(p, "bus_locations", bus_print_item, NULL, NULL);
    cogen *dir = out ? cogen_pipe_filter(p, "filter direction", bus_has_field, &f[1], out) : NULL;
    return dir ? cogen_pipe_filter(p, "filter route", bus_has_field, &f[0], dir) : NULL;
}

/* A copy of a bus (a `bus *`) for another thread: its fields, not the
 * text being read. NULL when out of memory. */
static inline void *bus_copy(void *item, void *ud)
{
    (void)ud;
    const bus *b = item;
    bus *c = calloc(1, sizeof *c);
    for (int i = 0; c && i < NFIELDS; i++) {
        if (b->f[i].s && !text_append(&c->f[i], b->f[i].s, b->f[i].len)) {
            bus_free(c);
            free(c);
            c = NULL;
        }
    }
    return c;
}

/* Frees a copy made by bus_copy. */
static inline void bus_release(void *item, void *ud)
{
    (void)ud;
    bus_free(item);
    free(item);
}

#endif
