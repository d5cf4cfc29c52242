/* SPDX-License-Identifier: MIT */
/* Register helpers for the tests, x86-64 System V (see regs.h). */
    .text

/* void regs_call(const uint64_t *vals (rdi), uint64_t *after (rsi),
 *                void (*fn)(void *) (rdx), void *arg (rcx)) */
    .globl  regs_call
    .type   regs_call, @function
    .p2align 4
regs_call:
    .cfi_startproc
    pushq   %rbp
    .cfi_adjust_cfa_offset 8
    pushq   %rbx
    .cfi_adjust_cfa_offset 8
    pushq   %r12
    .cfi_adjust_cfa_offset 8
    pushq   %r13
    .cfi_adjust_cfa_offset 8
    pushq   %r14
    .cfi_adjust_cfa_offset 8
    pushq   %r15
    .cfi_adjust_cfa_offset 8
    pushq   %rsi                /* `after`, and 16-byte alignment for the call */
    .cfi_adjust_cfa_offset 8
    movq    %rdx, %r11
    movq    0(%rdi), %rbx
    movq    8(%rdi), %rbp
    movq    16(%rdi), %r12
    movq    24(%rdi), %r13
    movq    32(%rdi), %r14
    movq    40(%rdi), %r15
    movq    %rsp, 48(%rsi)
    movq    %rcx, %rdi
    callq   *%r11
    movq    (%rsp), %rax
    movq    %rbx, 0(%rax)
    movq    %rbp, 8(%rax)
    movq    %r12, 16(%rax)
    movq    %r13, 24(%rax)
    movq    %r14, 32(%rax)
    movq    %r15, 40(%rax)
    movq    %rsp, 56(%rax)
    addq    $8, %rsp
    .cfi_adjust_cfa_offset -8
    popq    %r15
    .cfi_adjust_cfa_offset -8
    popq    %r14
    .cfi_adjust_cfa_offset -8
    popq    %r13
    .cfi_adjust_cfa_offset -8
    popq    %r12
    .cfi_adjust_cfa_offset -8
    popq    %rbx
    .cfi_adjust_cfa_offset -8
    popq    %rbp
    .cfi_adjust_cfa_offset -8
    ret
    .cfi_endproc
    .size   regs_call, .-regs_call

/* NAME(const uint64_t *vals, uint64_t *after, void *from, void *to):
 * regs_call with fn = THUNK and arg = `to`; `from` travels in r8, which
 * regs_call does not touch. */
.macro REGS_VIA name, thunk
    .globl  \name
    .type   \name, @function
    .p2align 4
\name:
    .cfi_startproc
    movq    %rdx, %r8           /* from */
    leaq    \thunk(%rip), %rdx
    jmp     regs_call
    .cfi_endproc
    .size   \name, .-\name
.endm

/* void regs_switch(vals, after, from, to): calls
 * cogen__ctx_jump(from, to, 0) instead of fn(arg). */
    REGS_VIA regs_switch, regs_switch_thunk

/* Called by regs_call with rdi = `to` (regs_call's arg), r8 = `from`. */
    .type   regs_switch_thunk, @function
    .p2align 4
regs_switch_thunk:
    .cfi_startproc
    movq    %rdi, %rsi
    movq    %r8, %rdi
    xorl    %edx, %edx          /* ret */
    jmp     cogen__ctx_jump
    .cfi_endproc
    .size   regs_switch_thunk, .-regs_switch_thunk

/* void regs_switch_out(vals, after, from, to): calls
 * cogen__ctx_jump_out(from, to, 0, regs_publish.at, regs_publish.word). */
    REGS_VIA regs_switch_out, regs_switch_out_thunk

    .type   regs_switch_out_thunk, @function
    .p2align 4
regs_switch_out_thunk:
    .cfi_startproc
    movq    %rdi, %rsi
    movq    %r8, %rdi
    xorl    %edx, %edx          /* ret */
    movq    regs_publish(%rip), %rcx
    movq    regs_publish+8(%rip), %r8
    jmp     cogen__ctx_jump_out
    .cfi_endproc
    .size   regs_switch_out_thunk, .-regs_switch_out_thunk

