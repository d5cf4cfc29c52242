/* SPDX-License-Identifier: MIT */
/*
 * Error buffers shared by every layer, and cogen_strerror, which describes
 * the codes of every layer from the one table in <cogen/errors.h>.
 */
#include "shared.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Errors carry short strings: a byte loop copies them in less time than
 * strlen and memmove take to be called, and keeps the setters below leaf
 * functions. Backwards when dst overlaps the end of src. */
static inline void copy_short(char *dst, size_t cap, const char *src)
{
    uintptr_t d = (uintptr_t)dst, s = (uintptr_t)src;
    size_t n = 0;
    if (COGEN_LIKELY(d <= s || d - s >= cap)) {
        for (; n + 1 < cap && src[n]; n++)
            dst[n] = src[n];
    } else {
        while (n + 1 < cap && src[n])
            n++;
        for (size_t i = n; i-- > 0;)
            dst[i] = src[i];
    }
    dst[n] = '\0';
}

void cogen__copy_str(char *dst, size_t cap, const char *src)
{
    copy_short(dst, cap, src);
}

void cogen__errbuf_clear(cogen__errbuf *b)
{
    b->msg[0] = '\0';
    b->where[0] = '\0';
    b->err = (cogen_err){0, b->msg, b->where};
}

/* The message of fmt when it needs no formatting (no conversion, or just
 * "%s"), else NULL. Throws and closes pass such formats: copying is a
 * tenth of the cost of vsnprintf. */
static const char *plain_message(const char *fmt, va_list ap)
{
    const char *s = NULL;
    if (fmt[0] == '%' && fmt[1] == 's' && fmt[2] == '\0') {
        va_list cp;
        va_copy(cp, ap);
        s = va_arg(cp, const char *); // NOLINT(clang-analyzer-valist.Uninitialized)
        va_end(cp);
        return s ? s : "(null)";
    }
    return strchr(fmt, '%') ? NULL : fmt;
}

void cogen__errbuf_set_str(cogen__errbuf *b, int code, const char *where, const char *msg)
{
    copy_short(b->msg, sizeof b->msg, msg); /* overlap-safe: msg may be b->msg */
    copy_short(b->where, sizeof b->where, where);
    b->err = (cogen_err){code, b->msg, b->where};
}

void cogen__errbuf_setv(cogen__errbuf *b, int code, const char *where, const char *fmt, va_list ap)
{
    char msg[COGEN__MSG_CAP];
    const char *plain = plain_message(fmt, ap);
    if (plain) {
        cogen__errbuf_set_str(b, code, where, plain);
        return;
    }
    /* clang-analyzer loses track of va_start across the callers' opaque asm */
    (void)vsnprintf(msg, sizeof msg, fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized)
    memcpy(b->msg, msg, sizeof msg);
    copy_short(b->where, sizeof b->where, where);
    b->err = (cogen_err){code, b->msg, b->where};
}

void cogen__errbuf_set(cogen__errbuf *b, int code, const char *where, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cogen__errbuf_setv(b, code, where, fmt, ap);
    va_end(ap);
}

void cogen__errbuf_copy(cogen__errbuf *b, const cogen_err *src)
{
    if (&b->err == src)
        return;
    cogen__copy_str(b->msg, sizeof b->msg, src->msg);
    cogen__copy_str(b->where, sizeof b->where, src->where);
    b->err = (cogen_err){src->code, b->msg, b->where};
}

#define DESCRIBE(layer, name, value, msg)                                                          \
    case COGEN_##name: return msg;

const char *cogen_strerror(int code)
{
    switch (code) {
        COGEN_ERRNO_MAP(DESCRIBE)
    case COGEN_ERROR: return "error";
    case COGEN_YIELDED: return "yielded";
    case COGEN_RETURNED: return "returned";
    case COGEN_SENT: return "sent";
    case COGEN_THROWN: return "thrown";
    case COGEN_EXIT: return "exit";
    default: return code > 0 ? "user error" : "unknown error";
    }
}
