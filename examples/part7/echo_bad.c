/* SPDX-License-Identifier: MIT */
/*
 * pyos7, the bad echo server: a task that calls accept() and recv()
 * directly blocks the whole thread, so every other task (here, a ticker)
 * stops until a client shows up. Compare echo_good.c.
 */
#include "echo_demo.h"

static void *server(cogen *self, void *arg)
{
    cogen_tid ticker_id = *(cogen_tid *)arg;
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    socklen_t len = sizeof a;
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof a) < 0 || listen(lfd, 8) < 0 ||
        getsockname(lfd, (struct sockaddr *)&a, &len) < 0)
        return NULL;
    uint16_t port = ntohs(a.sin_port);
    pthread_t client;
    pthread_create(&client, NULL, client_thread, &port);

    int before = ticks;
    int fd = accept(lfd, NULL, NULL); /* blocks the thread, not just this task */
    char buf[64];
    ssize_t n = fd >= 0 ? recv(fd, buf, sizeof buf, 0) : -1;
    int during = ticks - before;
    if (n > 0)
        send(fd, buf, (size_t)n, 0);
    close(fd);
    close(lfd);
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
