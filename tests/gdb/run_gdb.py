#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Drives gdb with the cogen extension against gdbtarget, live and on a core.

    run_gdb.py --gdb GDB --program PROG --libdir DIR [--source SCRIPT]
               [--transcript FILE] [--core]

Live: stops in gdb_stop_here (called by the running generator "runner"),
runs `info cogen` and `cogen bt` on each kind of generator, and checks that
every register and the thread's own backtrace are the same before and after.
With --core: lets the program abort there, loads the kernel's core dump and
checks the same listings (skipped, status 77, when the kernel's
core_pattern sends cores elsewhere). Not gdb's gcore: it drops a whole
stack chunk when its reads meet a guard region. The extension is auto-loaded from beside
libcogen.so (DIR is made gdb's only safe auto-load path), or sourced from
SCRIPT for a program linked statically.
"""
import argparse
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile

FAILURES = []
SKIP = 77  # CTest's SKIP_RETURN_CODE


def check(cond, what, text=""):
    if not cond:
        FAILURES.append(what)
        sys.stderr.write("FAIL: %s\n" % what)
        if text:
            sys.stderr.write(text + "\n")


def gdb(args, cmds, core=None):
    argv = [args.gdb, "-nx", "-batch", "-iex", "set auto-load safe-path %s" % args.libdir,
            "-iex", "set debuginfod enabled off"]
    if args.source:
        argv += ["-ex", "source %s" % args.source]
    for c in cmds:
        argv += ["-ex", "echo @@@ %s\\n" % c, "-ex", c]
    argv.append(args.program)
    if core:
        argv.append(core)
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=120)
    sections = {}
    key = None
    for line in p.stdout.splitlines():
        if line.startswith("@@@ "):
            key = line[4:]
            sections.setdefault(key, [])
            continue
        if key is not None:
            sections[key].append(line)
    return p.stdout, {k: "\n".join(v) for k, v in sections.items()}


def row(listing, name):
    for line in listing.splitlines():
        cols = line.split()
        if len(cols) > 1 and cols[1] == name:
            return line
    return None


def frames(text):
    return re.findall(r"^#\d+\s+0x[0-9a-f]+ in (\S+)", text, re.M)


def check_listing(listing, where):
    for name, state in [("nested", "suspended"), ("inner", "suspended"), ("middle", "delegating"),
                        ("outer", "delegating"), ("fresh", "created"), ("done", "closed"),
                        ("runner", "running")]:
        r = row(listing, name)
        check(r is not None and r.split()[2] == state,
              "%s: info cogen shows '%s' as %s" % (where, name, state), listing)
    for name in ("freed1", "freed2"):
        check(row(listing, name) is None, "%s: info cogen hides freed '%s'" % (where, name), listing)
    r = row(listing, "nested") or ""
    check(re.search(r"park_in_helper \(\S*gdbtarget\.c:\d+\)", r),
          "%s: 'nested' is suspended in park_in_helper at a file:line" % where, listing)
    check(re.search(r"\d+/\d", r), "%s: 'nested' shows stack use/size" % where, listing)
    inner = (row(listing, "inner") or "").split()
    r = row(listing, "middle") or ""
    check(inner and ("yield_from -> #%s inner" % inner[0]) in r,
          "%s: 'middle' delegates to 'inner' by number" % where, listing)
    check("quick_body" in (row(listing, "fresh") or ""), "%s: 'fresh' names its body" % where,
          listing)


def check_chain(text, where):
    heads = re.findall(r"^generator #\d+ '(\w+)'", text, re.M)
    check(heads == ["outer", "middle", "inner"],
          "%s: cogen bt outer walks outer, middle, inner (got %s)" % (where, heads), text)
    parts = re.split(r"^generator #\d+ '\w+'.*$", text, flags=re.M)[1:]
    if len(parts) == 3:
        check("delegating_body" in frames(parts[0]), "%s: outer's frames in its body" % where,
              text)
        f = frames(parts[2])
        check(f.count("park_in_helper") == 2 and "inner_body" in f,
              "%s: inner's frames: two park_in_helper, then inner_body" % where, text)


def kernel_core(args, tmp):
    """Runs the program to its abort in tmp and returns the core file the
    kernel wrote there, or None if cores do not go to the working directory
    (a core_pattern that pipes to a program or names another directory)."""
    with open("/proc/sys/kernel/core_pattern", encoding="utf-8") as f:
        pattern = f.read().strip()
    if pattern.startswith("|") or "/" in pattern:
        return None, "core_pattern is %r" % pattern

    def unlimited():
        resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))

    p = subprocess.run([args.program, "abort"], cwd=tmp, preexec_fn=unlimited,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    if p.returncode != -signal.SIGABRT:
        check(False, "core: the program aborted (status %d)" % p.returncode)
        return None, None
    cores = [os.path.join(tmp, n) for n in os.listdir(tmp)]
    return (cores[0], None) if cores else (None, "no core file written (pattern %r)" % pattern)


def live(args):
    cmds = ["break gdb_stop_here", "run", "info registers", "bt", "info cogen",
            "cogen bt nested", "cogen bt outer", "cogen bt runner", "cogen bt fresh",
            "cogen bt done", "cogen bt nosuch", "info registers", "bt", "kill"]
    out, s = gdb(args, cmds)
    if args.transcript:
        with open(args.transcript, "w", encoding="utf-8") as f:
            f.write(out)
    check_listing(s.get("info cogen", ""), "live")
    f = frames(s.get("cogen bt nested", ""))
    check(f.count("park_in_helper") == 3,
          "live: cogen bt nested shows three park_in_helper frames", s.get("cogen bt nested"))
    check("nested_body" in f, "live: cogen bt nested reaches nested_body", s.get("cogen bt nested"))
    check(f and f[-1].endswith("ctx_trampoline"),  # clang-built: "cogen.ctx_trampoline"
          "live: cogen bt nested ends at the stack's bottom", s.get("cogen bt nested"))
    check_chain(s.get("cogen bt outer", ""), "live")
    f = frames(s.get("cogen bt runner", ""))
    check(f[:2] == ["gdb_stop_here", "runner_body"] and f[-1].endswith("ctx_trampoline"),
          "live: cogen bt runner shows the running generator's frames", s.get("cogen bt runner"))
    check("not started" in s.get("cogen bt fresh", ""), "live: cogen bt fresh: not started")
    check("ended" in s.get("cogen bt done", ""), "live: cogen bt done: ended")
    check("no live generator" in s.get("cogen bt nosuch", ""), "live: unknown name refused")
    regs = out.split("@@@ info registers\n")
    check(len(regs) == 3 and regs[1].split("@@@")[0] == regs[2].split("@@@")[0],
          "live: every register is unchanged by the cogen commands", out)
    bts = out.split("@@@ bt\n")
    check(len(bts) == 3 and bts[1].split("@@@")[0] == bts[2].split("@@@")[0]
          and "gdb_stop_here" in bts[1], "live: the thread's own backtrace is unchanged", out)


def on_core(args):
    with tempfile.TemporaryDirectory() as tmp:
        core, why = kernel_core(args, tmp)
        if core is None:
            if why:
                print("gdb extension: core checks skipped: %s" % why)
                return SKIP
            return 1
        out, s = gdb(args, ["info cogen", "cogen bt nested", "cogen bt outer", "cogen bt runner"],
                     core=core)
        if args.transcript:
            with open(args.transcript, "w", encoding="utf-8") as f:
                f.write(out)
        check_listing(s.get("info cogen", ""), "core")
        check_chain(s.get("cogen bt outer", ""), "core")
        f = frames(s.get("cogen bt nested", ""))
        check(f.count("park_in_helper") == 3 and "nested_body" in f,
              "core: cogen bt nested shows its helpers and body", out)
        check("runner_body" in frames(s.get("cogen bt runner", "")),
              "core: cogen bt runner shows the body that aborted", out)
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gdb", required=True)
    ap.add_argument("--program", required=True)
    ap.add_argument("--libdir", required=True)
    ap.add_argument("--source")
    ap.add_argument("--transcript")
    ap.add_argument("--core", action="store_true", help="check a kernel core dump instead")
    args = ap.parse_args()
    if args.core:
        rc = on_core(args)
        if rc:
            return rc
    else:
        live(args)
    if FAILURES:
        sys.stderr.write("%d check(s) failed\n" % len(FAILURES))
        return 1
    print("gdb extension: all checks passed (%s)" % ("core dump" if args.core else "live"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
