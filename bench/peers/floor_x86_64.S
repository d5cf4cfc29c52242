/* SPDX-License-Identifier: MIT */
/*
 * The floor: the least a stackful switch can do on x86-64 SysV, written
 * for this benchmark only (not the library's switch). Push the six
 * callee-saved registers, swap stack pointers, pop them, and resume with
 * `pop; jmp` (an indirect jump the predictor learns, instead of a `ret`
 * the return-stack buffer would mispredict). One pointer travels in each
 * direction in a register: the third argument comes out as the other
 * side's return value. Two copies of the same code, one for each
 * direction (bench_floor_swap into the coroutine, bench_floor_swap_out
 * back), each on its own 64-byte line: each copy's jump then has one
 * target, which the predictor gets right without help from history: a
 * third less per round trip than one copy used both ways (BENCHMARKS.md).
 * The library's switch has the same shape (src/arch/switch_x86_64_sysv.S),
 * so the floor stays the least.
 */
    .text

/* void *NAME(void **from_sp (rdi), void **to_sp (rsi), void *v (rdx)
 *             [, uint64_t *publish (rcx), uint64_t word (r8)]) */
.macro SWAP name, publishes=0
    .globl  \name
    .type   \name, @function
    .p2align 6
\name:
    pushq   %rbp
    pushq   %rbx
    pushq   %r12
    pushq   %r13
    pushq   %r14
    pushq   %r15
    movq    %rsp, (%rdi)
    movq    (%rsi), %rsp
    .if \publishes
    movq    %r8, (%rcx)
    .endif
    movq    %rdx, %rax
    popq    %r15
    popq    %r14
    popq    %r13
    popq    %r12
    popq    %rbx
    popq    %rbp
    popq    %rcx
    jmpq    *%rcx
    .size   \name, .-\name
.endm

    SWAP bench_floor_swap
    SWAP bench_floor_swap_out
/* The way out of a coroutine for floor.c's claim_rt: the same, and it
 * stores `word` into *publish once the context is saved, as the
 * library's switch out does with a generator's claim word. */
    SWAP bench_floor_swap_publish, 1

/* First code on a new stack: r12 = entry, r13 = its first argument; the
 * value of the first swap (rax) is the second. */
    .type   bench_floor_start, @function
    .p2align 4
bench_floor_start:
    movq    %r13, %rdi
    movq    %rax, %rsi
    callq   *%r12
    ud2
    .size   bench_floor_start, .-bench_floor_start

/* void bench_floor_init(void **sp (rdi), char *hi (rsi), void (*entry)(void *, void *) (rdx), void *arg (rcx)) */
    .globl  bench_floor_init
    .type   bench_floor_init, @function
    .p2align 4
bench_floor_init:
    leaq    bench_floor_start(%rip), %rax
    movq    %rax, -8(%rsi)
    movq    $0, -16(%rsi)
    movq    $0, -24(%rsi)
    movq    %rdx, -32(%rsi)
    movq    %rcx, -40(%rsi)
    movq    $0, -48(%rsi)
    movq    $0, -56(%rsi)
    leaq    -56(%rsi), %rax
    movq    %rax, (%rdi)
    ret
    .size   bench_floor_init, .-bench_floor_init

    .section .note.GNU-stack,"",@progbits
