/* SPDX-License-Identifier: MIT */
/*
 * echoserver PORT [--threads N]: an echo server, one task per connection.
 *
 * Prints "listening on 127.0.0.1:PORT" first (the port it got, if PORT is
 * 0), serves until SIGINT or SIGTERM, then kills its tasks (each closes its
 * connection in a cleanup) and exits 0. With --threads N, N schedulers on
 * N threads each accept on the same port (SO_REUSEPORT): the kernel
 * spreads the connections over them.
 */
#include "serve.h"

#include <cogen/task.h>

#include <stdint.h>

static void close_fd(void *arg)
{
    cogen_fd_close(cogen_sched_current(), (int)(intptr_t)arg);
}

static void *connection(cogen *self, void *arg)
{
    int fd = (int)(intptr_t)arg;
    cogen_defer(self, close_fd, arg);
    char buf[2048];
    size_t n;
    while (cogen_read(self, fd, buf, sizeof buf, &n, COGEN_NEVER) == 0)
        if (cogen_write_all(self, fd, buf, n, NULL, COGEN_NEVER) != 0)
            break;
    return NULL;
}

int main(int argc, char **argv)
{
    return serve_main("echoserver", argc, argv, connection);
}
