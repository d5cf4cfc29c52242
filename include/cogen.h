/* SPDX-License-Identifier: MIT */
/*
 * cogen: Python's generator-based coroutines (PEP 342 / PEP 380) in C.
 *
 * A generator is a function body running on its own stack. It both
 * produces values (cogen_yield hands one to whoever resumed it) and
 * consumes them (cogen_yield returns what the next cogen_send brought in),
 * like Python's single YIELD_VALUE opcode. It can be thrown into
 * (cogen_throw), closed with cleanup (cogen_close delivers EXIT, Python's
 * GeneratorExit) and can delegate to a sub-generator (cogen_yield_from,
 * PEP 380's "yield from").
 *
 * Conventions used by every function below:
 *  - A library error code is negative (COGEN_E*); user error codes are
 *    positive. Zero is not a valid error code.
 *  - Functions that resume a generator return COGEN_YIELDED, COGEN_RETURNED
 *    or COGEN_ERROR. On COGEN_ERROR, cogen_last_error(g) tells what
 *    happened; when g itself is NULL, errno is set to EINVAL instead.
 *  - Misuse (wrong state, wrong thread of control, NULL arguments) is
 *    reported as an error and never crashes; the only exceptions are the
 *    two _Noreturn functions, which cannot return to report anything and
 *    abort with a diagnostic when called outside their generator's body.
 *  - Values are opaque `void *`: cogen never dereferences, copies or frees
 *    them. Who owns what a pointer points to is the user's protocol.
 *  - Threads: a suspended generator may be resumed from any thread, one at
 *    a time; concurrent calls on one generator get COGEN_EBUSY. No function
 *    is async-signal-safe. See docs/threads.md.
 */
#ifndef COGEN_H
#define COGEN_H

#include <stddef.h>

#include <cogen/errors.h>

