/* SPDX-License-Identifier: MIT */
/*
 * What a debugger needs to find every live generator of a process and to
 * unwind a suspended one, described by the library itself, so that the gdb
 * extension (tools/gdb/cogen.py) reads offsets here instead of knowing the
 * private structs, and keeps working when they change.
 *
 * Finding generators: stacks are carved from chunks (cogen__chunks, a list
 * defined here so that every program that makes a generator links this
 * file, statically or not). Each chunk is `len` bytes from `base`, cut in
 * slots of `slot_size` bytes; a slot's control block (struct cogen) sits at
 * (slot end - gen->size) rounded down to gen->align. A slot is in use when
 * the block's `fn` is not NULL: cogen_free clears it, and slots never used
 * read as zeros.
 *
 * Unwinding a suspended generator: its saved context's first word is the
 * stack pointer at the switch; the switch pushed the registers listed in
 * `regs` at those offsets from it, the resume address at `pc_offset`, and
 * the stack pointer of the frame that called the switch is the saved one
 * plus `frame_size`. Kept in step with src/arch/switch_*.S; the gdb test
 * (tests/gdb/) fails if they drift apart.
 *
 * The layout of this descriptor is versioned: version 1 is a 16-byte magic
 * followed by pointer-sized words in the order below. Later versions only
 * append words (`words` says how many there are) or change the magic.
 */
#include "internal.h"

#include <stdint.h>

_Atomic(cogen__chunk *) cogen__chunks;

typedef struct saved_reg {
    const char *name; /* as gdb names the register */
    uintptr_t offset; /* from the saved stack pointer */
} saved_reg;

#if defined(COGEN_SWITCH_UCONTEXT)
#define SWITCH_KIND 0 /* registers in a ucontext_t: not described */
static const saved_reg regs[] = {{"", 0}};
#define NREGS 0
#define PC_REG ""
#define SP_REG ""
#define PC_OFFSET 0
#define FRAME_SIZE 0
#elif defined(__x86_64__)
#define SWITCH_KIND 1
static const saved_reg regs[] = {{"r15", 0},  {"r14", 8},  {"r13", 16},
                                 {"r12", 24}, {"rbx", 32}, {"rbp", 40}};
#define NREGS 6
#define PC_REG "rip"
#define SP_REG "rsp"
#define PC_OFFSET 48
#define FRAME_SIZE 56
#elif defined(__aarch64__)
#define SWITCH_KIND 2
static const saved_reg regs[] = {{"x19", 0},  {"x20", 8},  {"x21", 16}, {"x22", 24},
                                 {"x23", 32}, {"x24", 40}, {"x25", 48}, {"x26", 56},
                                 {"x27", 64}, {"x28", 72}, {"x29", 80}, {"x30", 88}};
#define NREGS 12
#define PC_REG "pc"
#define SP_REG "sp"
#define PC_OFFSET 88
#define FRAME_SIZE 160
#else
#error "no debugger description for this context switch"
#endif

#define WORDS_OF(type, first) ((sizeof(type) - offsetof(type, first)) / sizeof(uintptr_t))

typedef struct cogen_debug_layout {
    char magic[16]; /* "cogen-debug\0" */
    uintptr_t version;
    uintptr_t words;         /* pointer-sized words from `version` on */
    const char *lib_version; /* COGEN_VERSION_STRING */
    /* the chunk list and a chunk's fields */
    _Atomic(cogen__chunk *) *chunks;
    uintptr_t chunk_base, chunk_len, chunk_slot_size, chunk_next;
    /* the control block */
    const cogen__gen_layout_t *gen;
    /* the saved context */
    uintptr_t switch_kind; /* 0 ucontext (not described), 1 x86-64 SysV, 2 AArch64 */
    uintptr_t frame_size;
    uintptr_t pc_offset;
    const char *pc_reg, *sp_reg;
    uintptr_t nregs;
    const saved_reg *regs;
} cogen_debug_layout_t;

/* Exported for the debugger as COGEN_API exports functions (that macro
 * also carries an attribute for functions only). */
__attribute__((visibility("default"))) const cogen_debug_layout_t cogen_debug_layout = {
    .magic = "cogen-debug",
    .version = 1,
    .words = WORDS_OF(cogen_debug_layout_t, version),
    .lib_version = COGEN_VERSION_STRING,
    .chunks = &cogen__chunks,
    .chunk_base = offsetof(cogen__chunk, base),
    .chunk_len = offsetof(cogen__chunk, len),
    .chunk_slot_size = offsetof(cogen__chunk, slot_size),
    .chunk_next = offsetof(cogen__chunk, next),
    .gen = &cogen__gen_layout,
    .switch_kind = SWITCH_KIND,
    .frame_size = FRAME_SIZE,
    .pc_offset = PC_OFFSET,
    .pc_reg = PC_REG,
    .sp_reg = SP_REG,
    .nregs = NREGS,
    .regs = regs,
};
