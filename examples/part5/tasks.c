/* SPDX-License-Identifier: MIT */
/*
 * Part 5, coroutines as tasks (pyos1-pyos3): a task is a generator run by a
 * scheduler. Each `yield` hands the CPU back; the scheduler puts the task
 * at the back of the ready queue and runs the next one, until no task is
 * left. foo and bar take turns; bar ends first.
 */
#include <cogen/task.h>

#include <stdio.h>

static void *foo(cogen *self, void *arg)
{
    (void)arg;
    for (int i = 0; i < 4; i++) {
        printf("I'm foo\n");
        cogen_yield(self, NULL, NULL); /* the trap: back to the scheduler */
    }
    printf("Task %lld terminated\n", (long long)cogen_task_self());
    return NULL;
}

static void *bar(cogen *self, void *arg)
{
    (void)arg;
    for (int i = 0; i < 2; i++) {
        printf("I'm bar\n");
        cogen_yield(self, NULL, NULL);
    }
    printf("Task %lld terminated\n", (long long)cogen_task_self());
    return NULL;
}

int main(void)
{
    cogen_sched *s = cogen_sched_new(NULL);
    if (!s)
        return 1;
    cogen_spawn(s, foo, NULL, NULL);
    cogen_spawn(s, bar, NULL, NULL);
    int rc = cogen_sched_run(s);
    cogen_sched_free(s);
    return rc == 0 ? 0 : 1;
}
