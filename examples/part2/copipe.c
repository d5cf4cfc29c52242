/* SPDX-License-Identifier: MIT */
/* copipe: a coroutine pipeline, source -> filter -> sink (Beazley part 2).
 *   follow(f, grep('python', printer())) */
#include "common.h"

int main(int argc, char **argv)
{
    cogen_source_opts o;
    grep_args ga;
    int fd = follow_args(argc, argv, &o);
    cogen *p = printer();
    cogen *g = grep(&ga, "python", p);
    int rc = run_follow(fd, g, &o); /* closing grep closes the printer */
    cogen_free(g);
    cogen_free(p);
    return rc;
}