#ifdef __cplusplus
extern "C" {
#endif

/* On every function of the API: exported from libcogen.so and, where the
 * compiler has GCC's `noplt`, called through the GOT instead of a PLT
 * stub, as -fno-plt would do for these functions only (a shared library's
 * round trip 8 % faster, BENCHMARKS.md); a static link turns
 * such calls back into direct ones. Defining COGEN_STATIC drops both. */
#if defined(__GNUC__) && !defined(COGEN_STATIC)
#if defined(__has_attribute)
#if __has_attribute(noplt)
#define COGEN_API __attribute__((visibility("default"), noplt))
#endif
#endif
#ifndef COGEN_API
#define COGEN_API __attribute__((visibility("default")))
#endif
#else
#define COGEN_API
#endif

#if defined(__GNUC__)
#define COGEN_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define COGEN_PRINTF(f, a)
#endif

/* "Does not return", spelt so that it is accepted first in a declaration
 * by C99 (-pedantic), C11 and later, and C++ (g++ and clang++ refuse a
 * [[noreturn]] placed after another attribute). */
#if defined(__GNUC__)
#define COGEN_NORETURN __attribute__((noreturn))
#elif defined(__cplusplus)
#define COGEN_NORETURN [[noreturn]]
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define COGEN_NORETURN _Noreturn
#else
#define COGEN_NORETURN
#endif

/** The version of the headers: major.minor.patch. Releases with the same
 *  major and minor are ABI compatible; a new minor may add to the API. */
#define COGEN_VERSION_MAJOR 0
#define COGEN_VERSION_MINOR 1
#define COGEN_VERSION_PATCH 0
/** The version as one number, MAJOR * 10000 + MINOR * 100 + PATCH, for
 *  `#if COGEN_VERSION >= 100` tests. */
#define COGEN_VERSION                                                                              \
    (COGEN_VERSION_MAJOR * 10000 + COGEN_VERSION_MINOR * 100 + COGEN_VERSION_PATCH)
/** The version as a string, e.g. "0.1.0". */
#define COGEN_VERSION_STRING "0.1.0"

/** A generator-coroutine. Opaque; created by cogen_new, freed by cogen_free. */
typedef struct cogen cogen;

/**
 * A generator's body. `self` is the generator running it, `arg` the pointer
 * given to cogen_new. Returning ends the body: the return value becomes the
 * generator's return value (reported once by the resume that ended it).
 */
typedef void *(*cogen_fn)(cogen *self, void *arg);

/**
 * An error: a code (positive: the user's; negative: COGEN_E*), a message
 * (never NULL) and where it came from (the name of the generator whose
 * body raised it, or that the library call was made on; never NULL).
 * Both strings are owned by the generator the error is attached to and
 * stay valid until the next operation on that generator or its free.
 */
typedef struct cogen_err {
    int code;
    const char *msg;
    const char *where;
} cogen_err;

/** Creation options; a zeroed struct (or NULL) means defaults. */
typedef struct cogen_opts {
    /** Usable stack size in bytes; 0 means COGEN_STACK_DEFAULT. Rounded up
     *  to whole pages, at least COGEN_STACK_MIN. Memory is committed only as
     *  the body touches it, so generous sizes cost address space, not RAM.
     *  Below the stack is a 16 KiB guard: a body that runs into it is
     *  reported and the process aborts. A single frame bigger than the guard
     *  (a large local array) can jump over it into other memory unless the
     *  code is compiled with -fstack-clash-protection (cogen builds itself
     *  with it where the compiler has it; Debian's gcc does not enable it by
     *  default): build bodies with big frames with that flag, or keep such
     *  arrays off the stack. See docs/design.md, "Stack overflow". */
    size_t stack_size;
    /** Name used in errors and diagnostics; copied (truncated to 47 bytes).
     *  NULL means the name "cogen". */
    const char *name;
    /** Bitwise OR of COGEN_PRIMED, COGEN_FPENV, COGEN_OVERFLOW_ERROR. */
    unsigned flags;
} cogen_opts;

/** Flag: run the body to its first yield on creation (Beazley's `@coroutine`
 *  decorator). The value of that first yield is discarded. */
#define COGEN_PRIMED 0x1u
/** Flag: give this generator its own floating-point environment (x87
 *  control word and MXCSR control bits on x86-64, FPCR on AArch64).
 *  Without it the floating-point control state belongs to the thread, and a
 *  body that changes the rounding mode changes it for its resumer too.
 *  See docs/design.md, "Floating-point environment". */
#define COGEN_FPENV 0x2u
/** Flag: a stack overflow of this generator's body is an error of the
 *  resume that ran it, not the end of the process. The resume returns
 *  COGEN_ERROR with COGEN_ESTACK (or, if the body was a sub reached
 *  through a delegator, that delegator's cogen_yield_from does); the
 *  generator is COGEN_CLOSED; its cleanups do NOT run (they would run on
 *  the stack that overflowed); its stack is never reused (its memory is
 *  given back at cogen_free). What it cannot undo: whatever the body held
 *  when it overflowed stays held: a lock (the next locker deadlocks), a
 *  half-done malloc or stdio call (their state may be corrupt), memory it
 *  allocated. Use it for bodies that run code you control (recursive
 *  parsers of untrusted input), not for bodies that may overflow inside
 *  the C library. Without it (the default), an overflow is reported and
 *  the process aborts. See docs/design.md, "Stack overflow". */
#define COGEN_OVERFLOW_ERROR 0x4u

/** Default usable stack size: 128 KiB of address space, committed lazily. */
#define COGEN_STACK_DEFAULT ((size_t)128 * 1024)
/** Smallest stack size accepted (smaller requests are rounded up). */
#define COGEN_STACK_MIN ((size_t)16 * 1024)

/* Results of cogen_send, cogen_next, cogen_throw, cogen_yield_from; the
 * outcomes of cogen_yield; the states of cogen_getstate (below) and the
 * error codes (<cogen/errors.h>) all have distinct values. Note COGEN_EXIT
 * (an outcome of cogen_yield: "you are being closed") is not COGEN_EEXIT
 * (the error code of that EXIT, in cogen_last_error). */
#define COGEN_ERROR (-1) /**< failed: see cogen_last_error */
#define COGEN_YIELDED 1  /**< the body is suspended at a yield; *out = yielded value */
#define COGEN_RETURNED 2 /**< the body has ended (now or before) */
/* Results of cogen_yield (and COGEN_EXIT from cogen_yield_from). */
#define COGEN_SENT 3   /**< resumed by send/next; *received = the value sent */
#define COGEN_THROWN 4 /**< an error was thrown in: see cogen_last_error(self) */
#define COGEN_EXIT 5   /**< the generator is being closed: clean up and return */

/* The library's error codes (COGEN_EEXIT, COGEN_EBUSY, ...; always negative,
 * distinct from the result values above, so that mixing the two up is
 * caught) are in one table shared by every layer. */

/**
 * Creates a generator that will run fn(g, arg) on its own stack.
 * No body code runs unless opts->flags has COGEN_PRIMED, in which case the
 * body runs to its first yield before cogen_new returns.
 *
 * Returns the generator (state COGEN_CREATED, or COGEN_SUSPENDED when
 * primed), owned by the caller until cogen_free. Returns NULL and sets
 * errno on failure:
 *   EINVAL    fn is NULL, or opts has unknown flags or a stack size too big;
 *   ENOMEM    no memory for the stack or control block;
 *   ECANCELED (COGEN_PRIMED only) the body ended before its first yield;
 *             if it raised, the error was reported through the
 *             unraisable-error hook (cogen_set_unraisable_hook). The
 *             generator has been freed.
 */
COGEN_API cogen *cogen_new(cogen_fn fn, void *arg, const cogen_opts *opts);

/**
 * Resumes g with `value`: the yield g is paused at returns COGEN_SENT with
 * *received == value, and g runs to its next yield or to its end. If g is
 * delegating (cogen_yield_from), the value goes straight to the innermost
 * sub-generator, at a cost independent of the depth of the chain.
 *
 * Returns:
 *   COGEN_YIELDED  *out = the value yielded; g is COGEN_SUSPENDED.
 *   COGEN_RETURNED the body has ended: *out = its return value if it ended
 *                  during this call or has never reported it, NULL after.
 *   COGEN_ERROR    cogen_last_error(g) has the code:
 *     a body error  the body raised (cogen_raise); g is now COGEN_CLOSED;
 *     COGEN_EFRESH  g is COGEN_CREATED and value != NULL: nothing ran and g
 *                   is unchanged (send NULL first, or use cogen_next);
 *     COGEN_EBUSY   g is running (this is a call from its own body, from a
 *                   generator it resumed, or from another thread): g is
 *                   unchanged;
 *     (g == NULL: errno = EINVAL.)
 * `out` may be NULL; it is set on every non-error return.
 */
COGEN_API int cogen_send(cogen *g, void *value, void **out);

/** Same as cogen_send(g, NULL, out). */
COGEN_API int cogen_next(cogen *g, void **out);

/**
 * Raises the error {code, msg} at the yield g is paused at: that yield
 * returns COGEN_THROWN and cogen_last_error(self) in the body is the error.
 * `code` must be non-zero; `msg` may be NULL (then "thrown"); it is copied
 * (cut to 255 bytes) before the body runs.
 * The results are those of cogen_send, with these cases:
 *   g COGEN_CREATED: no body code runs, g becomes COGEN_CLOSED and the
 *     thrown error comes back (COGEN_ERROR).
 *   g COGEN_CLOSED: the thrown error comes back at once.
 *   the body re-raises or raises: COGEN_ERROR with that error, g CLOSED.
 *   code == COGEN_EEXIT: behaves like cogen_close without its filtering: the
 *     yield reports COGEN_EXIT (a delegating g closes its sub first); if the
 *     body yields v, COGEN_YIELDED with v; if the body re-raises EXIT
 *     (cogen_reraise), COGEN_ERROR with code COGEN_EEXIT; if it returns r
 *     (Python: caught GeneratorExit and returned), COGEN_RETURNED with r.
 *   code == 0: COGEN_ERROR with COGEN_EINVAL, g unchanged.
 *   g running: COGEN_ERROR with COGEN_EBUSY, g unchanged.
 */
COGEN_API int cogen_throw(cogen *g, int code, const char *msg, void **out);

/**
 * Closes g. COGEN_CREATED: becomes COGEN_CLOSED without running any code
 * (not even deferred cleanups, as none was registered). COGEN_CLOSED:
 * nothing happens. COGEN_SUSPENDED: the paused yield returns COGEN_EXIT; if
 * g delegates, its sub-generator is closed first. The body should clean up
 * and return (or raise COGEN_EEXIT); its cleanups run innermost first.
 *
 * Returns 0 on success (g is COGEN_CLOSED), or COGEN_ERROR with
 * cogen_last_error(g):
 *   COGEN_EIGNORED the body yielded again: the value is discarded and g
 *                  stays COGEN_SUSPENDED at that new yield (a second close
 *                  delivers EXIT there again);
 *   a body error   the body raised another error while closing: g CLOSED;
 *   COGEN_EBUSY    g is running: g unchanged;
 *   (g == NULL: errno = EINVAL.)
 */
COGEN_API int cogen_close(cogen *g);

/**
 * Frees g and everything the library allocated for it. A COGEN_SUSPENDED
 * generator is closed first (its cleanups run); an error from that close
 * is passed to the unraisable-error hook, never lost silently. If the body
 * ignores EXIT, the hook is told (COGEN_EIGNORED), the cleanups it has
 * registered with cogen_defer are run anyway (from the caller's stack), and
 * g is freed. COGEN_CREATED and COGEN_CLOSED generators are freed without
 * running code. Freeing a running generator is refused: the hook is told
 * (COGEN_EBUSY) and g is left untouched. A generator delegating to g sees
 * it as ended with return value NULL. free(NULL) does nothing. Freeing g
 * a second time is reported to the hook (COGEN_EINVAL) and ignored, as long
 * as no new generator has been given g's memory since; as with free(), g
 * must not be used once freed.
 */
COGEN_API void cogen_free(cogen *g);

/* States reported by cogen_getstate. Their values differ from every
 * result above and every error code, so that comparing a state with a
 * result (cogen_getstate(g) == COGEN_RETURNED) is never true by accident. */
#define COGEN_CREATED 16   /**< made, body not started */
#define COGEN_RUNNING 17   /**< executing (or delegating to a running sub) */
#define COGEN_SUSPENDED 18 /**< paused at a yield */
#define COGEN_CLOSED 19    /**< the body has ended, or was never run */

/** g's state (one of the four above), or -1 (errno EINVAL) if g is NULL. */
COGEN_API int cogen_getstate(const cogen *g);

/**
 * The last error recorded on g: by a call on g that returned COGEN_ERROR,
 * by an error thrown into g (inside the body, after cogen_yield returned
 * COGEN_THROWN), or by a failed cogen_yield_from/cogen_defer in g's body.
 * Before any error, code is 0 and msg is "". A successful cogen_close
 * leaves it as it was before the close (the EXIT the body saw is not an
 * error). NULL only if g is NULL.
 *
 * Lifetimes. An error of g's body (raised, thrown in, or returned by a
 * failed call) is kept in g: the pointer and strings stay valid until the
 * next error on g or its free. A call refused at the call site without
 * running g (COGEN_EBUSY, COGEN_EFRESH, COGEN_EINVAL for bad arguments,
 * COGEN_EIGNORED, an error thrown into an unstarted or ended g) is kept in
 * the calling thread's own record, so that it never disturbs a thread
 * running g: on that thread, cogen_last_error(g) returns it (and the same
 * pointer) until the thread's next refused call on any generator, or the
 * next error of g's body recorded on that thread; successful calls do not
 * touch it. Copy what you need before making another call that may be
 * refused. Passing msg or where back to cogen_raise, cogen_throw or
 * cogen_yield's callers is safe: they are copied before anything changes.
 */
COGEN_API const cogen_err *cogen_last_error(const cogen *g);

/** The stack bytes g's body can use (the requested size, rounded up to a
 *  power of two, minus the control block kept at its top); 0 if g is NULL. */
COGEN_API size_t cogen_stack_size(const cogen *g);

/** g's name (as given in cogen_opts, or "cogen"); never NULL unless g is. */
COGEN_API const char *cogen_name(const cogen *g);

/* ---- Inside a body: `self` must be the generator whose body is calling. ---- */

/**
 * Suspends self, handing `value` to whoever resumed it, and returns when
 * self is resumed again:
 *   COGEN_SENT   resumed by cogen_send/cogen_next: *received = the value;
 *   COGEN_THROWN an error was thrown in: cogen_last_error(self) says what
 *                (handle it, or pass it on with cogen_reraise);
 *   COGEN_EXIT   self is being closed (Python's GeneratorExit): clean up
 *                and return, or cogen_reraise(self) to let EXIT propagate
 *                (cogen_last_error(self) is {COGEN_EEXIT, ...}); both count
 *                as a clean close. A body that yields again makes
 *                cogen_close fail with COGEN_EIGNORED.
 * *received is set to NULL for THROWN and EXIT. `received` may be NULL.
 * Returns COGEN_ERROR with errno EINVAL, without suspending, if self is not
 * the generator running on the calling stack, or if called from a cleanup.
 */
COGEN_API int cogen_yield(cogen *self, void *value, void **received);

/**
 * Ends self's body with the error {code, printf(fmt, ...)}: deferred
 * cleanups run (innermost first), self becomes COGEN_CLOSED and the resume
 * call that ran self returns COGEN_ERROR with this error, `where` being
 * self's name. May be called from any function the body calls. Raising
 * COGEN_EEXIT while being closed counts as a clean close. A code of 0 is
 * turned into COGEN_EINVAL. Called outside self's body: aborts with a
 * diagnostic (it cannot return).
 */
COGEN_NORETURN COGEN_API void cogen_raise(cogen *self, int code, const char *fmt, ...)
    COGEN_PRINTF(3, 4);

/** Ends self's body with its last error (cogen_last_error(self)) as is,
 *  keeping its `where`: the way to pass on a thrown error or one returned
 *  by cogen_yield_from. Same rules as cogen_raise. */
COGEN_NORETURN COGEN_API void cogen_reraise(cogen *self);

/** Ends self's body with `err` as is (code, message and `where` copied
 *  before anything runs): the way to pass on an error that came from
 *  another generator, e.g. cogen_raise_error(self, cogen_last_error(t))
 *  after a cogen_send(t, ...) failed, keeping t's name as its origin. A
 *  code of 0 (or err NULL) is turned into COGEN_EINVAL. Same rules as
 *  cogen_raise. */
COGEN_NORETURN COGEN_API void cogen_raise_error(cogen *self, const cogen_err *err);

/**
 * Python's `x = (yield value)` for a consumer: suspends self handing out
 * `value` and returns the value the next cogen_send brings (NULL for
 * cogen_next). If self is closed instead, it ends the body as EXIT
 * propagating (cleanups run; the close succeeds); if an error is thrown
 * in, it ends the body with that error, re-raised as is (cleanups run;
 * the throw returns it). So nested `for (;;) { x = cogen_receive(self,
 * NULL); ... }` loops need no EXIT handling and close cleanly, as the
 * course's `while True: x = (yield)` loops do. Called outside self's body:
 * aborts with a diagnostic, as cogen_raise does; called from a cleanup (no
 * yields allowed there): ends the body with COGEN_EINVAL.
 */
COGEN_API void *cogen_receive(cogen *self, void *value);

/**
 * For a body that sends to another generator (a stage to its target):
 * cogen_send(target, value, out), except that when the target fails
 * (COGEN_ERROR: it raised, or the send was refused) self's body ends with
 * the target's error as is, its code, message and `where` (the target's
 * name), as cogen_raise_error does. Returns COGEN_YIELDED or
 * COGEN_RETURNED as cogen_send does, with *out set the same way (`out` may
 * be NULL). Called outside self's body: aborts with a diagnostic.
 */
COGEN_API int cogen_send_or_raise(cogen *self, cogen *target, void *value, void **out);

/** Ends self's body as if its function returned `value`; callable from any
 *  function the body calls. Same rules as cogen_raise. */
COGEN_NORETURN COGEN_API void cogen_return(cogen *self, void *value);

/**
 * Registers fn(arg) to run when self's body ends, however it ends (return,
 * cogen_return, raise, close, or cogen_free); cleanups run last-registered
 * first, on the body's stack (except in the free-after-ignored-exit case).
 * Returns 0, or COGEN_ERROR with cogen_last_error(self) COGEN_ENOMEM (fn is
 * not registered: run it yourself) or COGEN_EINVAL (fn NULL, or self is not
 * the running generator on this stack; then with errno EINVAL).
 *
 * Unlike Python's try/finally, a cleanup runs after the function that
 * registered it has returned if the body ends with a plain `return`: `arg`
 * must not point to a local variable of the body's function (or of any
 * function that has returned by then). cogen_raise, cogen_return and
 * cogen_reraise, and every EXIT or error delivered at a yield, run the
 * cleanups while every frame of the body is still live, so a body that
 * registers cleanups of its locals ends with cogen_return(self, value)
 * rather than `return value`. A body that returns with a cleanup whose arg
 * points into its stack's returned frames does not run that cleanup: the
 * resume that ran it returns COGEN_ERROR with COGEN_EINVAL (the other
 * cleanups run). Under AddressSanitizer with detect_stack_use_after_return
 * such locals live elsewhere and ASan reports the use instead.
 */
COGEN_API int cogen_defer(cogen *self, void (*fn)(void *), void *arg);

/**
 * Delegates to `sub` until it ends (PEP 380 "yield from"): primes sub (a
 * send of NULL), hands everything sub yields to self's resumer, forwards
 * sends and throws on self to sub (straight to the innermost generator of
 * a chain, in constant time), and closes sub first when self is closed.
 * The caller keeps ownership of sub. Returns:
 *   COGEN_RETURNED sub ended: *result = its return value (NULL if it had
 *                  already reported it, e.g. sub was already closed);
 *   COGEN_ERROR    sub raised, or was thrown into and did not handle it:
 *                  cogen_last_error(self) is that error (with sub's
 *                  `where`); or misuse: COGEN_EINVAL (sub NULL or self, or
 *                  already being delegated to), COGEN_EBUSY (sub running);
 *   COGEN_EXIT     self is being closed: sub has been closed first. Clean
 *                  up and return. If closing sub failed, COGEN_ERROR is
 *                  returned instead with the error of that close.
 * `result` may be NULL. Returns COGEN_ERROR with errno EINVAL without doing
 * anything if self is not the generator running on the calling stack.
 * While sub (or a generator below it) runs, self and every generator
 * delegating to it report COGEN_RUNNING, even when sub was resumed
 * directly rather than through self: resuming, throwing into or closing
 * self then is refused with COGEN_EBUSY at the call (CPython would resume
 * self and raise "already executing" inside its yield from).
 */
COGEN_API int cogen_yield_from(cogen *self, cogen *sub, void **result);

/** The generator whose body is running on this thread (the innermost, if
 *  generators resume each other), or NULL on a thread's own stack. */
COGEN_API cogen *cogen_current(void);

/**
 * Receives errors that cannot be returned to anyone: a failed close during
 * cogen_free, a primed body that raised before its first yield, freeing a
 * running generator. `g` is the generator concerned (do not resume or free
 * it from the hook). The default hook prints one line on stderr:
 *   cogen: error ignored in generator 'NAME' (CONTEXT): MSG (code N)
 * Passing NULL restores the default. Returns the previous hook. Global;
 * set it before starting threads.
 */
typedef void (*cogen_unraisable_fn)(const cogen *g, const char *context, const cogen_err *err);
COGEN_API cogen_unraisable_fn cogen_set_unraisable_hook(cogen_unraisable_fn fn);

/** A static description of a status or error code, e.g. "already executing". */
COGEN_API const char *cogen_strerror(int code);

/**
 * The version of the library actually linked, as COGEN_VERSION computes it
 * (MAJOR * 10000 + MINOR * 100 + PATCH). Compare it with COGEN_VERSION, the
 * version of the headers compiled against, to catch a program run with an
 * older shared library than it was built for.
 */
COGEN_API int cogen_version(void);

/** The linked library's version as a static string, e.g. "0.1.0". */
COGEN_API const char *cogen_version_string(void);

#ifdef __cplusplus
}
#endif
#endif /* COGEN_H */
