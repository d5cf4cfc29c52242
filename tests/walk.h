/* SPDX-License-Identifier: MIT */
/* Failure walks: every fallible operation of a scenario made to fail in
 * turn. Linked into every test program (cmake/CogenTests.cmake). */
#ifndef COGEN_TEST_WALK_H
#define COGEN_TEST_WALK_H

/* How one run of a scenario ended: with the complete, right result (no
 * failure, or one the library may absorb, such as a stack pool that cannot
 * grow), or with a clean error the scenario has checked itself (the right
 * code, nothing leaked, objects still freeable). */
typedef enum outcome { RESULT_RIGHT, FAILED_CLEANLY } outcome;

/* Runs scenario() with the k-th fallible operation from its start made to
 * fail (cogen__fail_after), for k = 0, 1, ... until a run meets no
 * injected failure, which must then report RESULT_RIGHT. Returns how many
 * failure points were walked; callers check a lower bound, so that an
 * allocation or system call that stops asking the failure injector fails
 * the test. Gives up (CHECK) after 10,000 points. WALK_TRACE=1 in the
 * environment prints every run on stderr. */
long walk(outcome (*scenario)(void));

#endif
