/* SPDX-License-Identifier: MIT */
/*
 * Context switch for x86-64, System V ABI.
 *
 * Saves the six callee-saved registers on the running stack, swaps stack
 * pointers and pops the other side's registers. It resumes with an
 * indirect jump to the popped return address rather than `ret`: the return
 * stack buffer predicts `ret` to go back to *our* caller, which is never
 * right when switching, and each mispredicted `ret` costs ~14 ns.
 *
 * Two copies of the switch: cogen__ctx_jump into a generator,
 * cogen__ctx_jump_out out of one (a yield, an end), each on its own
 * 64-byte line. The jump of each copy then goes to one place in a steady
 * loop (back into the body, back to the resumer), which the predictor
 * gets right without help from history; one copy used both ways left the
 * round trip at the mercy of where the linker put the code (BENCHMARKS.md).
 * Only the copy out stores a claim word: between the load of the new
 * stack pointer and the closing jump, each instruction is on the round
 * trip's critical path, and a test for "nothing to store" there cost
 * 2-9 % of it.
 *
 * MXCSR and the x87 control word are deliberately not saved here (see
 * context.h and docs/design.md).
 */
    .text

/*
 * int cogen__ctx_jump(cogen_ctx *from (rdi), cogen_ctx *to (rsi), int ret (edx))
 * int cogen__ctx_jump_out(cogen_ctx *from (rdi), cogen_ctx *to (rsi), int ret (edx),
 *                         void *publish (rcx), uint64_t word (r8))
 *
 * The switch, made to end a call on both sides: `ret` becomes the return
 * value of the switch that `to` is parked in, and (out only) `word` is
 * stored into *publish once from's context is saved, so the side left has
 * nothing to do after its switch and can reach it by a tail call. A plain
 * store is a release on x86-64: the saved context and everything before
 * it are visible to whoever sees the new state. `ret` is moved before the
 * save, off that path. Same frame for every switch (debug.c describes it).
 */
/* Saves the running context: its callee-saved registers below the return
 * address, then its stack pointer into *from (rdi). RESUME_SAVED undoes
 * it on the stack now in use: pops them and jumps to the return address. */
.macro RESUME_SAVED
    popq    %r15
    popq    %r14
    popq    %r13
    popq    %r12
    popq    %rbx
    popq    %rbp
    popq    %rcx
    jmpq    *%rcx
.endm

.macro SAVE
    pushq   %rbp
    pushq   %rbx
    pushq   %r12
    pushq   %r13
    pushq   %r14
    pushq   %r15
    movq    %rsp, (%rdi)
.endm

.macro SWITCH name, publishes
    .globl  \name
    .hidden \name
    .type   \name, @function
    .p2align 6
\name:
    .cfi_startproc
    movl    %edx, %eax
    SAVE
    movq    (%rsi), %rsp
    .if \publishes
    movq    %r8, (%rcx)
    .endif
    RESUME_SAVED
    .cfi_endproc
    .size   \name, .-\name
.endm

    SWITCH cogen__ctx_jump, 0
    SWITCH cogen__ctx_jump_out, 1

/*
 * int cogen__ctx_exit(cogen_ctx *to (rdi), int ret (esi), void *publish (rdx),
 *                     uint64_t word (rcx))
 *
 * The last switch out of a context that never runs again (a body that
 * ended): nothing of it is saved. `to`'s stack pointer is read before
 * `word` is stored: once it is, the stack left may be reused at once.
 */
    .globl  cogen__ctx_exit
    .hidden cogen__ctx_exit
    .type   cogen__ctx_exit, @function
    .p2align 6
cogen__ctx_exit:
    .cfi_startproc
    movl    %esi, %eax
    movq    (%rdi), %rsp
    movq    %rcx, (%rdx)
    RESUME_SAVED
    .cfi_endproc
    .size   cogen__ctx_exit, .-cogen__ctx_exit

/*
 * int cogen__ctx_start(cogen_ctx *from (rdi), cogen_ctx *to (rsi), body (rdx),
 *                      struct cogen *g (rcx), void *arg (r8), end (r9))
 *
 * Saves the running context as the switch does (the same frame, so that
 * the switch resumes it) and starts `to`, whose saved stack pointer is
 * still the top of its stack (cogen__ctx_init): the body, its generator,
 * its argument and the end go into r12-r15, where the trampoline finds
 * them. Nothing is read from the new stack, so a create prepares nothing
 * there.
 */
    .globl  cogen__ctx_start
    .hidden cogen__ctx_start
    .type   cogen__ctx_start, @function
    .p2align 6
cogen__ctx_start:
    .cfi_startproc
    SAVE
    movq    (%rsi), %rsp
    movq    %rdx, %r12
    movq    %rcx, %r13
    movq    %r8, %r14
    movq    %r9, %r15
    xorl    %ebp, %ebp          /* ends frame-pointer walks */
    jmp     cogen__ctx_trampoline
    .cfi_endproc
    .size   cogen__ctx_start, .-cogen__ctx_start

/*
 * First code run on a fresh stack: cogen__ctx_start left the body in r12,
 * its generator in r13, its argument in r14 and the end in r15, all
 * callee-saved, so they are still there when the body returns. The stack
 * pointer is 16-byte aligned here, as the ABI wants it before a call. The
 * end is reached by a jump, with the stack as a call would leave it (the
 * body's return address, just popped, above it): in experimental builds
 * a call that never returns, or a store of a trap address as the end's
 * return address, made create+run+destroy measurably slower. The end
 * must not return (it would run again). The undefined return address ends
 * debugger backtraces here.
 */
    .type   cogen__ctx_trampoline, @function
    .p2align 4
cogen__ctx_trampoline:
    .cfi_startproc
    .cfi_undefined rip
    movq    %r13, %rdi
    movq    %r14, %rsi
    callq   *%r12
    movq    %r13, %rdi
    movq    %rax, %rsi
    subq    $8, %rsp
    jmpq    *%r15
    .cfi_endproc
    .size   cogen__ctx_trampoline, .-cogen__ctx_trampoline

    .section .note.GNU-stack,"",@progbits
