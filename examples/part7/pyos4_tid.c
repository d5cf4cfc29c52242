/* SPDX-License-Identifier: MIT */
/*
 * pyos4: the first system call, the task's id. foo runs three times, bar
 * twice; each asks who it is (cogen_task_self).
 */
#include <cogen/task.h>

#include <stdio.h>

static void *worker(cogen *self, void *arg)
{
    int times = *(const int *)arg;
    for (int i = 0; i < times; i++) {
        printf("I'm %s %lld\n", times == 3 ? "foo" : "bar", (long long)cogen_task_self());
        cogen_task_yield(self);
    }
    return NULL;
}

int main(void)
{
    static const int foo = 3, bar = 2;
    cogen_sched *s = cogen_sched_new(NULL);
    if (!s)
        return 1;
    cogen_spawn(s, worker, (void *)&foo, NULL);
    cogen_spawn(s, worker, (void *)&bar, NULL);
    int rc = cogen_sched_run(s);
    cogen_sched_free(s);
    return rc == 0 ? 0 : 1;
}
