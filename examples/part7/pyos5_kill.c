/* SPDX-License-Identifier: MIT */
/*
 * pyos5: spawn and kill. main starts foo, which would run for ever, lets
 * it run a few times and kills it: foo's yield returns COGEN_EXIT and its
 * cleanup runs.
 */
#include <cogen/task.h>

#include <stdio.h>

static void say_killed(void *arg)
{
    (void)arg;
    printf("foo cleans up\n");
}

static void *foo(cogen *self, void *arg)
{
    (void)arg;
    cogen_defer(self, say_killed, NULL);
    for (;;) {
        printf("I'm foo %lld\n", (long long)cogen_task_self());
        if (cogen_task_yield(self) == COGEN_EXIT)
            return NULL;
    }
}

static void *main_task(cogen *self, void *arg)
{
    (void)arg;
    cogen_tid child = cogen_spawn(cogen_sched_current(), foo, NULL, NULL);
    printf("main spawned task %lld\n", (long long)child);
    for (int i = 0; i < 3; i++)
        cogen_task_yield(self);
    printf("main kills task %lld\n", (long long)child);
    cogen_task_kill(self, child);
    printf("main done\n");
    return NULL;
}

int main(void)
{
    cogen_sched *s = cogen_sched_new(NULL);
    if (!s)
        return 1;
    cogen_spawn(s, main_task, NULL, NULL);
    int rc = cogen_sched_run(s);
    cogen_sched_free(s);
    return rc == 0 ? 0 : 1;
}
