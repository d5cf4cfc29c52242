/* SPDX-License-Identifier: MIT */
/*
 * What the two echo servers of pyos7/pyos8 share: a ticker task that
 * should keep running while the server waits, and a client on its own
 * thread that connects after a while and sends one line.
 */
#ifndef ECHO_DEMO_H
#define ECHO_DEMO_H

#include <cogen/task.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int ticks;

static void *ticker(cogen *self, void *arg)
{
    (void)arg;
    for (;;) {
        ticks++;
        if (cogen_sleep(self, cogen_deadline_ms(1)) == COGEN_EXIT)
            return NULL;
    }
}

static char client_got[64];

/* Connects to 127.0.0.1:port after 30 ms, sends a line, keeps the reply. */
static void *client_thread(void *arg)
{
    uint16_t port = *(uint16_t *)arg;
    usleep(30000);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
        return NULL;
    static const char msg[] = "hello\n";
    if (write(fd, msg, sizeof msg - 1) == (ssize_t)(sizeof msg - 1)) {
        ssize_t n = read(fd, client_got, sizeof client_got - 1);
        client_got[n > 0 ? n : 0] = '\0';
    }
    close(fd);
    return NULL;
}

static void report(int ticks_while_waiting)
{
    printf("the client got back: %s", client_got);
    if (ticks_while_waiting == 0)
        printf("while the server waited, the ticker never ran: the whole scheduler was blocked\n");
    else
        printf("while the server waited, the ticker kept running\n");
}

#endif
