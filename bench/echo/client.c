/* SPDX-License-Identifier: MIT */
/*
 * A closed-loop echo load client: N connections to 127.0.0.1:PORT, each
 * sending a SIZE-byte message and waiting for all of it to come back
 * (every byte checked) before sending the next. Single-threaded, epoll.
 * Runs WARMUP seconds, then measures SECONDS: prints messages/s and the
 * p50/p99 round-trip latency, and exits 1 on any wrong byte or lost
 * connection.
 *
 * usage: client PORT CONNS SECONDS [SIZE] [WARMUP]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct conn {
    int fd;
    uint32_t seq;
    size_t sent, got;
    int64_t started;
} conn;

static size_t size = 1024;

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static unsigned char byte_of(size_t id, uint32_t seq, size_t k)
{
    return (unsigned char)(id * 131 + seq * 7 + k);
}

static void die(const char *what)
{
    perror(what);
    exit(1);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Sends what is left of c's current message; 0 or -1. */
static int push(conn *c, size_t id, unsigned char *buf)
{
    while (c->sent < size) {
        size_t n = size - c->sent;
        for (size_t k = 0; k < n; k++)
            buf[k] = byte_of(id, c->seq, c->sent + k);
        ssize_t w = send(c->fd, buf, n, MSG_NOSIGNAL);
        if (w < 0)
            return errno == EAGAIN ? 0 : -1;
        c->sent += (size_t)w;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: client PORT CONNS SECONDS [SIZE] [WARMUP]\n");
        return 2;
    }
    int port = atoi(argv[1]);
    size_t nconn = (size_t)atol(argv[2]);
    double seconds = atof(argv[3]);
    if (argc > 4)
        size = (size_t)atol(argv[4]);
    double warmup = argc > 5 ? atof(argv[5]) : 1.0;
    conn *cs = calloc(nconn, sizeof *cs);
    unsigned char *buf = malloc(size), *in = malloc(size);
    size_t lat_cap = 1 << 24, nlat = 0;
    uint32_t *lat = malloc(lat_cap * sizeof *lat);
    int ep = epoll_create1(0);
    if (!cs || !buf || !in || !lat || ep < 0)
        die("setup");
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (size_t i = 0; i < nconn; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
            die("connect");
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        cs[i].fd = fd;
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = i};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
            die("epoll_ctl");
    }
    /* Blocking sockets: a 1 KiB send fits the socket buffer, always. */
    int64_t t0 = now_ns();
    for (size_t i = 0; i < nconn; i++) {
        cs[i].started = t0;
        if (push(&cs[i], i, buf) < 0 || cs[i].sent < size)
            die("send");
    }
    int64_t measure_from = t0 + (int64_t)(warmup * 1e9);
    int64_t end = measure_from + (int64_t)(seconds * 1e9);
    long counted = 0;
    struct epoll_event evs[512];
    for (;;) {
        int64_t t = now_ns();
        if (t >= end)
            break;
        int n = epoll_wait(ep, evs, 512, 100);
        if (n < 0 && errno != EINTR)
            die("epoll_wait");
        for (int e = 0; e < n; e++) {
            size_t id = evs[e].data.u64;
            conn *c = &cs[id];
            ssize_t r = recv(c->fd, in, size - c->got, 0);
            if (r <= 0) {
                fprintf(stderr, "client: connection %zu %s\n", id, r == 0 ? "closed" : "failed");
                return 1;
            }
            for (ssize_t k = 0; k < r; k++) {
                if (in[k] != byte_of(id, c->seq, c->got + (size_t)k)) {
                    fprintf(stderr, "client: wrong byte on connection %zu\n", id);
                    return 1;
                }
            }
            c->got += (size_t)r;
            if (c->got < size)
                continue;
            int64_t done = now_ns();
            if (done >= measure_from && done < end) {
                counted++;
                if (nlat < lat_cap)
                    lat[nlat++] = (uint32_t)((done - c->started) / 1000);
            }
            c->seq++;
            c->got = c->sent = 0;
            c->started = done;
            if (push(c, id, buf) < 0 || c->sent < size)
                die("send");
        }
    }
    qsort(lat, nlat, sizeof *lat, cmp_u32);
    double p50 = nlat ? lat[nlat / 2] / 1000.0 : 0, p99 = nlat ? lat[nlat * 99 / 100] / 1000.0 : 0;
    printf("%ld msgs/s p50 %.2f ms p99 %.2f ms\n", (long)(counted / seconds), p50, p99);
    return 0;
}
