/* SPDX-License-Identifier: MIT */
/*
 * cothread: the course's threaded() coroutine. The buses are parsed on the
 * main thread and handed through a thread stage (a bounded queue) to the
 * filters and the printer, which run on a worker thread:
 *
 *   buses(FILE) -> buses_to_dicts -> threaded( filter route 22
 *                                    -> filter North Bound -> bus_locations )
 *
 *   cothread FILE
 */
#include "bus.h"

#include <cogen/stage.h>

#include <fcntl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s FILE\n", argv[0]);
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
    field_match m[2];
    bus scratch;
    cogen *head = up && down ? route22_north(down, m) : NULL;
    /* A bus is lent until the send returns: the stage copies it across. */
    cogen_stage_opts o = {0};
    o.copy = bus_copy;
    o.release = bus_release;
    cogen *threaded = head ? cogen_stage_thread("threaded", head, &o) : NULL;
    cogen *dicts =
        threaded ? cogen_pipe_map(up, "buses_to_dicts", buses_to_dicts, &scratch, threaded) : NULL;
    int status = 0;
    if (!dicts) {
        perror("cothread");
        status = 1;
    } else if (cogen_pipe_feed_fd(up, fd, dicts, NULL) < 0) {
        report(argv[0], cogen_pipe_error(up));
        status = 1;
    }
    close(fd);
    cogen_pipe_free(up);
    cogen_free(threaded);
    cogen_pipe_free(down);
    return status;
}
