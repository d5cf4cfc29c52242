/* SPDX-License-Identifier: MIT */
/*
 * pyos8, the good echo server: accept, read and write wait in the
 * scheduler (which polls with epoll) instead of blocking the thread, so
 * the ticker keeps running while the server waits for its client.
 */
#include "echo_demo.h"

static void *server(cogen *self, void *arg)
{
    cogen_tid ticker_id = *(cogen_tid *)arg;
    cogen_sched *s = cogen_sched_current();
    int lfd;
    uint16_t port;
    if (cogen_listen_tcp("127.0.0.1", 0, 8, 0, &lfd, &port) != 0)
        return NULL;
    pthread_t client;
    pthread_create(&client, NULL, client_thread, &port);

    int before = ticks;
    int fd = -1;
    char buf[64];
    size_t n = 0;
    cogen_time deadline = cogen_deadline_ms(5000);
    if (cogen_accept(self, lfd, &fd, deadline) == 0 &&
        cogen_read(self, fd, buf, sizeof buf, &n, deadline) == 0)
        cogen_write_all(self, fd, buf, n, NULL, deadline);
    int during = ticks - before;
    if (fd >= 0)
        cogen_fd_close(s, fd);
    cogen_fd_close(s, lfd);
    pthread_join(client, NULL);
    report(during);
    cogen_task_kill(self, ticker_id);
    return NULL;
}

int main(void)
{
    cogen_sched *s = cogen_sched_new(NULL);
    if (!s)
        return 1;
    cogen_tid t = cogen_spawn(s, ticker, NULL, NULL);
    cogen_spawn(s, server, &t, NULL);
    int rc = cogen_sched_run(s);
    cogen_sched_free(s);
    return rc == 0 ? 0 : 1;
}
