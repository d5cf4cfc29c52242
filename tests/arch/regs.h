/* SPDX-License-Identifier: MIT */
/* Helpers in assembly (regs_x86_64.S, regs_aarch64.S) that let the tests
 * put known values in every callee-saved register around context switches,
 * read the floating-point control registers, and see the stack pointer a
 * function receives. */
#ifndef COGEN_TEST_REGS_H
#define COGEN_TEST_REGS_H

#include <stdint.h>

#if defined(__x86_64__)
/* rbx, rbp, r12, r13, r14, r15 */
#define REGS_N 6
/* At function entry the return address has just been pushed. */
#define REGS_ENTRY_SP_MOD 8u
#elif defined(__aarch64__)
/* x19..x28, x29 (frame pointer), d8..d15 */
#define REGS_N 19
#define REGS_ENTRY_SP_MOD 0u
#else
#error "no register helpers for this architecture"
#endif

/* Indices of the two stack-pointer readings regs_call stores in `after`. */
#define REGS_SP_BEFORE REGS_N
#define REGS_SP_AFTER (REGS_N + 1)
#define REGS_AFTER_N (REGS_N + 2)

/* Loads the callee-saved registers with vals[0..REGS_N-1], calls fn(arg),
 * then stores what the registers hold after fn returned in after[0..REGS_N-1],
 * and the stack pointer just before and just after the call in
 * after[REGS_SP_BEFORE] and after[REGS_SP_AFTER]. Preserves the registers
 * for its own caller. */
void regs_call(const uint64_t *vals, uint64_t *after, void (*fn)(void *), void *arg);

/* Loads the registers with vals, calls cogen__ctx_jump(from, to, 0)
 * directly (no C code in between that could save registers itself), and when
 * switched back stores the registers and stack pointers in `after` as
 * regs_call does. */
void regs_switch(const uint64_t *vals, uint64_t *after, void *from, void *to);

/* The same, calling cogen__ctx_jump_out(from, to, 0, regs_publish.at,
 * regs_publish.word): the switch that also publishes a word. */
struct regs_publish {
    void *at;
    uint64_t word;
};
extern struct regs_publish regs_publish;
void regs_switch_out(const uint64_t *vals, uint64_t *after, void *from, void *to);

/* The same, calling cogen__ctx_start(from, to, regs_fresh.body,
 * regs_fresh.g, regs_fresh.arg, regs_fresh.end) to start a fresh `to`. */
struct cogen;
struct regs_fresh {
    void *(*body)(struct cogen *g, void *arg);
    struct cogen *g;
    void *arg;
    void (*end)(struct cogen *g, void *result);
};
extern struct regs_fresh regs_fresh;
void regs_start(const uint64_t *vals, uint64_t *after, void *from, void *to);

/* The stack pointer at this function's entry. Called from C, it tells the
 * caller's stack alignment: (sp % 16) == REGS_ENTRY_SP_MOD when the caller's
 * frame is aligned as the ABI requires. */
uintptr_t regs_entry_sp(void);

/* A generator body that records the stack pointer it was entered with in
 * regs_body_entry_sp and then jumps to regs_body_probe_next(self, arg),
 * which the test sets. */
struct cogen;
void *regs_body_probe(struct cogen *self, void *arg);
extern void *(*regs_body_probe_next)(struct cogen *self, void *arg);
extern uintptr_t regs_body_entry_sp;

/* Floating-point control registers. */
#if defined(__x86_64__)
unsigned regs_get_mxcsr(void);
void regs_set_mxcsr(unsigned v);
unsigned regs_get_x87cw(void);
void regs_set_x87cw(unsigned v);
#elif defined(__aarch64__)
uint64_t regs_get_fpcr(void);
void regs_set_fpcr(uint64_t v);
#endif

#endif
