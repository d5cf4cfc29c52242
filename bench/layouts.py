#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The round trip (or another workload) of cogen, the floor, the floor
with a claim and fcontext, each measured at 8 placements of its own code
instead of the one the linker happened to give.

    bench/layouts.py [--rounds N] [--workload rt] [--build DIR] [--no-build]
                     [--also DIR]...

Builds, in DIR (default build-layouts, Release -O2 as bench/run.sh does),
every peer's benchmark program 8 times, its own code moved by 0, 16, ...
112 bytes (bench/layout/pad.c, linked first; the libraries do not move),
runs all of them in interleaved rounds pinned to the last CPU
(bench/ab.py), and prints, per peer, the medians of its 8 programs
(min, median, max, each layout) and the ratios of cogen's to the others'
at the median and at the best layout of each.

--also DIR (repeatable) adds the cogen programs of another such build
directory to the same rounds, one more row each: an A/B of two commits
over layouts (build the other one first, from its own tree, with
`bench/layouts.py --rounds 0 --build DIR`). --rounds 0 only builds.

On the machine of BENCHMARKS.md the placement of a caller's code moved a
round trip by up to a sixth for cogen and two fifths for the floor: one
program per peer can make a ratio look better or worse than the code is.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ab import interleaved  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROGRAMS = ("cogen", "floor", "fcontext")
# row -> (program, the workload it runs for the one asked, or None)
ROWS = {
    "cogen": ("cogen", lambda w: w),
    "floor": ("floor", lambda w: w),
    "floor+claim": ("floor", lambda w: "claim_rt" if w == "rt" else None),
    "fcontext": ("fcontext", lambda w: w),
}


def build(directory):
    gen = ["-G", "Ninja"] if subprocess.run(["sh", "-c", "command -v ninja"],
                                            capture_output=True).returncode == 0 else []
    subprocess.run(["cmake", "-S", ROOT, "-B", directory] + gen +
                   ["-DCMAKE_BUILD_TYPE=Release",
                    "-DCMAKE_C_FLAGS_RELEASE=-O2 -DNDEBUG",
                    "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG",
                    "-DCOGEN_BUILD_BENCH=ON", "-DCOGEN_BUILD_TESTS=OFF",
                    "-DCOGEN_BUILD_EXAMPLES=OFF", "-DCOGEN_BENCH_LAYOUTS=ON"],
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", directory, "-j", str(os.cpu_count())],
                   check=True, stdout=subprocess.DEVNULL)


def programs(directory):
    found = {}
    peers = os.path.join(directory, "bench", "peers")
    for name in sorted(os.listdir(peers)):
        m = re.fullmatch(r"bench_(%s)_at(\d+)" % "|".join(PROGRAMS), name)
        if m:
            found.setdefault(m.group(1), []).append((int(m.group(2)), os.path.join(peers, name)))
    return {peer: sorted(v) for peer, v in found.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--workload", default="rt")
    ap.add_argument("--build", default=os.path.join(ROOT, "build-layouts"))
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--also", action="append", default=[], metavar="DIR")
    args = ap.parse_args()
    if not args.no_build:
        build(args.build)
    if args.rounds == 0:
        return 0
    found = programs(args.build)
    if "cogen" not in found:
        sys.stderr.write("layouts: no bench_cogen_at* in %s\n" % args.build)
        return 1
    rows = {}  # row -> [(pad, program, workload)]
    for row, (program, workload_of) in ROWS.items():
        workload = workload_of(args.workload)
        if program not in found or workload is None:
            continue
        if row != "cogen":
            try:  # a peer without the workload (the floor has no throw) is left out
                interleaved(1, [(found[program][0][1], workload)])
            except ValueError:
                continue
        rows[row] = [(pad, path, workload) for pad, path in found[program]]
    for other in args.also:
        theirs = programs(other).get("cogen")
        if not theirs:
            sys.stderr.write("layouts: no bench_cogen_at* in %s\n" % other)
            return 1
        rows["cogen (%s)" % other] = [(pad, path, args.workload) for pad, path in theirs]
    jobs = [(path, workload) for v in rows.values() for _, path, workload in v]
    try:
        results = interleaved(args.rounds, jobs)
    except ValueError as e:
        sys.stderr.write("layouts: %s\n" % e)
        return 1
    summary = {}
    print("%s, ns, median of %d rounds per layout (code moved by N bytes)"
          % (args.workload, args.rounds))
    print()
    print("| peer | min | median | max | " + " | ".join("+%d" % pad for pad, _ in found["cogen"]) + " |")
    print("|---|---:|---:|---:|" + "---:|" * len(found["cogen"]))
    for peer, programs_of_row in rows.items():
        medians = [statistics.median(results[(path, workload)])
                   for _, path, workload in programs_of_row]
        summary[peer] = medians
        print("| %s | %.2f | %.2f | %.2f | %s |" % (
            peer, min(medians), statistics.median(medians), max(medians),
            " | ".join("%.2f" % m for m in medians)))
    print()
    for other in ("floor", "floor+claim", "fcontext"):
        if other in summary and "cogen" in summary:
            print("cogen / %s: %.2f at the median layouts, %.2f at the best of each" % (
                other, statistics.median(summary["cogen"]) / statistics.median(summary[other]),
                min(summary["cogen"]) / min(summary[other])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
