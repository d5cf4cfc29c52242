/* SPDX-License-Identifier: MIT */
/* cobroadcast: fan-out to several pipelines (Beazley part 2).
 *   follow(f, broadcast([grep('python', printer()),
 *                        grep('ply', printer()),
 *                        grep('swig', printer())])) */
#include "common.h"

/* @coroutine def broadcast(targets): while True: item = (yield);
 *     for target in targets: target.send(item) */
typedef struct bcast_args {
    cogen **targets;
    size_t n;
} bcast_args;

static void *broadcast_body(cogen *self, void *arg)
{
    bcast_args *b = arg;
    void *item;
    while (cogen_yield(self, NULL, &item) == COGEN_SENT)
        for (size_t i = 0; i < b->n; i++)
            cogen_send(b->targets[i], item, NULL);
    for (size_t i = 0; i < b->n; i++)
        cogen_close(b->targets[i]);
    return NULL;
}

int main(int argc, char **argv)
{
    cogen_source_opts o;
    grep_args ga[3];
    int fd = follow_args(argc, argv, &o);
    cogen *pr[3] = {printer(), printer(), printer()};
    cogen *greps[3] = {grep(&ga[0], "python", pr[0]), grep(&ga[1], "ply", pr[1]),
                       grep(&ga[2], "swig", pr[2])};
    bcast_args b = {greps, 3};
    cogen_opts opts = {0, "broadcast", COGEN_PRIMED};
    cogen *bc = cogen_new(broadcast_body, &b, &opts);
    int rc = run_follow(fd, bc, &o);
    cogen_free(bc);
    for (int i = 0; i < 3; i++) {
        cogen_free(greps[i]);
        cogen_free(pr[i]);
    }
    return rc;
}
