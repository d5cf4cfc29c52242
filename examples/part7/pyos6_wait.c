/* SPDX-License-Identifier: MIT */
/*
 * pyos6: waiting for a task (Beazley's WaitTask). main starts a child and
 * joins it: main sleeps in the scheduler until the child ends, then gets
 * its return value.
 */
#include <cogen/task.h>

#include <stdint.h>
#include <stdio.h>

static void *child(cogen *self, void *arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++) {
        printf("I'm child %lld\n", (long long)cogen_task_self());
        cogen_task_yield(self);
    }
    return (void *)(intptr_t)42;
}

static void *main_task(cogen *self, void *arg)
{
    (void)arg;
    cogen_tid c = cogen_spawn(cogen_sched_current(), child, NULL, NULL);
    printf("Waiting for child\n");
    cogen_task_end end;
    if (cogen_task_join(self, c, COGEN_NEVER, &end) == 0)
        printf("Child done: returned %d\n", (int)(intptr_t)end.value);
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
