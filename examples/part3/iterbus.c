/* SPDX-License-Identifier: MIT */
/* The bus example pulled, like ElementTree's iterparse: a reader runs
 * expat inside a generator and yields each event from inside expat's
 * callbacks; the program is two plain nested loops.
 *
 *   iterbus [--batch N] FILE ROUTE [DIRECTION]
 *
 * prints route,id,"direction",latitude,longitude for each bus of ROUTE
 * (going DIRECTION, if given). */
#include <cogen.h>
#include <cogen/xml.h>

#include "bus.h"

#include <fcntl.h>
#include <unistd.h>

static bool next_pulled(void *reader, const cogen_xml_event **ev)
{
    return cogen_xml_next(reader, ev) == 1;
}

int main(int argc, char **argv)
{
    cogen_xml_opts xo = {NULL, 0, 0, 0, NULL};
    if (argc >= 5 && strcmp(argv[1], "--batch") == 0) {
        xo.batch = (size_t)strtoul(argv[2], NULL, 10);
        argv += 2;
        argc -= 2;
    }
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: iterbus [--batch N] FILE ROUTE [DIRECTION]\n");
        return 2;
    }
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        perror(argv[1]);
        return 1;
    }
    cogen_xml_reader *r = cogen_xml_reader_fd(fd, &xo);
    if (!r) {
        perror("iterbus");
        return 1;
    }
    bus b;
    memset(&b, 0, sizeof b);
    const cogen_xml_event *ev;
    int status = 0;
    while (cogen_xml_next(r, &ev) == 1) {
        if (ev->kind != COGEN_XML_START || strcmp(ev->name, "bus") != 0)
            continue;
        int got = read_bus(&b, next_pulled, r);
        if (got < 0) {
            fprintf(stderr, "iterbus: out of memory\n");
            status = 1;
            break;
        }
        if (got > 0 && strcmp(bus_get(&b, ROUTE), argv[2]) == 0 &&
            (argc == 3 || strcmp(bus_get(&b, DIRECTION), argv[3]) == 0))
            bus_print(&b, stdout);
    }
    if (cogen_xml_reader_error(r)->code) {
        fflush(stdout);
        fprintf(stderr, "iterbus: %s: %s\n", argv[1], cogen_xml_reader_error(r)->msg);
        status = 1;
    }
    bus_free(&b);
    cogen_xml_reader_free(r);
    close(fd);
    return status;
}
