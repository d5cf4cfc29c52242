/* SPDX-License-Identifier: MIT */
/*
 * busproc: the course's busproc.py, run by coprocess. Reads XML events
 * in frames on its standard input (the course's recvfrom) and sends them
 * into the coroutine that assembles buses, then through the filters to
 * the printer:
 *
 *   recvfrom(stdin) -> buses_to_dicts -> filter route 22
 *                   -> filter North Bound -> bus_locations
 */
#include <cogen.h>
#include <cogen/pipe.h>
#include <cogen/stage.h>

#include "bus.h"
#include "event_frame.h"

int main(void)
{
    cogen_pipe *p = cogen_pipe_new();
    bus_field_is fields[2];
    bus_assembler a;
    cogen *filters = p ? bus_route_direction(p, fields, "22", "North Bound") : NULL;
    cogen *dicts = bus_assembler_start(&a, p, filters, false);
    event_frame frame = {0};
    int status = 0;
    if (!dicts) {
        perror("busproc");
        status = 1;
    } else {
        cogen_err e;
        if (cogen_stage_feed_frames(0, dicts, event_frame_decode, &frame, &e) < 0) {
            fprintf(stderr, "busproc: %s: %s\n", e.where, e.msg);
            status = 1;
        }
    }
    cogen_free(dicts);
    bus_assembler_free(&a);
    event_frame_free(&frame);
    cogen_pipe_free(p);
    return status;
}
