/* Test-only interface to failure injection (see fault.c). Linked from the
 * static library; not installed. */
#ifndef COGEN_FAULT_H
#define COGEN_FAULT_H

#if defined(__GNUC__)
#define COGEN_TEST_API __attribute__((visibility("default")))
#else
#define COGEN_TEST_API
#endif

/* Makes the (n+1)-th fallible operation from now fail (n = 0: the next
 * one), once; n < 0 disarms. */
COGEN_TEST_API void cogen__fail_after(long n);
/* How many failures were injected since the last cogen__fail_after. */
COGEN_TEST_API long cogen__fail_count(void);
/* Non-zero once stack guards have fallen back to mprotect (old kernel,
 * emulator, valgrind): each guarded stack then costs two mappings. */
COGEN_TEST_API int cogen__guards_by_mprotect(void);
/* Context switches made by the library since the program started. */
COGEN_TEST_API long cogen__switch_count(void);

#endif
