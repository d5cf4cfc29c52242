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
    bus_field_is fields[2];
    bus_assembler a;
    cogen_pipe *p = cogen_pipe_new();
    cogen *rt = p ? bus_route_direction(p, fields, argv[2], argv[3]) : NULL;
    cogen *head = bus_assembler_start(&a, p, rt, xo.batch > 0);
    xo.pipe = p; /* errors name the stage that failed */
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
    bus_assembler_free(&a);
    return status;
}
