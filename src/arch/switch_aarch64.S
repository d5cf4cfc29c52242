/* SPDX-License-Identifier: MIT */
/*
 * Context switch for AArch64 (AAPCS64).
 *
 * Saves what a called function must preserve: x19-x28, the frame pointer
 * x29, the link register x30, sp, and the low halves d8-d15 of v8-v15.
 * Resumes with `br x30` rather than `ret`, so that the return-address
 * predictor is not consulted for a return that is not one (see the x86-64
 * file). FPCR is not saved here (see context.h and docs/design.md).
 *
 * Branch protection (-mbranch-protection=bti / standard): with BTI, an
 * indirect `br` may only land on a BTI instruction, and the return
 * addresses this switch jumps to follow `bl` instructions in C code, which
 * carry none; `ret` is exempt. So BTI builds resume with `ret`, the
 * entry points start with `bti c`, and the file says in its GNU property
 * note that it is BTI (and PAC) compatible, so that the linker keeps BTI
 * on for the library (without the note, one unmarked object turns it off
 * for the whole output). Nothing here signs return addresses: the saved
 * x30 is the one our caller's `bl` made, and callers built with pac-ret
 * authenticate their own.
 */
#if defined(__ARM_FEATURE_BTI_DEFAULT) && __ARM_FEATURE_BTI_DEFAULT
#define BTI_C bti c
#define RESUME ret
#define FEATURE_BTI 1
#else
#define BTI_C
#define RESUME br x30
#define FEATURE_BTI 0
#endif
#if defined(__ARM_FEATURE_PAC_DEFAULT) && __ARM_FEATURE_PAC_DEFAULT
#define FEATURE_PAC 2
#else
#define FEATURE_PAC 0
#endif

    .text

/*
 * int cogen__ctx_jump(cogen_ctx *from (x0), cogen_ctx *to (x1), int ret (w2))
 * int cogen__ctx_jump_out(cogen_ctx *from (x0), cogen_ctx *to (x1), int ret (w2),
 *                         void *publish (x3), uint64_t word (x4))
 *
 * The switch, made to end a call on both sides (see the x86-64 file):
 * `ret` is returned by the switch `to` is parked in, and (out only)
 * `word` is stored into *publish with release order once from's context
 * is saved. One frame for every switch (debug.c describes it).
 */
/* Saves the running context: what a called function must preserve, in a
 * 160-byte frame below its stack pointer, which goes into *from (x0). */
