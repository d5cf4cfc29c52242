/* SPDX-License-Identifier: MIT */
/* Register helpers for the tests, AArch64 AAPCS64 (see regs.h). Built
 * with branch protection, entry points reached by `blr` start with
 * `bti c` (see src/arch/switch_aarch64.S). */
#if defined(__ARM_FEATURE_BTI_DEFAULT) && __ARM_FEATURE_BTI_DEFAULT
#define BTI_C bti c
#define FEATURE_BTI 1
#else
#define BTI_C
#define FEATURE_BTI 0
#endif
#if defined(__ARM_FEATURE_PAC_DEFAULT) && __ARM_FEATURE_PAC_DEFAULT
#define FEATURE_PAC 2
#else
#define FEATURE_PAC 0
#endif

    .text

/* void regs_call(const uint64_t *vals (x0), uint64_t *after (x1),
 *                void (*fn)(void *) (x2), void *arg (x3))
 * Frame (176 bytes): x29, x30, x19..x28, d8..d15, `after`, padding. */
    .globl  regs_call
    .type   regs_call, %function
    .p2align 4
regs_call:
    .cfi_startproc
    BTI_C
    stp     x29, x30, [sp, #-176]!
    .cfi_def_cfa_offset 176
    .cfi_offset x29, -176
    .cfi_offset x30, -168
    stp     x19, x20, [sp, #16]
    stp     x21, x22, [sp, #32]
    stp     x23, x24, [sp, #48]
    stp     x25, x26, [sp, #64]
    stp     x27, x28, [sp, #80]
    stp     d8, d9, [sp, #96]
    stp     d10, d11, [sp, #112]
    stp     d12, d13, [sp, #128]
    stp     d14, d15, [sp, #144]
    str     x1, [sp, #160]
    mov     x9, x0
    mov     x10, x2
    ldp     x19, x20, [x9, #0]
    ldp     x21, x22, [x9, #16]
    ldp     x23, x24, [x9, #32]
    ldp     x25, x26, [x9, #48]
    ldp     x27, x28, [x9, #64]
    ldr     x29, [x9, #80]
    ldp     d8, d9, [x9, #88]
    ldp     d10, d11, [x9, #104]
    ldp     d12, d13, [x9, #120]
    ldp     d14, d15, [x9, #136]
    mov     x11, sp
    str     x11, [x1, #152]
    mov     x0, x3
    blr     x10
    ldr     x9, [sp, #160]
    stp     x19, x20, [x9, #0]
    stp     x21, x22, [x9, #16]
    stp     x23, x24, [x9, #32]
    stp     x25, x26, [x9, #48]
    stp     x27, x28, [x9, #64]
    str     x29, [x9, #80]
    stp     d8, d9, [x9, #88]
    stp     d10, d11, [x9, #104]
    stp     d12, d13, [x9, #120]
    stp     d14, d15, [x9, #136]
    mov     x11, sp
    str     x11, [x9, #160]
    ldp     x19, x20, [sp, #16]
    ldp     x21, x22, [sp, #32]
    ldp     x23, x24, [sp, #48]
    ldp     x25, x26, [sp, #64]
    ldp     x27, x28, [sp, #80]
    ldp     d8, d9, [sp, #96]
    ldp     d10, d11, [sp, #112]
    ldp     d12, d13, [sp, #128]
    ldp     d14, d15, [sp, #144]
    ldp     x29, x30, [sp], #176
    .cfi_def_cfa_offset 0
    .cfi_restore x29
    .cfi_restore x30
    ret
    .cfi_endproc
    .size   regs_call, .-regs_call

/* NAME(const uint64_t *vals, uint64_t *after, void *from (x2), void *to (x3)):
 * regs_call with fn = THUNK and arg = `to`; `from` travels in x12, which
 * regs_call leaves alone. */
.macro REGS_VIA name, thunk
    .globl  \name
    .type   \name, %function
    .p2align 4
\name:
    .cfi_startproc
    BTI_C
    mov     x12, x2
    adr     x2, \thunk
    b       regs_call
    .cfi_endproc
    .size   \name, .-\name
.endm

/* void regs_switch(vals, after, from, to): calls
 * cogen__ctx_jump(from, to, 0) instead of fn(arg). */
    REGS_VIA regs_switch, regs_switch_thunk

    .type   regs_switch_thunk, %function
    .p2align 4
regs_switch_thunk:
    .cfi_startproc
    BTI_C
    mov     x1, x0
    mov     x0, x12
    mov     w2, #0              /* ret */
    b       cogen__ctx_jump
    .cfi_endproc
    .size   regs_switch_thunk, .-regs_switch_thunk

/* void regs_switch_out(vals, after, from, to): calls
 * cogen__ctx_jump_out(from, to, 0, regs_publish.at, regs_publish.word). */
    REGS_VIA regs_switch_out, regs_switch_out_thunk

    .type   regs_switch_out_thunk, %function
    .p2align 4
regs_switch_out_thunk:
    .cfi_startproc
    BTI_C
    mov     x1, x0
    mov     x0, x12
    mov     w2, #0              /* ret */
    adrp    x9, regs_publish
    add     x9, x9, :lo12:regs_publish
    ldp     x3, x4, [x9]
    b       cogen__ctx_jump_out
    .cfi_endproc
    .size   regs_switch_out_thunk, .-regs_switch_out_thunk

/* void regs_start(vals, after, from, to): calls cogen__ctx_start(from, to,
 * ...) with the body, its generator, its argument and its end taken from
 * regs_fresh. */
    REGS_VIA regs_start, regs_start_thunk

    .type   regs_start_thunk, %function
    .p2align 4
regs_start_thunk:
    .cfi_startproc
    BTI_C
    mov     x1, x0
    mov     x0, x12
    adrp    x9, regs_fresh
    add     x9, x9, :lo12:regs_fresh
    ldp     x2, x3, [x9]
    ldp     x4, x5, [x9, #16]
    b       cogen__ctx_start
    .cfi_endproc
    .size   regs_start_thunk, .-regs_start_thunk

/* uintptr_t regs_entry_sp(void) */
    .globl  regs_entry_sp
    .type   regs_entry_sp, %function
    .p2align 4
regs_entry_sp:
    .cfi_startproc
    BTI_C
    mov     x0, sp
    ret
    .cfi_endproc
    .size   regs_entry_sp, .-regs_entry_sp

/* void *regs_body_probe(cogen *self, void *arg) */
    .globl  regs_body_probe
    .type   regs_body_probe, %function
    .p2align 4
regs_body_probe:
    .cfi_startproc
    BTI_C
    mov     x9, sp
    adrp    x10, regs_body_entry_sp
    str     x9, [x10, :lo12:regs_body_entry_sp]
    adrp    x16, regs_body_probe_next
    ldr     x16, [x16, :lo12:regs_body_probe_next]
    br      x16                 /* x16: may land on a `bti c` */
    .cfi_endproc
    .size   regs_body_probe, .-regs_body_probe

/* uint64_t regs_get_fpcr(void) */
    .globl  regs_get_fpcr
    .type   regs_get_fpcr, %function
    .p2align 4
regs_get_fpcr:
    .cfi_startproc
    BTI_C
    mrs     x0, fpcr
    ret
    .cfi_endproc
    .size   regs_get_fpcr, .-regs_get_fpcr

/* void regs_set_fpcr(uint64_t) */
    .globl  regs_set_fpcr
    .type   regs_set_fpcr, %function
    .p2align 4
regs_set_fpcr:
    .cfi_startproc
    BTI_C
    msr     fpcr, x0
    ret
    .cfi_endproc
    .size   regs_set_fpcr, .-regs_set_fpcr

    .bss
    .p2align 3
    .globl  regs_body_entry_sp
    .type   regs_body_entry_sp, %object
    .size   regs_body_entry_sp, 8
regs_body_entry_sp:
    .zero   8
    .globl  regs_fresh
    .type   regs_fresh, %object
    .size   regs_fresh, 32
regs_fresh:
    .zero   32
    .globl  regs_publish
    .type   regs_publish, %object
    .size   regs_publish, 16
regs_publish:
    .zero   16
    .globl  regs_body_probe_next
    .type   regs_body_probe_next, %object
    .size   regs_body_probe_next, 8
regs_body_probe_next:
    .zero   8

    .section .note.GNU-stack,"",@progbits

#if FEATURE_BTI || FEATURE_PAC
    .pushsection .note.gnu.property, "a"
    .p2align 3
    .word   4
    .word   16
    .word   5                       /* NT_GNU_PROPERTY_TYPE_0 */
    .asciz  "GNU"
    .word   0xc0000000              /* GNU_PROPERTY_AARCH64_FEATURE_1_AND */
    .word   4
    .word   FEATURE_BTI | FEATURE_PAC
    .word   0
    .popsection
#endif
