#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Interleaved A/B of benchmark programs built from different trees.

    bench/ab.py ROUNDS WORKLOAD PROGRAM...

Runs `PROGRAM WORKLOAD` for every program, in a shuffled order each round,
pinned to the last CPU (taskset), and prints the median, minimum and
maximum of the programs' own medians (the "ns" each prints; see
bench/bench.h). Programs are bench/peers/bench_* binaries, typically one
from build-bench/ and one built the same way from another commit:

    git worktree add /tmp/before COMMIT
    cmake -S /tmp/before -B /tmp/before/build-bench -G Ninja \\
        -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" \\
        -DCOGEN_BUILD_BENCH=ON -DCOGEN_BUILD_TESTS=OFF -DCOGEN_BUILD_EXAMPLES=OFF
    ninja -C /tmp/before/build-bench
    bench/ab.py 5 rt /tmp/before/build-bench/bench/peers/bench_cogen \\
        build-bench/bench/peers/bench_cogen build-bench/bench/peers/bench_fcontext
"""
import json
import os
import random
import shutil
import statistics
import subprocess
import sys


def interleaved(rounds, jobs):
    """Runs every (program, workload) of `jobs` once per round, in a
    shuffled order, pinned to the last CPU; returns {(program, workload):
    [its ns, one per round]}. Raises ValueError naming a program that has
    no result for its workload."""
    pin = ["taskset", "-c", str(os.cpu_count() - 1)] if shutil.which("taskset") else []
    results = {job: [] for job in jobs}
    for _ in range(rounds):
        order = list(jobs)
        random.shuffle(order)
        for program, workload in order:
            out = subprocess.run(pin + [program, workload], capture_output=True, text=True,
                                 check=True)
            line = json.loads(out.stdout)
            if "ns" not in line:
                raise ValueError("%s: %s" % (program, line.get("na", "no result")))
            results[(program, workload)].append(line["ns"])
    return results


def main():
    if len(sys.argv) < 4:
        sys.stderr.write(__doc__)
        return 2
    rounds, workload, programs = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    try:
        results = interleaved(rounds, [(p, workload) for p in programs])
    except ValueError as e:
        print(e)
        return 1
    for p in programs:
        v = sorted(results[(p, workload)])
        print("%-60s median %7.2f  min %7.2f  max %7.2f" % (p, statistics.median(v), v[0], v[-1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
