/* SPDX-License-Identifier: MIT */
/*
 * The one primitive everything else is built on: save the running context,
 * resume another. Implemented once per architecture/ABI in this folder
 * (switch_x86_64_sysv.S, switch_aarch64.S) and once portably with
 * ucontext (switch_ucontext.c); CMake picks one (COGEN_SWITCH).
 *
 * A switch saves exactly what the ABI says a called function must preserve
 * (callee-saved integer registers, stack pointer, return address and, on
 * AArch64, d8-d15). The floating-point control state is not switched: it
 * belongs to the thread unless a generator asks for its own (COGEN_FPENV,
 * handled in C in src/core/protocol.c).
 */
#ifndef COGEN_ARCH_CONTEXT_H
#define COGEN_ARCH_CONTEXT_H

#include <stddef.h>

#ifdef COGEN_SWITCH_UCONTEXT
#include <fenv.h>
#include <ucontext.h>
typedef struct cogen_ctx {
    /* Where the context is saved: in the frame of the switch that saved
     * it (so that a cogen_ctx can be copied: a ucontext_t cannot, glibc's
     * points into itself), or at the top of its stack for a fresh one. */
    ucontext_t *uc;
    void (*entry)(void *);
    void *arg;
} cogen_ctx;
#else
typedef struct cogen_ctx {
    void *sp; /* saved stack pointer; the registers are pushed below it */
} cogen_ctx;
#endif

/* Prepares `ctx` so that the first switch to it calls entry(arg) on the
 * stack [lo, hi). `hi` must be 16-byte aligned. entry must never return. */
void cogen__ctx_init(cogen_ctx *ctx, char *lo, char *hi, void (*entry)(void *), void *arg);

/* Saves the running context into `from` and resumes `to`; returns when
 * someone switches back to `from`. It is made to end a call on both
 * sides: `ret` becomes the return value of the cogen__ctx_jump that `to` is parked in (a fresh
 * context ignores it), and `state` is stored into *publish (unless NULL), with release order, once
 * from's context is saved and nothing runs on its stack any more. So neither side has work left
 * after its switch, and both reach it by a tail call: no `ret` runs whose prediction the switch has
 * made wrong. */
int cogen__ctx_jump(cogen_ctx *from, cogen_ctx *to, int ret, _Atomic int *publish, int state);

#endif
