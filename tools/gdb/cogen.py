# SPDX-License-Identifier: MIT
"""gdb commands for cogen generators.

    info cogen              every live generator: number, name, state, stack
                            use and size, where it is suspended
    cogen bt NAME|NUMBER|ADDRESS
                            backtrace of a generator; for one delegating with
                            yield_from, its frames, then its sub's, down the
                            chain; for one running on a CPU, its frames on
                            that thread

They work on a live process and on a core dump, and never change the
inferior's registers: a suspended generator's frames are shown by a gdb
unwinder that, for the duration of one command, grafts the generator's
saved context under the selected thread's innermost frame.

Everything is found through `cogen_debug_layout`, a descriptor the library
exports (src/core/debug.c): where the stack chunks are, where a control
block sits in its slot and what its fields are, how the context switch saved
the registers. Needs no debug information for the library; with it, frames
show arguments and source lines.

Loaded automatically with libcogen.so when installed in gdb's auto-load
directory (see docs/gdb.md), or by hand: `source .../cogen.py`.
"""
import struct

import gdb
import gdb.unwinder

MAGIC = b"cogen-debug"
KNOWN_VERSION = 1
# Descriptor words after the 16-byte magic, version 1 (src/core/debug.c).
DESC = ["version", "words", "lib_version", "chunks", "chunk_base", "chunk_len",
        "chunk_slot_size", "chunk_next", "gen", "switch_kind", "frame_size",
        "pc_offset", "pc_reg", "sp_reg", "nregs", "regs"]
GEN = ["size", "align", "ctx", "state", "flags", "fn", "arg", "delegate", "parent",
       "stack_lo", "name", "name_cap",
       # the values the state field takes (never hard-coded here)
       "created", "running", "suspended", "closed", "delegating"]
STATE_NAMES = ["created", "running", "suspended", "closed", "delegating"]


class Memory:
    def __init__(self):
        self.inf = gdb.selected_inferior()
        self.word = gdb.lookup_type("void").pointer().sizeof
        self.fmt = "<Q" if self.word == 8 else "<I"

    def read(self, addr, n):
        return bytes(self.inf.read_memory(addr, n))

    def w(self, addr):
        return struct.unpack(self.fmt, self.read(addr, self.word))[0]

    def i32(self, addr):
        return struct.unpack("<i", self.read(addr, 4))[0]

    def cstr(self, addr, cap=256):
        if not addr:
            return ""
        return self.read(addr, cap).split(b"\0")[0].decode("utf-8", "replace")


class Layout:
    """The library's self-description, read from the inferior."""

    def __init__(self, mem):
        try:
            addr = int(gdb.parse_and_eval("(char *)&cogen_debug_layout"))
        except gdb.error:
            raise gdb.GdbError("cogen: this program has no cogen_debug_layout "
                               "(not linked with cogen, or with a cogen older than 0.1)")
        if mem.read(addr, 16).split(b"\0")[0] != MAGIC:
            raise gdb.GdbError("cogen: cogen_debug_layout has an unknown magic")
        base = addr + 16
        version = mem.w(base)
        if version != KNOWN_VERSION:
            raise gdb.GdbError("cogen: layout version %d; this script knows version %d"
                               % (version, KNOWN_VERSION))
        for i, name in enumerate(DESC):
            setattr(self, name, mem.w(base + i * mem.word))
        self.lib_version = mem.cstr(self.lib_version, 32)
        self.pc_reg = mem.cstr(self.pc_reg, 16)
        self.sp_reg = mem.cstr(self.sp_reg, 16)
        self.saved = [(mem.cstr(mem.w(self.regs + 2 * i * mem.word), 16),
                       mem.w(self.regs + (2 * i + 1) * mem.word)) for i in range(self.nregs)]
        gen = self.gen
        self.gen = {name: mem.w(gen + i * mem.word) for i, name in enumerate(GEN)}
        self.states = {self.gen[name]: name for name in STATE_NAMES}