/* Undoes SAVE on the stack now in use. */
.macro RESUME_SAVED
    ldp     x19, x20, [sp, #0]
    ldp     x21, x22, [sp, #16]
    ldp     x23, x24, [sp, #32]
    ldp     x25, x26, [sp, #48]
    ldp     x27, x28, [sp, #64]
    ldp     x29, x30, [sp, #80]
    ldp     d8, d9, [sp, #96]
    ldp     d10, d11, [sp, #112]
    ldp     d12, d13, [sp, #128]
    ldp     d14, d15, [sp, #144]
    add     sp, sp, #160
    RESUME
.endm

.macro SAVE
    sub     sp, sp, #160
    stp     x19, x20, [sp, #0]
    stp     x21, x22, [sp, #16]
    stp     x23, x24, [sp, #32]
    stp     x25, x26, [sp, #48]
    stp     x27, x28, [sp, #64]
    stp     x29, x30, [sp, #80]
    stp     d8, d9, [sp, #96]
    stp     d10, d11, [sp, #112]
    stp     d12, d13, [sp, #128]
    stp     d14, d15, [sp, #144]
    mov     x9, sp
    str     x9, [x0]
.endm

    .globl  cogen__ctx_jump
    .hidden cogen__ctx_jump
    .type   cogen__ctx_jump, %function
    .p2align 4
cogen__ctx_jump:
    .cfi_startproc
    BTI_C
    SAVE
    ldr     x9, [x1]
    mov     sp, x9
    mov     w0, w2
    RESUME_SAVED
    .cfi_endproc
    .size   cogen__ctx_jump, .-cogen__ctx_jump

    .globl  cogen__ctx_jump_out
    .hidden cogen__ctx_jump_out
    .type   cogen__ctx_jump_out, %function
    .p2align 4
cogen__ctx_jump_out:
    .cfi_startproc
    BTI_C
    SAVE
    ldr     x9, [x1]
    mov     sp, x9
    stlr    x4, [x3]
    mov     w0, w2
    RESUME_SAVED
    .cfi_endproc
    .size   cogen__ctx_jump_out, .-cogen__ctx_jump_out

/*
 * int cogen__ctx_exit(cogen_ctx *to (x0), int ret (w1), void *publish (x2),
 *                     uint64_t word (x3))
 *
 * The last switch out of a context that never runs again (a body that
 * ended): nothing of it is saved. `to`'s stack pointer is read before
 * `word` is stored: once it is, the stack left may be reused at once.
 */
    .globl  cogen__ctx_exit
    .hidden cogen__ctx_exit
    .type   cogen__ctx_exit, %function
    .p2align 4
cogen__ctx_exit:
    .cfi_startproc
    BTI_C
    ldr     x9, [x0]
    mov     sp, x9
    stlr    x3, [x2]
    mov     w0, w1
    RESUME_SAVED
    .cfi_endproc
    .size   cogen__ctx_exit, .-cogen__ctx_exit

/*
 * int cogen__ctx_start(cogen_ctx *from (x0), cogen_ctx *to (x1), body (x2),
 *                      struct cogen *g (x3), void *arg (x4), end (x5))
 *
 * Saves the running context as the switch does (the same frame) and
 * starts `to`, whose saved stack pointer is still the top of its stack
 * (cogen__ctx_init): the body, its generator, its argument and the end go
 * into x19-x22, where the trampoline finds them. Nothing is read from the
 * new stack.
 */
    .globl  cogen__ctx_start
    .hidden cogen__ctx_start
    .type   cogen__ctx_start, %function
    .p2align 4
cogen__ctx_start:
    .cfi_startproc
    BTI_C
    SAVE
    ldr     x9, [x1]
    mov     sp, x9
    mov     x19, x2
    mov     x20, x3
    mov     x21, x4
    mov     x22, x5
    mov     x29, xzr            /* ends frame-pointer walks */
    mov     x30, xzr
    b       cogen__ctx_trampoline
    .cfi_endproc
    .size   cogen__ctx_start, .-cogen__ctx_start

/* First code on a fresh stack: the body in x19, its generator in x20, its
 * argument in x21, the end in x22, all callee-saved, so they are still
 * there when the body returns. The end is reached by a branch, not a call
 * that would never return (see the x86-64 file), through x16, which a
 * `bti c` landing pad accepts from `br`; x30 still holds the body's return
 * address. The end must not return. Reached by a direct branch, which
 * needs no landing pad. */
    .type   cogen__ctx_trampoline, %function
    .p2align 4
cogen__ctx_trampoline:
    .cfi_startproc
    .cfi_undefined x30
    mov     x0, x20
    mov     x1, x21
    blr     x19
    mov     x1, x0
    mov     x0, x20
    mov     x16, x22
    br      x16
    .cfi_endproc
    .size   cogen__ctx_trampoline, .-cogen__ctx_trampoline

    .section .note.GNU-stack,"",@progbits

#if FEATURE_BTI || FEATURE_PAC
/* GNU_PROPERTY_AARCH64_FEATURE_1_AND: what this object is compatible with. */
    .pushsection .note.gnu.property, "a"
    .p2align 3
    .word   4                       /* name size ("GNU\0") */
    .word   16                      /* descriptor size */
    .word   5                       /* NT_GNU_PROPERTY_TYPE_0 */
    .asciz  "GNU"
    .word   0xc0000000              /* GNU_PROPERTY_AARCH64_FEATURE_1_AND */
    .word   4                       /* data size */
    .word   FEATURE_BTI | FEATURE_PAC
    .word   0                       /* padding to 8 bytes */
    .popsection
#endif
