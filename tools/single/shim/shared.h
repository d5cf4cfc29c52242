/* SPDX-License-Identifier: MIT */
/* The tests' "shared.h" when they are built against the single header:
 * the same declarations (test hooks, allocator), from the one file. */
#define COGEN_INTERNALS
#include <cogen.h>
