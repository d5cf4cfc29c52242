/* SPDX-License-Identifier: MIT */
/*
 * busproc: the course's recvfrom(f, target), run by coprocess. Reads bus
 * frames on its standard input and sends them through the filters to the
 * printer:
 *
 *   recvfrom(stdin) -> filter route 22 -> filter North Bound -> bus_locations
 */
#include "bus.h"

#include <cogen/stage.h>

static void *decode_bus(const void *data, size_t len, void *ud)
{
    bus *b = ud;
    memset(b, 0, sizeof *b);
    return bus_parse(data, len, b) ? b : NULL;
}

int main(void)
{
    cogen_pipe *p = cogen_pipe_new();
    field_match m[2];
    bus scratch;
    cogen *head = p ? route22_north(p, m) : NULL;
    if (!head) {
        perror("busproc");
        return 1;
    }
    cogen_err e;
    long long n = cogen_stage_feed_frames(0, head, decode_bus, &scratch, &e);
    if (n < 0)
        report("busproc", &e);
    cogen_pipe_free(p);
    return n < 0 ? 1 : 0;
}