class Generator:
    def __init__(self, number, addr, slot, mem, lay):
        g = lay.gen
        self.number, self.addr, self.slot = number, addr, slot
        self.name = mem.cstr(addr + g["name"], g["name_cap"])
        self.state = lay.states.get(mem.i32(addr + g["state"]), "state %d" % mem.i32(addr + g["state"]))
        self.fn = mem.w(addr + g["fn"])
        self.delegate = mem.w(addr + g["delegate"])
        self.parent = mem.w(addr + g["parent"])
        self.lo = mem.w(addr + g["stack_lo"])
        self.saved_sp = mem.w(addr + g["ctx"])
        self.thread = None  # the thread running on its stack, if any
        self.thread_sp = None

    @property
    def size(self):
        return self.addr - self.lo

    def owns(self, sp):
        return self.lo <= sp < self.addr


def generators(mem, lay):
    """Every control block in use, oldest chunk first, in slot order."""
    chunks = []
    c = mem.w(lay.chunks)
    while c and len(chunks) < 1 << 20:
        chunks.append((mem.w(c + lay.chunk_base), mem.w(c + lay.chunk_len),
                       mem.w(c + lay.chunk_slot_size)))
        c = mem.w(c + lay.chunk_next)
    g = lay.gen
    out = []
    for base, length, slot_size in reversed(chunks):
        if not slot_size:
            continue
        for i in range(length // slot_size):
            slot = base + i * slot_size
            addr = (slot + slot_size - g["size"]) & ~(g["align"] - 1)
            try:
                if not mem.w(addr + g["fn"]):
                    continue  # free, or never used
                lo = mem.w(addr + g["stack_lo"])
            except gdb.MemoryError:
                continue  # not in a core dump
            if not slot <= lo < addr:
                continue
            out.append(Generator(len(out) + 1, addr, slot, mem, lay))
    return out


def attach_threads(gens, lay):
    """Marks the generators whose stack a thread is running on."""
    for t in gdb.selected_inferior().threads():
        if not t.is_valid():
            continue
        t.switch()
        sp = int(gdb.newest_frame().read_register(lay.sp_reg))
        for g in gens:
            if g.owns(sp):
                g.thread, g.thread_sp = t, sp


class FrameId:
    def __init__(self, sp, pc):
        self.sp, self.pc = sp, pc


class Graft(gdb.unwinder.Unwinder):
    """While armed, the selected thread's innermost frame unwinds into a
    saved generator context: its "caller" is the generator's switch."""

    def __init__(self):
        super().__init__("cogen")
        self.regs = None

    def __call__(self, pending):
        if self.regs is None or pending.level() != 0:
            return None
        lay = self.layout
        pc = pending.read_register(lay.pc_reg)
        # The id's stack address is the generator's saved one, below its
        # frames: gdb stops at a caller whose frame looks inner to its
        # callee's, and the thread's own stack may lie above the
        # generator's (the switch's callers are the user's frames now).
        sp = dict(self.regs)[lay.sp_reg] - lay.frame_size
        info = pending.create_unwind_info(FrameId(gdb.Value(sp).cast(pc.type), pc))
        for name, value in self.regs:
            reg = pending.read_register(name)
            info.add_saved_register(name, gdb.Value(value).cast(reg.type))
        return info


GRAFT = Graft()


class Restore:
    """Puts back the selected thread and frame level after a command."""

    def __enter__(self):
        self.thread = gdb.selected_thread()
        try:
            self.level = gdb.selected_frame().level()
        except gdb.error:
            self.level = None
        return self

    def __exit__(self, *exc):
        GRAFT.regs = None
        gdb.invalidate_cached_frames()
        if self.thread is not None and self.thread.is_valid():
            self.thread.switch()
            if self.level:
                f = gdb.newest_frame()
                for _ in range(self.level):
                    if f.older() is None:
                        break
                    f = f.older()
                f.select()
        return False


def saved_frames(g, mem, lay):
    """The frames of suspended g, innermost first, from its saved context."""
    sp = g.saved_sp
    regs = [(name, mem.w(sp + off)) for name, off in lay.saved]
    regs.append((lay.pc_reg, mem.w(sp + lay.pc_offset)))
    regs.append((lay.sp_reg, sp + lay.frame_size))
    GRAFT.layout, GRAFT.regs = lay, regs
    gdb.invalidate_cached_frames()
    frames = []
    f = gdb.newest_frame().older()
    while f is not None and len(frames) < 4096:
        frames.append(describe(f))
        f = f.older()
    GRAFT.regs = None
    gdb.invalidate_cached_frames()
    return frames


def running_frames(g, lay):
    """The frames of g running on its thread, innermost first."""
    g.thread.switch()
    frames = []
    f = gdb.newest_frame()
    while f is not None and len(frames) < 4096:
        # <=: the bottom frame (the trampoline) runs with sp at the block
        if g.lo <= int(f.read_register(lay.sp_reg)) <= g.addr:
            frames.append(describe(f))
        elif frames:
            break
        f = f.older()
    return frames


def describe(frame):
    """(pc, function, args, file, line, in_library) of a frame."""
    pc = frame.pc()
    fn = frame.name() or "??"
    sal = frame.find_sal()
    filename = sal.symtab.filename if sal.symtab else None
    args = []
    try:
        block = frame.block()
        while block is not None and block.function is None:
            block = block.superblock
        if block is not None:
            for sym in block:
                if sym.is_argument:
                    try:
                        args.append("%s=%s" % (sym.name, frame.read_var(sym)))
                    except (gdb.error, RuntimeError):
                        args.append("%s=<unavailable>" % sym.name)
    except RuntimeError:
        args = None
    solib = gdb.solib_name(pc) or ""
    lib = (fn.startswith("cogen") or "libcogen" in solib
           or bool(filename and ("src/core/" in filename or "src/arch/" in filename)))
    return pc, fn, args, filename, sal.line, lib


def format_frame(i, fr):
    pc, fn, args, filename, line, _ = fr
    text = "#%-3d 0x%016x in %s" % (i, pc, fn)
    if args is not None:
        text += " (%s)" % ", ".join(args)
    if filename:
        text += " at %s:%d" % (filename, line)
    return text


def where(frames):
    for fr in frames:
        if not fr[5]:
            return "%s (%s:%d)" % (fr[1], fr[3], fr[4]) if fr[3] else fr[1]
    return frames[0][1] if frames else "?"


def symbol(pc):
    try:
        block = gdb.block_for_pc(pc)
        if block is not None and block.function is not None:
            return block.function.name
    except RuntimeError:
        pass
    text = gdb.execute("info symbol 0x%x" % pc, to_string=True)
    return text.split(" in ")[0].split(" + ")[0].strip() if "No symbol" not in text else "0x%x" % pc


def snapshot():
    if gdb.selected_inferior().pid == 0 and not gdb.selected_inferior().threads():
        raise gdb.GdbError("cogen: no process (run the program, attach, or load a core)")
    mem = Memory()
    lay = Layout(mem)
    gens = generators(mem, lay)
    attach_threads(gens, lay)
    return mem, lay, gens


def human(n):
    for unit in ("", "K", "M", "G"):
        if n < 1024 or unit == "G":
            return ("%d%s" % (n, unit)) if unit == "" or n == int(n) else ("%.1f%s" % (n, unit))
        n /= 1024.0
    return str(n)


def status(g, by_addr):
    if g.thread is not None:
        return "running", "thread %d" % g.thread.num
    if g.delegate and g.state in ("running", "suspended", "delegating"):
        sub = by_addr.get(g.delegate)
        return "delegating", "yield_from -> %s" % ("#%d %s" % (sub.number, sub.name) if sub else "0x%x" % g.delegate)
    return g.state, None


class InfoCogen(gdb.Command):
    """List every live cogen generator: info cogen"""

    def __init__(self):
        super().__init__("info cogen", gdb.COMMAND_STATUS)

    def invoke(self, arg, from_tty):
        with Restore():
            mem, lay, gens = snapshot()
            by_addr = {g.addr: g for g in gens}
            rows = []
            for g in gens:
                state, note = status(g, by_addr)
                used = "-"
                if g.thread is not None:
                    used = human(g.addr - g.thread_sp)
                    loc = where(running_frames(g, lay))
                elif g.state == "created":
                    loc = "not started: %s" % symbol(g.fn)
                elif g.state == "closed":
                    loc = "ended"
                elif lay.switch_kind == 0:
                    loc = "(ucontext switch: not described)"
                else:
                    used = human(g.addr - g.saved_sp)
                    loc = where(saved_frames(g, mem, lay))
                if note:
                    loc = "%s, %s" % (loc, note)
                rows.append(("%d" % g.number, g.name, state, "%s/%s" % (used, human(g.size)), loc))
            if not rows:
                gdb.write("No live cogen generators.\n")
                return
            head = ("#", "name", "state", "stack", "where")
            widths = [max(len(r[i]) for r in rows + [head]) for i in range(4)]
            for r in [head] + rows:
                gdb.write("  ".join(c.ljust(widths[i]) for i, c in enumerate(r[:4])) + "  " + r[4] + "\n")


class CogenPrefix(gdb.Command):
    """Commands for cogen generators: cogen bt"""

    def __init__(self):
        super().__init__("cogen", gdb.COMMAND_STACK, prefix=True)


class CogenBt(gdb.Command):
    """Backtrace of a cogen generator: cogen bt NAME|NUMBER|ADDRESS
For a generator delegating with yield_from, the whole chain: its frames,
then its sub-generator's, down to the innermost. Registers are not changed."""

    def __init__(self):
        super().__init__("cogen bt", gdb.COMMAND_STACK)

    def invoke(self, arg, from_tty):
        arg = arg.strip()
        if not arg:
            raise gdb.GdbError("usage: cogen bt NAME|NUMBER|ADDRESS (see info cogen)")
        with Restore():
            mem, lay, gens = snapshot()
            g = find(gens, arg)
            by_addr = {x.addr: x for x in gens}
            seen = set()
            while g is not None and g.addr not in seen:
                seen.add(g.addr)
                self.show(g, mem, lay, by_addr)
                g = by_addr.get(g.delegate) if g.delegate else None

    @staticmethod
    def show(g, mem, lay, by_addr):
        state, note = status(g, by_addr)
        gdb.write("generator #%d '%s' (%s%s), stack %s, control block 0x%x\n"
                  % (g.number, g.name, state, ", " + note if note else "", human(g.size), g.addr))
        if g.thread is not None:
            frames = running_frames(g, lay)
        elif g.state == "created":
            gdb.write("    not started; body %s\n" % symbol(g.fn))
            return
        elif g.state == "closed":
            gdb.write("    ended\n")
            return
        elif lay.switch_kind == 0:
            gdb.write("    (built with the ucontext switch: frames not described)\n")
            return
        else:
            frames = saved_frames(g, mem, lay)
        for i, fr in enumerate(frames):
            gdb.write(format_frame(i, fr) + "\n")


def find(gens, arg):
    for g in gens:
        if g.name == arg:
            return g
    try:
        n = int(arg, 0)
    except ValueError:
        raise gdb.GdbError("cogen: no live generator named '%s'" % arg)
    for g in gens:
        if g.number == n or g.addr == n:
            return g
    raise gdb.GdbError("cogen: no live generator numbered or at '%s'" % arg)


if not getattr(gdb, "_cogen_loaded", False):
    gdb._cogen_loaded = True
    gdb.unwinder.register_unwinder(None, GRAFT, replace=True)
    InfoCogen()
    CogenPrefix()
    CogenBt()
