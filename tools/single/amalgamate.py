#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes cogen as one header (default: build/single/cogen.h).

The header holds the public API of the core and of the pipeline layer and,
where a translation unit defines COGEN_IMPLEMENTATION before including it,
the implementation: every source of those layers as listed in the root
CMakeLists.txt (COGEN_CORE_SOURCES, COGEN_PIPE_SOURCES), the private headers
they include, and the context switch of the target (the assembly files of
src/arch/ as top-level asm for x86-64 and AArch64, the ucontext switch
elsewhere). Nothing in it is written by hand: run this script again after
changing the sources.

    python3 tools/single/amalgamate.py [--out FILE]

Defining COGEN_INTERNALS before including it (in any translation unit)
also declares what src/shared.h declares (the test hooks of a build with
COGEN_TEST_HOOKS), which is how the test suite's "shared.h" is served.
"""
import argparse
import os
import re
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
LAYERS = ["CORE", "PIPE"]  # the layers that stand alone on the core
PUBLIC = ["include/cogen/errors.h", "include/cogen.h", "include/cogen/pipe.h"]
INTERNALS = "src/shared.h"
ASM = {"__x86_64__": "src/arch/switch_x86_64_sysv.S", "__aarch64__": "src/arch/switch_aarch64.S"}
UCONTEXT = "src/arch/switch_ucontext.c"
INCLUDE_RE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def read(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        return f.read()


def sources_of(layer):
    cmake = read("CMakeLists.txt")
    m = re.search(r"set\(COGEN_%s_SOURCES\s+([^)]*)\)" % layer, cmake)
    if not m:
        sys.exit("amalgamate: COGEN_%s_SOURCES not found in CMakeLists.txt" % layer)
    return m.group(1).split()


def resolve(kind, name, including):
    """The repository path of an included project header, or None for a
    system header."""
    if kind == "<":
        cand = ["include/" + name]
    else:
        cand = [os.path.join(os.path.dirname(including), name), "src/" + name]
    for c in cand:
        c = os.path.normpath(c)
        if os.path.isfile(os.path.join(ROOT, c)):
            return c
    return None


class Amalgam:
    def __init__(self):
        self.done = set()
        self.out = []

    def emit_file(self, rel):
        """Appends rel with its project includes inlined (each file once)."""
        if rel in self.done:
            return
        self.done.add(rel)
        self.out.append("/* ---- %s ---- */\n" % rel)
        for line in read(rel).splitlines(keepends=True):
            if line.startswith("/* SPDX-License-Identifier"):
                continue
            m = INCLUDE_RE.match(line)
            if m:
                target = resolve(m.group(1), m.group(2), rel)
                if target:
                    self.emit_file(target)
                    continue
            self.out.append(line)
        if not self.out[-1].endswith("\n"):
            self.out.append("\n")

    def emit_asm(self, rel):
        """An assembly file as a top-level asm statement. Its own
        preprocessor symbols become C macros: numeric ones for its #if
        lines, string ones for the instructions that use them."""
        text = re.sub(r"/\*.*?\*/", "", read(rel), flags=re.S)
        macros = {}
        body = []
        for line in text.splitlines():
            s = line.strip()
            if not s:
                continue
            m = re.match(r"#\s*define\s+(\w+)\s*(.*)$", s)
            if m:
                name, value = m.group(1), m.group(2).strip()
                macros[name] = True
                body.append(("cpp", "#define COGEN__ASM_%s %s" % (name, value)))
                body.append(("cpp", "#define COGEN__ASMS_%s \"%s\"" % (name, value)))
                continue
            if s.startswith("#"):
                for name in macros:
                    s = re.sub(r"\b%s\b" % name, "COGEN__ASM_" + name, s)
                body.append(("cpp", s))
                continue
            if re.match(r"\.section\s+\.note\.GNU-stack", s) or s == ".text":
                continue  # the compiler emits its own; .text is pushed below
            body.append(("asm", line.rstrip()))
        self.out.append("__asm__(\".pushsection .text\\n\"\n")
        for kind, s in body:
            if kind == "cpp":
                self.out.append(s + "\n")
                continue
            s = s.replace("\\", "\\\\").replace('"', '\\"')
            parts = re.split(r"\b(%s)\b" % "|".join(macros), s) if macros else [s]
            pieces = []
            for i, p in enumerate(parts):
                if i % 2:
                    pieces.append("COGEN__ASMS_" + p)
                elif p:
                    pieces.append('"%s"' % p)
            self.out.append("        %s \"\\n\"\n" % " ".join(pieces))
        self.out.append("        \".popsection\\n\");\n")


HEAD = """/* SPDX-License-Identifier: MIT */
/*
 * cogen as a single header, generated by tools/single/amalgamate.py from
 * the repository's sources: do not edit; regenerate (`make single`).
 *
 * Use: include it wherever cogen is used. In exactly one C file, define
 * COGEN_IMPLEMENTATION before including it, and include it before any
 * other header there (the implementation needs _GNU_SOURCE):
 *
 *     #define COGEN_IMPLEMENTATION
 *     #include "cogen.h"
 *
 * Build that file as C11 (or later), link with -pthread -lm. It contains the
 * core (<cogen.h>) and the pipeline layer (<cogen/pipe.h>), and the context
 * switch for x86-64 and AArch64 (the ucontext one elsewhere, or where
 * COGEN_SWITCH_UCONTEXT is defined).
 */
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "single", "cogen.h"))
    args = ap.parse_args()

    a = Amalgam()
    a.out.append(HEAD)
    a.out.append("""#ifdef COGEN_IMPLEMENTATION
#if defined(_FEATURES_H) && !defined(__USE_GNU) && !defined(_GNU_SOURCE)
#error "cogen: include the single-header cogen.h first in the COGEN_IMPLEMENTATION file"
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#endif
#ifndef COGEN_SINGLE_PUBLIC_H
#define COGEN_SINGLE_PUBLIC_H
""")
    for rel in PUBLIC:
        a.emit_file(rel)
    a.out.append("#endif /* COGEN_SINGLE_PUBLIC_H */\n\n")

    a.out.append("#if defined(COGEN_INTERNALS) || defined(COGEN_IMPLEMENTATION)\n")
    a.emit_file(INTERNALS)
    a.out.append("#endif\n\n")

    a.out.append("""#if defined(COGEN_IMPLEMENTATION) && !defined(COGEN_SINGLE_IMPLEMENTATION_DONE)
#define COGEN_SINGLE_IMPLEMENTATION_DONE
#if !defined(COGEN_SWITCH_UCONTEXT) && !defined(__x86_64__) && !defined(__aarch64__)
#define COGEN_SWITCH_UCONTEXT
#endif
""")
    for layer in LAYERS:
        for src in sources_of(layer):
            a.emit_file(src)
    a.out.append("\n#if defined(COGEN_SWITCH_UCONTEXT)\n")
    a.emit_file(UCONTEXT)
    for macro, rel in ASM.items():
        a.out.append("#elif defined(%s)\n" % macro)
        a.emit_asm(rel)
    a.out.append("#endif /* context switch */\n")
    a.out.append("#endif /* COGEN_IMPLEMENTATION */\n")

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    tmp = args.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("".join(a.out))
    os.replace(tmp, args.out)
    print("amalgamate: wrote %s (%d lines)" % (args.out, "".join(a.out).count("\n")))


if __name__ == "__main__":
    main()
