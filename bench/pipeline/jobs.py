#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Times logstats --jobs N for each N (see jobs.sh): interleaved rounds,
wall and CPU (user + system) seconds, medians; checks that every N prints
the same report; writes the results as JSON and as a markdown table."""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time


def run(cmd):
    """Runs cmd; returns (stdout bytes, wall seconds, CPU seconds)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        sys.exit("bench: %s failed (%d)" % (" ".join(cmd), p.returncode))
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return p.stdout, wall, cpu


def main():
    ap = argparse.ArgumentParser()
    for opt in ("log", "logstats", "out"):
        ap.add_argument("--" + opt, required=True)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    a = ap.parse_args()

    load_before = os.getloadavg()
    wall = {n: [] for n in a.jobs}
    cpu = {n: [] for n in a.jobs}
    reports = {}
    # The log read once first, so that every round finds it in the page cache.
    run(["cat", a.log])
    for _ in range(a.rounds):
        for n in a.jobs:  # interleaved: a load change hits every N alike
            out, w, c = run([a.logstats, "--json", "--jobs", str(n), a.log])
            reports.setdefault(out, []).append(n)
            wall[n].append(w)
            cpu[n].append(c)
    if len(reports) != 1:
        sys.exit("bench: the reports differ between --jobs values: %s" % list(reports.values()))
    _, cat_wall, _ = run(["cat", a.log])
    load_after = os.getloadavg()

    base = statistics.median(wall[a.jobs[0]])
    rows = []
    for n in a.jobs:
        mw, mc = statistics.median(wall[n]), statistics.median(cpu[n])
        rows.append({"jobs": n, "wall_median_s": round(mw, 3), "wall_min_s": round(min(wall[n]), 3),
                     "cpu_median_s": round(mc, 3), "speedup": round(base / mw, 2),
                     "walls": [round(x, 3) for x in wall[n]]})
    res = {"log": a.log, "lines": os.path.basename(a.log), "rounds": a.rounds,
           "cores": os.cpu_count(), "load_before": [round(x, 2) for x in load_before],
           "load_after": [round(x, 2) for x in load_after], "cat_s": round(cat_wall, 3),
           "rows": rows}
    with open(a.out + ".json", "w") as f:
        json.dump(res, f, indent=1)
    md = ["| --jobs | wall median (s) | wall min (s) | CPU median (s) | speed-up (median) |",
          "|---|---|---|---|---|"]
    for r in rows:
        md.append("| %d | %.3f | %.3f | %.3f | %.2fx |" % (r["jobs"], r["wall_median_s"],
                  r["wall_min_s"], r["cpu_median_s"], r["speedup"]))
    md.append("")
    md.append("%d rounds on %s, %d cores; load average before %s, after %s; "
              "reading the log alone (cat): %.3f s" % (
                  a.rounds, os.path.basename(a.log), os.cpu_count(),
                  " ".join("%.2f" % x for x in load_before),
                  " ".join("%.2f" % x for x in load_after), cat_wall))
    with open(a.out + ".md", "w") as f:
        f.write("\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
