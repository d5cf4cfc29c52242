/* SPDX-License-Identifier: MIT */
/*
 * What echoserver and httpserver share: PROG PORT [--threads N], one
 * scheduler per thread, each with an acceptor task listening on
 * 127.0.0.1:PORT (SO_REUSEPORT when N > 1) that spawns connection(fd) as a
 * detached task per client. Prints "listening on 127.0.0.1:PORT" first
 * (the port it got, if PORT is 0), serves until SIGINT or SIGTERM, then
 * frees the schedulers (which kills the tasks: each closes its connection
 * in a cleanup) and returns 0. Included by one program each: the state is
 * the program's.
 */
#ifndef EXAMPLES_SERVE_H
#define EXAMPLES_SERVE_H

#include <cogen/task.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { SERVE_MAX_THREADS = 64 };

typedef struct serve_worker {
    cogen_sched *sched;
    int lfd;
    pthread_t thread;
} serve_worker;

static serve_worker serve_workers[SERVE_MAX_THREADS];
static int serve_nworkers;
static cogen_fn serve_connection;

static void *serve_acceptor(cogen *self, void *arg)
{
    serve_worker *w = arg;
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
        if (cogen_spawn(w->sched, serve_connection, (void *)(intptr_t)fd, &conn) < 0)
            cogen_fd_close(w->sched, fd);
    }
}

static void *serve_run_worker(void *arg)
{
    serve_worker *w = arg;
    cogen_sched_run(w->sched);
    return NULL;
}

static void serve_on_signal(int sig)
{
    (void)sig;
    for (int i = 0; i < serve_nworkers; i++)
        cogen_sched_stop(serve_workers[i].sched); /* async-signal-safe */
}

static int serve_fail(const char *prog, const char *what)
{
    (void)fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(errno));
    return 1;
}

static int serve_main(const char *prog, int argc, char **argv, cogen_fn connection)
{
    if (argc != 2 && !(argc == 4 && strcmp(argv[2], "--threads") == 0)) {
        (void)fprintf(stderr, "usage: %s PORT [--threads N]\n", prog);
        return 2;
    }
    char *end;
    long port = strtol(argv[1], &end, 10);
    long threads = argc == 4 ? strtol(argv[3], NULL, 10) : 1;
    if (*end || port < 0 || port > 65535 || threads < 1 || threads > SERVE_MAX_THREADS) {
        (void)fprintf(stderr, "usage: %s PORT [--threads N]\n", prog);
        return 2;
    }
    serve_connection = connection;
    uint16_t bound = (uint16_t)port;
    unsigned flags = threads > 1 ? COGEN_REUSEPORT : 0;
    for (int i = 0; i < threads; i++) {
        serve_worker *w = &serve_workers[i];
        if (cogen_listen_tcp("127.0.0.1", bound, 1024, flags, &w->lfd, &bound) != 0)
            return serve_fail(prog, "listen");
        w->sched = cogen_sched_new(NULL);
        if (!w->sched || cogen_spawn(w->sched, serve_acceptor, w, NULL) < 0)
            return serve_fail(prog, "scheduler");
        serve_nworkers++;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = serve_on_signal;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0)
        return serve_fail(prog, "sigaction");
    printf("listening on 127.0.0.1:%u\n", (unsigned)bound);
    (void)fflush(stdout);

    for (int i = 1; i < serve_nworkers; i++)
        pthread_create(&serve_workers[i].thread, NULL, serve_run_worker, &serve_workers[i]);
    serve_run_worker(&serve_workers[0]);
    for (int i = 1; i < serve_nworkers; i++)
        pthread_join(serve_workers[i].thread, NULL);
    for (int i = 0; i < serve_nworkers; i++) {
        cogen_sched_free(serve_workers[i].sched); /* kills the tasks: connections close */
        close(serve_workers[i].lfd);
    }
    return 0;
}

#endif
