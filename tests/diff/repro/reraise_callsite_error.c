/* SPDX-License-Identifier: MIT */
/*
 * Finding 2 of tests/diff (see ../FINDINGS.md): cogen_reraise(self) does not
 * re-raise what cogen_last_error(self) shows when that is a call-site error
 * (commit 16ae536 moved EBUSY/EFRESH/... into the calling thread's record).
 *
 * The body resumes itself (Python: `g.send(None)` inside g), gets EBUSY
 * ("generator already executing": cogen_last_error(self) says so), and
 * passes it on with cogen_reraise(self), as cogen.h says to. The resumer
 * should get COGEN_EBUSY, like Python's ValueError propagating out of the
 * generator; it gets COGEN_EINVAL "cogen_reraise: no error to re-raise",
 * because cogen_reraise looks at self's own record only.
 *
 * Build: cc -std=c11 -I include tests/diff/repro/reraise_callsite_error.c \
 *           build/libcogen.a -lm -lpthread -o /tmp/repro && /tmp/repro
 * Exits 0 when fixed, 1 (and says so) while the bug is there.
 */
#include <cogen.h>

#include <stdio.h>

static void *resumes_itself(cogen *self, void *arg)
{
    (void)arg;
    if (cogen_next(self, NULL) == COGEN_ERROR) {
        printf("in body: cogen_last_error(self)->code = %d (COGEN_EBUSY = %d)\n",
               cogen_last_error(self)->code, COGEN_EBUSY);
        cogen_reraise(self);
    }
    return NULL;
}

int main(void)
{
    cogen *g = cogen_new(resumes_itself, NULL, NULL);
    int rc = cogen_next(g, NULL);
    int code = cogen_last_error(g)->code;
    printf("cogen_next: %d, error code %d (%s)\n", rc, code, cogen_strerror(code));
    cogen_free(g);
    if (rc != COGEN_ERROR || code != COGEN_EBUSY) {
        printf("BUG: expected COGEN_ERROR with COGEN_EBUSY\n");
        return 1;
    }
    printf("ok\n");
    return 0;
}
