/* SPDX-License-Identifier: MIT */
/*
 * coprocess: the course's sendto(f) coroutine. The buses are parsed here
 * and sent, one frame each, to a child process running busproc (the
 * filters and the printer), which reads the frames on its standard input:
 *
 *   buses(FILE) -> buses_to_dicts -> sendto(busproc)
 *
 *   coprocess FILE BUSPROC
 *
 * Closing the stage sends the end of the stream and waits for busproc's
 * answer: a busproc that fails or dies is an error here.
 */
#include "bus.h"

#include <cogen/stage.h>

#include <fcntl.h>
#include <unistd.h>

static char line[BUS_FIELDS * BUS_FIELD_CAP + 8];

/* A bus travels as its line form. */
static int encode_bus(void *item, const void **data, size_t *len, void *ud)
{
    (void)ud;
    int n = bus_format(item, line, sizeof line);
    if (n < 0 || (size_t)n >= sizeof line)
        return 1;
    *data = line;
    *len = (size_t)n;
    return 0;
}

/* In the child: busproc with the socket as its standard input. */
static int run_busproc(int fd, void *ud)
{
    const char *path = ud;
    if (dup2(fd, 0) < 0)
        return 126;
    execl(path, "busproc", (char *)NULL);
    perror(path);
    return 127;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s FILE BUSPROC\n", argv[0]);
        return 2;
    }
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        perror(argv[1]);
        return 1;
    }
    cogen_pipe *up = cogen_pipe_new();
    bus scratch;
    cogen_stage_proc proc = {run_busproc, argv[2], encode_bus, 0, 0};
    cogen *sendto = up ? cogen_stage_process("sendto", &proc) : NULL;
    cogen *dicts =
        sendto ? cogen_pipe_map(up, "buses_to_dicts", buses_to_dicts, &scratch, sendto) : NULL;
    int status = 0;
    if (!dicts) {
        perror("coprocess");
        status = 1;
    } else if (cogen_pipe_feed_fd(up, fd, dicts, NULL) < 0) {
        report(argv[0], cogen_pipe_error(up));
        status = 1;
    }
    close(fd);
    cogen_pipe_free(up);
    cogen_free(sendto);
    return status;
}
