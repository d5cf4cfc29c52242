/* SPDX-License-Identifier: MIT */
/*
 * coprocess: the course's sendto(f) coroutine. expat's events are sent,
 * one frame each, to a child process running busproc (the assembler, the
 * filters and the printer), which reads the frames on its standard input:
 *
 *   xml(FILE) -> sendto(busproc)
 *
 *   coprocess FILE.xml BUSPROC
 *
 * The end of the document closes the stage: it sends the end of the
 * stream and waits for busproc's answer, so a busproc that fails or dies
 * is an error here. Malformed XML: the stream still ends cleanly, so
 * busproc prints the buses before the error; the error (with line and
 * column) goes to stderr, and the exit status is 1.
 */
#include <cogen.h>
#include <cogen/stage.h>
#include <cogen/xml.h>

#include "event_frame.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

typedef struct child_args {
    const char *busproc;
    event_frame frame;
} child_args;

/* In the child: busproc with the socket as its standard input. */
static int run_busproc(int fd, void *ud)
{
    const child_args *c = ud;
    if (dup2(fd, 0) < 0)
        return 126;
    execl(c->busproc, "busproc", (char *)NULL);
    perror(c->busproc);
    return 127;
}

static int encode_event(void *item, const void **data, size_t *len, void *ud)
{
    child_args *c = ud;
    return event_frame_encode(item, data, len, &c->frame);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: coprocess FILE.xml BUSPROC\n");
        return 2;
    }
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        perror(argv[1]);
        return 1;
    }
    child_args c = {.busproc = argv[2]};
    cogen_stage_proc proc = {run_busproc, &c, encode_event, 0, 0};
    cogen *sendto = cogen_stage_process("sendto", &proc);
    int status = 0;
    cogen_xml_error err;
    if (!sendto) {
        perror("coprocess");
        status = 1;
    } else if (cogen_xml_feed_fd(fd, sendto, NULL, &err) < 0) {
        fflush(stdout);
        fprintf(stderr, "coprocess: %s: %s\n", err.line ? argv[1] : err.where, err.msg);
        status = 1;
    }
    close(fd);
    cogen_free(sendto);
    event_frame_free(&c.frame);
    return status;
}
