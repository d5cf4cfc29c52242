#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Times the bus job programs on one generated document, in interleaved
rounds, checks that they print the same lines, and prints a Markdown
table (seconds, median of the rounds; ratio to the C state machine).

    bus_run.py --rounds N --xml FILE NAME=COMMAND...
"""
import argparse
import shlex
import statistics
import subprocess
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--xml", required=True)
    ap.add_argument("--route", default="22")
    ap.add_argument("--direction", default="North Bound")
    ap.add_argument("programs", nargs="+")
    a = ap.parse_args()
    progs = [p.split("=", 1) for p in a.programs]
    times = {name: [] for name, _ in progs}
    outputs = {}
    for _ in range(a.rounds):
        for name, cmd in progs:
            argv = shlex.split(cmd) + [a.xml, a.route, a.direction]
            t0 = time.perf_counter()
            out = subprocess.run(argv, check=True, stdout=subprocess.PIPE).stdout
            times[name].append(time.perf_counter() - t0)
            outputs.setdefault(name, out)
    base_name = progs[0][0]
    for name, out in outputs.items():
        if out != outputs[base_name]:
            raise SystemExit(f"bus_run: {name} prints something else than {base_name}")
    lines = outputs[base_name].count(b"\n")
    base = statistics.median(times[base_name])
    print(f"{lines} matching buses; seconds, median of {a.rounds} rounds\n")
    print(f"| program | seconds | / {base_name} |")
    print("|---|---:|---:|")
    for name, _ in progs:
        m = statistics.median(times[name])
        print(f"| {name} | {m:.3f} | {m / base:.2f}x |")


if __name__ == "__main__":
    main()
