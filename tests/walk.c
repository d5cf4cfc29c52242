/* SPDX-License-Identifier: MIT */
#include "walk.h"

#include "harness.h"
#include "shared.h"

#include <stdio.h>
#include <stdlib.h>

long walk(outcome (*scenario)(void))
{
    for (long k = 0; k < 10000; k++) {
        cogen__fail_after(k);
        outcome o = scenario();
        long failed = cogen__fail_count();
        cogen__fail_after(-1);
        if (getenv("WALK_TRACE"))
            fprintf(stderr, "walk: k=%ld failed=%ld outcome=%d\n", k, failed, (int)o);
        if (failed == 0) {
            CHECK(o == RESULT_RIGHT);
            return k;
        }
    }
    CHECK(0 && "too many failure points");
    return -1;
}