/* void regs_start(vals, after, from, to): calls cogen__ctx_start(from, to,
 * ...) with the body, its generator, its argument and its end taken from
 * regs_fresh. */
    REGS_VIA regs_start, regs_start_thunk

    .type   regs_start_thunk, @function
    .p2align 4
regs_start_thunk:
    .cfi_startproc
    movq    %rdi, %rsi
    movq    %r8, %rdi
    movq    regs_fresh(%rip), %rdx
    movq    regs_fresh+8(%rip), %rcx
    movq    regs_fresh+16(%rip), %r8
    movq    regs_fresh+24(%rip), %r9
    jmp     cogen__ctx_start
    .cfi_endproc
    .size   regs_start_thunk, .-regs_start_thunk

/* uintptr_t regs_entry_sp(void) */
    .globl  regs_entry_sp
    .type   regs_entry_sp, @function
    .p2align 4
regs_entry_sp:
    .cfi_startproc
    movq    %rsp, %rax
    ret
    .cfi_endproc
    .size   regs_entry_sp, .-regs_entry_sp

/* void *regs_body_probe(cogen *self, void *arg) */
    .globl  regs_body_probe
    .type   regs_body_probe, @function
    .p2align 4
regs_body_probe:
    .cfi_startproc
    movq    %rsp, regs_body_entry_sp(%rip)
    jmpq    *regs_body_probe_next(%rip)
    .cfi_endproc
    .size   regs_body_probe, .-regs_body_probe

/* unsigned regs_get_mxcsr(void) */
    .globl  regs_get_mxcsr
    .type   regs_get_mxcsr, @function
    .p2align 4
regs_get_mxcsr:
    .cfi_startproc
    stmxcsr -4(%rsp)
    movl    -4(%rsp), %eax
    ret
    .cfi_endproc
    .size   regs_get_mxcsr, .-regs_get_mxcsr

/* void regs_set_mxcsr(unsigned) */
    .globl  regs_set_mxcsr
    .type   regs_set_mxcsr, @function
    .p2align 4
regs_set_mxcsr:
    .cfi_startproc
    movl    %edi, -4(%rsp)
    ldmxcsr -4(%rsp)
    ret
    .cfi_endproc
    .size   regs_set_mxcsr, .-regs_set_mxcsr

/* unsigned regs_get_x87cw(void) */
    .globl  regs_get_x87cw
    .type   regs_get_x87cw, @function
    .p2align 4
regs_get_x87cw:
    .cfi_startproc
    fnstcw  -2(%rsp)
    movzwl  -2(%rsp), %eax
    ret
    .cfi_endproc
    .size   regs_get_x87cw, .-regs_get_x87cw

/* void regs_set_x87cw(unsigned) */
    .globl  regs_set_x87cw
    .type   regs_set_x87cw, @function
    .p2align 4
regs_set_x87cw:
    .cfi_startproc
    movw    %di, -2(%rsp)
    fldcw   -2(%rsp)
    ret
    .cfi_endproc
    .size   regs_set_x87cw, .-regs_set_x87cw

    .bss
    .p2align 3
    .globl  regs_body_entry_sp
    .type   regs_body_entry_sp, @object
    .size   regs_body_entry_sp, 8
regs_body_entry_sp:
    .zero   8
    .globl  regs_fresh
    .type   regs_fresh, @object
    .size   regs_fresh, 32
regs_fresh:
    .zero   32
    .globl  regs_publish
    .type   regs_publish, @object
    .size   regs_publish, 16
regs_publish:
    .zero   16
    .globl  regs_body_probe_next
    .type   regs_body_probe_next, @object
    .size   regs_body_probe_next, 8
regs_body_probe_next:
    .zero   8

    .section .note.GNU-stack,"",@progbits
