/* SPDX-License-Identifier: MIT */
/* What the part-4 examples share: a bus position (the course's dict with
 * route, id, direction, latitude, longitude), parsed from a line of
 * data/buses.txt ("route|id|direction|latitude|longitude"), and the
 * course's filter_on_field and bus_locations coroutines. The course reads
 * the positions from a large XML file with SAX; a line per bus keeps these
 * examples to the stage layer. */
#ifndef PART4_BUS_H
#define PART4_BUS_H

#include <cogen.h>
#include <cogen/pipe.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { BUS_FIELDS = 5, BUS_FIELD_CAP = 32 };
static const char *const bus_field_names[BUS_FIELDS] = {"route", "id", "direction", "latitude",
                                                        "longitude"};

typedef struct bus {
    char field[BUS_FIELDS][BUS_FIELD_CAP];
} bus;

/* Parses "route|id|direction|latitude|longitude" into *b; 0 if the line
 * is not a bus (a comment, a wrong number of fields, a field too long). */
static inline int bus_parse(const char *s, size_t len, bus *b)
{
    size_t f = 0, at = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '|') {
            if (++f == BUS_FIELDS)
                return 0;
            at = 0;
            continue;
        }
        if (at + 1 >= BUS_FIELD_CAP)
            return 0;
        b->field[f][at++] = s[i];
        b->field[f][at] = '\0';
    }
    return f == BUS_FIELDS - 1 && b->field[0][0] != '#';
}

/* The line form of a bus: what bus_parse reads. */
static inline int bus_format(const bus *b, char *out, size_t cap)
{
    return snprintf(out, cap, "%s|%s|%s|%s|%s", b->field[0], b->field[1], b->field[2], b->field[3],
                    b->field[4]);
}

/* buses_to_dicts: a map callback from a line (`const cogen_str *`) to a
 * `bus *` (ud: where to parse it; NULL drops lines that are not buses). */
static inline void *buses_to_dicts(void *item, void *ud)
{
    const cogen_str *l = item;
    bus *b = ud;
    memset(b, 0, sizeof *b);
    return bus_parse(l->ptr, l->len, b) ? b : NULL;
}

/* Copying a bus to another thread. */
static inline void *bus_copy(void *item, void *ud)
{
    (void)ud;
    bus *c = malloc(sizeof *c);
    if (c)
        memcpy(c, item, sizeof *c);
    return c;
}

static inline void bus_release(void *item, void *ud)
{
    (void)ud;
    free(item);
}

typedef struct field_match {
    int field;
    const char *value;
} field_match;

static inline int field_is(void *item, void *ud)
{
    const field_match *m = ud;
    return strcmp(((const bus *)item)->field[m->field], m->value) == 0;
}

/* filter_on_field(fieldname, value, target); m must outlive the stage. */
static inline cogen *filter_on_field(cogen_pipe *p, field_match *m, const char *fieldname,
                                     const char *value, cogen *target)
{
    m->field = 0;
    for (int i = 0; i < BUS_FIELDS; i++)
        if (strcmp(bus_field_names[i], fieldname) == 0)
            m->field = i;
    m->value = value;
    return cogen_pipe_filter(p, fieldname, field_is, m, target);
}

static inline void print_bus(void *item, void *ud)
{
    const bus *b = item;
    (void)ud;
    printf("%s,%s,\"%s\",%s,%s\n", b->field[0], b->field[1], b->field[2], b->field[3], b->field[4]);
}

/* bus_locations(): prints each bus. */
static inline cogen *bus_locations(cogen_pipe *p)
{
    return cogen_pipe_sink(p, "bus_locations", print_bus, NULL, NULL);
}

/* The course's downstream pipeline: route 22, north bound, printed.
 * m[2] must outlive the stages. */
static inline cogen *route22_north(cogen_pipe *p, field_match m[2])
{
    cogen *out = bus_locations(p);
    cogen *dir = out ? filter_on_field(p, &m[0], "direction", "North Bound", out) : NULL;
    return dir ? filter_on_field(p, &m[1], "route", "22", dir) : NULL;
}

static inline void report(const char *prog, const cogen_err *e)
{
    fprintf(stderr, "%s: %s: %s\n", prog, e->where, e->msg);
}

#endif
