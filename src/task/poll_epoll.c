/* SPDX-License-Identifier: MIT */
/* The poller on Linux epoll: EPOLLET on both directions, one epoll_ctl per
 * fd for its whole life. */
#include "shared.h"

#include "poll.h"

#include <sys/epoll.h>
#include <unistd.h>

enum { BATCH = 256 };

struct cogen__poller {
    int epfd;
    struct epoll_event buf[BATCH];
};

cogen__poller *cogen__poll_new(void)
{
    cogen__poller *p = cogen__malloc(sizeof *p);
    if (!p)
        return NULL;
    p->epfd = cogen__inject(EMFILE) ? -1 : epoll_create1(EPOLL_CLOEXEC);
    if (p->epfd < 0) {
        int e = errno;
        free(p);
        errno = e;
        return NULL;
    }
    return p;
}

void cogen__poll_free(cogen__poller *p)
{
    if (!p)
        return;
    close(p->epfd);
    free(p);
}

int cogen__poll_add(cogen__poller *p, int fd, uint64_t token)
{
    struct epoll_event ev = {0};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.u64 = token;
    if (cogen__inject(ENOMEM))
        return -1;
    return epoll_ctl(p->epfd, EPOLL_CTL_ADD, fd, &ev);
}

int cogen__poll_del(cogen__poller *p, int fd)
{
    struct epoll_event ev = {0};
    return epoll_ctl(p->epfd, EPOLL_CTL_DEL, fd, &ev);
}

int cogen__poll_wait(cogen__poller *p, cogen__poll_event *out, int max, int timeout_ms)
{
    if (max > BATCH)
        max = BATCH;
    int n = cogen__inject(EINTR) ? -1 : epoll_wait(p->epfd, p->buf, max, timeout_ms);
    if (n < 0)
        return errno == EINTR ? 0 : -1;
    for (int i = 0; i < n; i++) {
        uint32_t e = p->buf[i].events;
        unsigned what = 0;
        if (e & EPOLLIN)
            what |= COGEN__POLL_IN;
        if (e & EPOLLOUT)
            what |= COGEN__POLL_OUT;
        if (e & (EPOLLHUP | EPOLLRDHUP))
            what |= COGEN__POLL_HUP;
        if (e & EPOLLERR)
            what |= COGEN__POLL_ERR;
        out[i].token = p->buf[i].data.u64;
        out[i].what = what;
    }
    return n;
}
