/* SPDX-License-Identifier: MIT */
/* Beazley's bus example: expat events are pushed into a coroutine that
 * assembles bus records with nested loops, then through two filters into
 * a printer.
 *
 *   buses [--batch N] FILE ROUTE DIRECTION
 *
 * prints route,id,"direction",latitude,longitude for each bus of ROUTE
 * going DIRECTION, in document order. Malformed XML: what was printed
 * stays printed, the error (with line and column) goes to stderr, and the
 * exit status is 1. --batch N has the source send events in groups of N
 * (one switch per group instead of one per event). */
#include <cogen.h>
#include <cogen/pipe.h>
#include <cogen/xml.h>

#include "bus.h"

#include <fcntl.h>
#include <unistd.h>

typedef struct assembler {
    cogen_pipe *p;
    cogen *self, *target;
    bus bus;
    bool batched;
    cogen_xml_cursor cur;
} assembler;

/* The next event sent to the assembler, one by one or in batches. */
static bool next_sent(void *arg, const cogen_xml_event **ev)
{
    assembler *a = arg;
    if (a->batched)
        return cogen_xml_receive(a->self, &a->cur, ev);
    void *item = NULL;
    if (cogen_yield(a->self, NULL, &item) != COGEN_SENT)
        return false;
    *ev = item;
    return true;
}

/* events -> bus records: an outer loop looks for <bus>, read_bus's inner
 * loop collects its fields. */
static void *buses_to_records(cogen *self, void *arg)
{
    assembler *a = arg;
    a->self = self;
    bus *b = &a->bus; /* in arg, not on this stack: freed by main whatever ends the body */
    const cogen_xml_event *ev;
    while (next_sent(a, &ev)) {
        if (ev->kind != COGEN_XML_START || strcmp(ev->name, "bus") != 0)
            continue;
        int r = read_bus(b, next_sent, a);
        if (r < 0)
            cogen_raise(self, COGEN_ENOMEM, "out of memory");
        if (r == 0)
            break;
        cogen_pipe_send(a->p, self, a->target, b);
    }
    cogen_close(a->target);
    return NULL;
}

typedef struct field_is {
    int field;
    const char *value;
} field_is;

static int has_field(void *item, void *ud)
{
    const field_is *f = ud;
    return strcmp(bus_get(item, f->field), f->value) == 0;
}

static void print_bus(void *item, void *ud)
{
    (void)ud;
    bus_print(item, stdout);
}

int main(int argc, char **argv)
{
    cogen_xml_opts xo = {NULL, 0, 0, 0, NULL};
    if (argc == 6 && strcmp(argv[1], "--batch") == 0) {
        xo.batch = (size_t)strtoul(argv[2], NULL, 10);
        argv += 2;
        argc -= 2;
    }
    if (argc != 4) {
        fprintf(stderr, "usage: buses [--batch N] FILE ROUTE DIRECTION\n");
        return 2;
    }
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        perror(argv[1]);
        return 1;
    }
    field_is route = {ROUTE, argv[2]}, direction = {DIRECTION, argv[3]};
    cogen_pipe *p = cogen_pipe_new();
    cogen *out = p ? cogen_pipe_sink(p, "bus_locations", print_bus, NULL, NULL) : NULL;
    cogen *dir = out ? cogen_pipe_filter(p, "filter direction", has_field, &direction, out) : NULL;
    cogen *rt = dir ? cogen_pipe_filter(p, "filter route", has_field, &route, dir) : NULL;
    assembler a;
    memset(&a, 0, sizeof a);
    a.p = p;
    a.target = rt;
    a.batched = xo.batch > 0;
    xo.pipe = p; /* errors name the stage that failed */
    cogen_opts o = {0, "buses_to_records", COGEN_PRIMED};
    cogen *head = rt ? cogen_new(buses_to_records, &a, &o) : NULL;
    if (!head) {
        perror("buses");
        return 1;
    }
    cogen_xml_error err;
    int status = 0;
    if (cogen_xml_feed_fd(fd, head, &xo, &err) < 0) {
        fflush(stdout);
        if (err.line) /* the document */
            fprintf(stderr, "buses: %s: %s\n", argv[1], err.msg);
        else /* a stage */
            fprintf(stderr, "buses: %s: %s\n", err.where, err.msg);
        status = 1;
    }
    close(fd);
    cogen_free(head);
    cogen_pipe_free(p);
    bus_free(&a.bus);
    return status;
}
