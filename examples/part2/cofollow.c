/* SPDX-License-Identifier: MIT */
/* cofollow: a source pushing lines into a coroutine (Beazley part 2).
 *   follow(open("access-log"), printer()) */
#include "common.h"

int main(int argc, char **argv)
{
    cogen_source_opts o;
    int fd = follow_args(argc, argv, &o);
    cogen *p = printer();
    int rc = run_follow(fd, p, &o); /* follow closes the printer at the end */
    cogen_free(p);
    return rc;
}
