/* SPDX-License-Identifier: MIT */
/* genpipe: part 1's generator pipeline, pulled (Beazley part 1).
 *   for line in grep('python', follow(open('access-log'))): print(line)
 * Generators produce: each stage is resumed by the one after it. */
#include "common.h"

int main(int argc, char **argv)
{
    cogen_source_opts o;
    int fd = follow_args(argc, argv, &o);
    cogen_pipe *p = cogen_pipe_new();
    cogen *lines = cogen_pipe_lines(p, "follow", fd, &o);
    cogen *g = cogen_pipe_pull_grep(p, "grep", "python", lines);
    if (!g) {
        perror("genpipe");
        return 1;
    }
    COGEN_PIPE_FOREACH(p, item, g)
    {
        const cogen_str *line = item;
        printf("%.*s\n", (int)line->len, line->ptr);
    }
    int rc = cogen_pipe_error(p)->code != 0;
    if (rc)
        fprintf(stderr, "stage '%s' failed: %s\n", cogen_pipe_error(p)->where,
                cogen_pipe_error(p)->msg);
    cogen_pipe_free(p);
    close(fd);
    return rc;
}
