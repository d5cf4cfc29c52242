/* SPDX-License-Identifier: MIT */
/*
 * Costs of the scheduler's basic steps, in ns per operation:
 *   yield     two tasks yielding to each other (a trap, a queue, a resume);
 *   channel   two tasks passing a value back and forth over two rendezvous
 *             channels (a send, a park, a wake, a receive);
 *   spawn     spawning and running to its end a task that returns at once.
 * usage: ping [N]     (build: bench/task/run.sh)
 */
#include <cogen/task.h>

#include <stdio.h>
#include <stdlib.h>

static long n = 1000000;
static cogen_chan *ab, *ba;

static void *yielder(cogen *self, void *arg)
{
    (void)arg;
    for (long i = 0; i < n; i++)
        cogen_task_yield(self);
    return NULL;
}

static void *pinger(cogen *self, void *arg)
{
    void *v;
    for (long i = 0; i < n; i++) {
        cogen_chan_send(self, arg == NULL ? ab : ba, (void *)1, COGEN_NEVER);
        cogen_chan_recv(self, arg == NULL ? ba : ab, &v, COGEN_NEVER);
    }
    return NULL;
}

static void *ponger(cogen *self, void *arg)
{
    (void)arg;
    void *v;
    for (long i = 0; i < n; i++) {
        cogen_chan_recv(self, ab, &v, COGEN_NEVER);
        cogen_chan_send(self, ba, v, COGEN_NEVER);
    }
    return NULL;
}

static void *nothing(cogen *self, void *arg)
{
    (void)self;
    return arg;
}

static void *spawner(cogen *self, void *arg)
{
    (void)arg;
    cogen_opts o = {COGEN_STACK_MIN, "t", COGEN_DETACHED};
    for (long i = 0; i < n; i++) {
        cogen_spawn(cogen_sched_current(), nothing, NULL, &o);
        if (i % 64 == 63)
            cogen_task_yield(self); /* let them run and end */
    }
    return NULL;
}

static double run(cogen_fn a, cogen_fn b, double ops)
{
    cogen_sched *s = cogen_sched_new(NULL);
    cogen_spawn(s, a, NULL, NULL);
    if (b)
        cogen_spawn(s, b, NULL, NULL);
    cogen_time t0 = cogen_now();
    cogen_sched_run(s);
    cogen_time t1 = cogen_now();
    cogen_sched_free(s);
    return (double)(t1 - t0) / ops;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        n = atol(argv[1]);
    ab = cogen_chan_new(0);
    ba = cogen_chan_new(0);
    printf("yield    %6.1f ns per yield\n", run(yielder, yielder, 2.0 * (double)n));
    printf("channel  %6.1f ns per message\n", run(pinger, ponger, 2.0 * (double)n));
    printf("spawn    %6.1f ns per task\n", run(spawner, NULL, (double)n));
    cogen_chan_free(ab);
    cogen_chan_free(ba);
    return 0;
}
