/* SPDX-License-Identifier: MIT */
/*
 * cothread: the course's threaded() coroutine. expat's events are pushed
 * into the coroutine that assembles buses, on the main thread; each bus
 * is copied through a thread stage (a bounded queue) to the filters and
 * the printer, which run on a worker thread:
 *
 *   xml(FILE) -> buses_to_dicts -> threaded( filter route 22
 *                -> filter North Bound -> bus_locations )
 *
 *   cothread FILE.xml
 *
 * Malformed XML: the buses printed before the error stay printed, the
 * error (with line and column) goes to stderr, and the exit status is 1.
 */
#include <cogen.h>
#include <cogen/pipe.h>
#include <cogen/stage.h>
#include <cogen/xml.h>

#include "bus.h"

#include <fcntl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: cothread FILE.xml\n");
        return 2;
    }
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        perror(argv[1]);
        return 1;
    }
    /* The worker's pipeline has a pipe of its own: a pipe belongs to one
     * thread at a time. */
    cogen_pipe *up = cogen_pipe_new(), *down = cogen_pipe_new();
    bus_field_is fields[2];
    cogen *head = up && down ? bus_route_direction(down, fields, "22", "North Bound") : NULL;
    /* A bus is lent until the send returns: the stage copies it across. */
    cogen_stage_opts o = {0};
    o.copy = bus_copy;
    o.release = bus_release;
    cogen *threaded = head ? cogen_stage_thread("threaded", head, &o) : NULL;
    bus_assembler a;
    cogen *dicts = bus_assembler_start(&a, up, threaded, false);
    int status = 0;
    cogen_xml_opts xo = {NULL, 0, 0, 0, up}; /* errors name the stage that failed */
    cogen_xml_error err;
    if (!dicts) {
        perror("cothread");
        status = 1;
    } else if (cogen_xml_feed_fd(fd, dicts, &xo, &err) < 0) {
        fflush(stdout);
        fprintf(stderr, "cothread: %s: %s\n", err.line ? argv[1] : err.where, err.msg);
        status = 1;
    }
    close(fd);
    cogen_free(dicts);
    bus_assembler_free(&a);
    cogen_pipe_free(up);
    cogen_free(threaded);
    cogen_pipe_free(down);
    return status;
}
