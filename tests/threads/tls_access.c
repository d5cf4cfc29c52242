/* SPDX-License-Identifier: MIT */
/* Thread-local state reached through calls the optimiser cannot see
 * through, the way docs/threads.md tells bodies that may change threads to
 * reach it after a yield. */
#include "tls_access.h"

#include <errno.h>

_Thread_local int thread_tag;

__attribute__((noinline)) int *tls_errno(void)
{
    __asm__ volatile("" ::: "memory");
    return &errno;
}

__attribute__((noinline)) int *tls_tag(void)
{
    __asm__ volatile("" ::: "memory");
    return &thread_tag;
}
