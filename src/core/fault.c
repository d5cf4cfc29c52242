/* SPDX-License-Identifier: MIT */
/*
 * Test hooks (COGEN_TEST_HOOKS, test builds only). Failure injection: every allocation, mmap
 * and system call of the library that can fail asks cogen__fail_now()
 * first. Tests arm a countdown (cogen__fail_after) and walk it through
 * every such point, checking each failure is a clean error. Switch
 * counting: lets tests check that a send through a yield_from chain costs
 * the same number of switches whatever the chain's depth; put-back
 * counting, that a send takes no generator outside the chain it goes to.
 * Chain steps: let a test stop a call between reading a chain's link and
 * claiming what it leads to.
 */
#include "shared.h"

#include <stdbool.h>

#ifdef COGEN_TEST_HOOKS
#include <stdatomic.h>

static atomic_long countdown = -1; /* < 0: disarmed */
static atomic_long failures;
static atomic_long switches, put_backs;

void cogen__count_switch(void)
{
    atomic_fetch_add_explicit(&switches, 1, memory_order_relaxed);
}

long cogen__switch_count(void)
{
    return atomic_load(&switches);
}

void cogen__count_put_back(void)
{
    atomic_fetch_add_explicit(&put_backs, 1, memory_order_relaxed);
}

long cogen__put_back_count(void)
{
    return atomic_load(&put_backs);
}

static _Atomic(cogen__chain_step_fn) chain_step_fn;

void cogen__on_chain_step(cogen__chain_step_fn fn)
{
    atomic_store(&chain_step_fn, fn);
}

void cogen__chain_step(int step, const void *target, const void *leaf)
{
    cogen__chain_step_fn fn = atomic_load(&chain_step_fn);
    if (fn)
        fn(step, target, leaf);
}

void cogen__fail_after(long n)
{
    atomic_store(&failures, 0);
    atomic_store(&countdown, n);
}

long cogen__fail_count(void)
{
    return atomic_load(&failures);
}

bool cogen__fail_now(void)
{
    long n = atomic_load_explicit(&countdown, memory_order_relaxed);
    if (COGEN_LIKELY(n < 0))
        return false;
    if (n == 0) {
        atomic_store(&countdown, -1);
        atomic_fetch_add(&failures, 1);
        return true;
    }
    atomic_store(&countdown, n - 1);
    return false;
}
#else
typedef int cogen__fault_unused; /* ISO C wants something in a file */
#endif
