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
#include <cogen/task.h>

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { MAX_THREADS = 64 };

typedef struct worker {
    cogen_sched *sched;
    int lfd;
    pthread_t thread;
} worker;

static worker workers[MAX_THREADS];
static int nworkers;

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

static void *acceptor(cogen *self, void *arg)
{
    worker *w = arg;
    const cogen_opts conn = {COGEN_STACK_MIN, "connection", COGEN_DETACHED};
    for (;;) {
        int fd;
        int rc = cogen_accept(self, w->lfd, &fd, COGEN_NEVER);
        if (rc == COGEN_EXIT)
            return NULL;
        if (rc != 0) { /* out of fds, say: back off a little */
            cogen_sleep(self, cogen_deadline_ms(10));
            continue;
        }
        if (cogen_spawn(w->sched, connection, (void *)(intptr_t)fd, &conn) < 0)
            cogen_fd_close(w->sched, fd);
    }
}

static void *run_worker(void *arg)
{
    worker *w = arg;
    cogen_sched_run(w->sched);
    return NULL;
}

static void on_signal(int sig)
{
    (void)sig;
    for (int i = 0; i < nworkers; i++)
        cogen_sched_stop(workers[i].sched); /* async-signal-safe */
}

static int usage(void)
{
    fprintf(stderr, "usage: echoserver PORT [--threads N]\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc != 2 && !(argc == 4 && strcmp(argv[2], "--threads") == 0))
        return usage();
    char *end;
    long port = strtol(argv[1], &end, 10);
    long threads = argc == 4 ? strtol(argv[3], NULL, 10) : 1;
    if (*end || port < 0 || port > 65535 || threads < 1 || threads > MAX_THREADS)
        return usage();

    uint16_t bound = (uint16_t)port;
    unsigned flags = threads > 1 ? COGEN_REUSEPORT : 0;
    for (int i = 0; i < threads; i++) {
        worker *w = &workers[i];
        if (cogen_listen_tcp("127.0.0.1", bound, 1024, flags, &w->lfd, &bound) != 0) {
            perror("echoserver: listen");
            return 1;
        }
        w->sched = cogen_sched_new(NULL);
        if (!w->sched || cogen_spawn(w->sched, acceptor, w, NULL) < 0) {
            perror("echoserver: scheduler");
            return 1;
        }
        nworkers++;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    printf("listening on 127.0.0.1:%u\n", (unsigned)bound);
    fflush(stdout);

    for (int i = 1; i < nworkers; i++)
        pthread_create(&workers[i].thread, NULL, run_worker, &workers[i]);
    run_worker(&workers[0]);
    for (int i = 1; i < nworkers; i++)
        pthread_join(workers[i].thread, NULL);
    for (int i = 0; i < nworkers; i++) {
        cogen_sched_free(workers[i].sched); /* kills the tasks: connections close */
        close(workers[i].lfd);
    }
    return 0;
}
