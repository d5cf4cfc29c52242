/* SPDX-License-Identifier: MIT */
/*
 * The poller behind the scheduler: a small interface, so that another
 * backend (kqueue, io_uring) can sit beside poll_epoll.c. Each fd is added
 * once, for both directions, edge-triggered: the scheduler keeps the
 * readiness it was told about and never re-arms an fd per wait.
 */
#ifndef COGEN_TASK_POLL_H
#define COGEN_TASK_POLL_H

#include <stdint.h>

typedef struct cogen__poller cogen__poller;

/* What an event says about its fd; HUP and ERR wake both directions. */
enum { COGEN__POLL_IN = 1, COGEN__POLL_OUT = 2, COGEN__POLL_HUP = 4, COGEN__POLL_ERR = 8 };

typedef struct cogen__poll_event {
    uint64_t token;
    unsigned what;
} cogen__poll_event;

/* NULL with errno on failure. */
COGEN_HIDDEN cogen__poller *cogen__poll_new(void);
COGEN_HIDDEN void cogen__poll_free(cogen__poller *p);
/* Watches fd for both directions from now on; `token` comes back with its
 * events. 0, or -1 with errno. */
COGEN_HIDDEN int cogen__poll_add(cogen__poller *p, int fd, uint64_t token);
/* Stops watching fd. 0, or -1 with errno. */
COGEN_HIDDEN int cogen__poll_del(cogen__poller *p, int fd);
/* Waits up to timeout_ms (-1: for ever, 0: not at all) and stores at most
 * max events. The count (0 on timeout or EINTR), or -1 with errno. */
COGEN_HIDDEN int cogen__poll_wait(cogen__poller *p, cogen__poll_event *ev, int max, int timeout_ms);

#endif
