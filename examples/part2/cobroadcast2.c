/* SPDX-License-Identifier: MIT */
/* cobroadcast2: fan-out with one shared sink (Beazley part 2).
 *   p = printer()
 *   follow(f, broadcast([grep('python', p), grep('ply', p), grep('swig', p)]))
 * Here with the library's stages: cogen_pipe_broadcast, cogen_pipe_grep and
 * cogen_pipe_printer. The printer is closed by the first grep that closes;
 * the others find it closed already (closing twice is harmless). */
#include "common.h"

int main(int argc, char **argv)
{
    cogen_source_opts o;
    int fd = follow_args(argc, argv, &o);
    cogen_pipe *pp = cogen_pipe_new();
    cogen *p = cogen_pipe_printer(pp, "printer", stdout);
    cogen *greps[3] = {cogen_pipe_grep(pp, "grep python", "python", p),
                       cogen_pipe_grep(pp, "grep ply", "ply", p),
                       cogen_pipe_grep(pp, "grep swig", "swig", p)};
    cogen *bc = cogen_pipe_broadcast(pp, "broadcast", greps, 3);
    if (!bc) {
        perror("cobroadcast2");
        return 1;
    }
    long long n = cogen_pipe_feed_fd(pp, fd, bc, &o);
    if (n < 0)
        fprintf(stderr, "stage '%s' failed: %s\n", cogen_pipe_error(pp)->where,
                cogen_pipe_error(pp)->msg);
    cogen_pipe_free(pp);
    close(fd);
    return n < 0;
}
