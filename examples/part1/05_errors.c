/* SPDX-License-Identifier: MIT */
/*
 * 05_errors.c: an error raised inside a coroutine comes out of send().
 *
 * The Python it mirrors:
 *
 *     @coroutine
 *     def adder():
 *         total = 0
 *         while True:
 *             text = yield
 *             total += int(text)      # ValueError for "three"
 *             print("total", total)
 *
 *     a = adder()
 *     a.send("1")                     # total 1
 *     a.send("2")                     # total 3
 *     a.send("three")                 # ValueError: invalid literal for int(): 'three'
 *     a.send("4")                     # StopIteration: the coroutine is dead
 *
 * In C the body raises with cogen_raise(self, code, fmt, ...), and may do so
 * from any function it calls, here parse_int(): each generator has a stack
 * of its own, so the raise unwinds the helper and the body together. The
 * send that was running it returns COGEN_ERROR and cogen_last_error() gives
 * the code, the message and the name of the generator it came from.
 */
#include <cogen.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

enum { VALUE_ERROR = 1 }; /* user error codes are positive */

/* Python's int(text), raising in the calling generator on bad input. */
static int parse_int(cogen *self, const char *text)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (end == text || *end != '\0' || errno == ERANGE || v < INT_MIN || v > INT_MAX)
        cogen_raise(self, VALUE_ERROR, "invalid number: '%s'", text);
    return (int)v;
}

static void *adder(cogen *self, void *arg)
{
    (void)arg;
    long total = 0;
    for (;;) {
        void *text;
        if (cogen_yield(self, NULL, &text) != COGEN_SENT)
            return NULL;
        total += parse_int(self, text);
        printf("total %ld\n", total);
    }
}

/* Sends `text` and says how it went, as the Python prompt would. */
static void send_text(cogen *a, const char *text)
{
    int rc = cogen_send(a, (void *)text, NULL);
    if (rc == COGEN_ERROR) {
        const cogen_err *e = cogen_last_error(a);
        printf("send(\"%s\"): error %d from '%s': %s\n", text, e->code, e->where, e->msg);
    } else if (rc == COGEN_RETURNED) {
        printf("send(\"%s\"): returned, the coroutine has ended\n", text);
    }
}

int main(void)
{
    cogen *a = cogen_new(adder, NULL, &(cogen_opts){.name = "adder", .flags = COGEN_PRIMED});
    if (!a) {
        perror("cogen_new");
        return EXIT_FAILURE;
    }
    send_text(a, "1");
    send_text(a, "2");
    send_text(a, "three");
    send_text(a, "4");
    int closed = cogen_getstate(a) == COGEN_CLOSED;
    cogen_free(a);
    return closed ? EXIT_SUCCESS : EXIT_FAILURE;
}
