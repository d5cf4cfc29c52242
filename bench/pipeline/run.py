#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Times the logstats variants (see run.sh), checks that they print the
same JSON, and writes the results as JSON and as a markdown table."""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time


TIME = "/usr/bin/time" if os.path.exists("/usr/bin/time") else None


def run(cmd):
    """Runs cmd; returns (stdout bytes, wall seconds, max RSS in KiB).

    The RSS comes from /usr/bin/time (a child forked from this Python
    process would report Python's own pages as its peak)."""
    rss_file = "/tmp/cogen-pipeline-rss.%d" % os.getpid()
    full = [TIME, "-f", "%M", "-o", rss_file] + cmd if TIME else cmd
    t0 = time.perf_counter()
    p = subprocess.run(full, stdout=subprocess.PIPE)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit("bench: %s failed (%d)" % (" ".join(cmd), p.returncode))
    maxrss = 0
    if TIME:
        with open(rss_file) as f:
            maxrss = int(f.read().split()[-1])
        os.unlink(rss_file)
    return p.stdout, wall, maxrss


def main():
    ap = argparse.ArgumentParser()
    for opt in ("log", "small", "logstats", "fused", "python-pipeline", "out"):
        ap.add_argument("--" + opt, required=True)
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()

    variants = [
        ("fused", "hand-fused single C loop", [a.fused, a.log]),
        ("cogen", "cogen pipeline, batches of 256 lines (logstats default)",
         [a.logstats, "--json", a.log]),
        ("cogen_batch16", "cogen pipeline, batches of 16 lines",
         [a.logstats, "--json", "--batch", "16", a.log]),
        ("cogen_unbatched", "cogen pipeline, one send per line and per record",
         [a.logstats, "--json", "--batch", "0", a.log]),
        ("python", "Python 3 coroutine pipeline (seed style, 4 panels only)",
         [sys.executable, a.python_pipeline, "--json", a.log]),
    ]
    times = {k: [] for k, _, _ in variants}
    rss = {}
    outputs = {}
    for r in range(a.rounds):
        for key, _, cmd in variants:  # interleaved rounds
            out, wall, maxrss = run(cmd)
            times[key].append(wall)
            rss[key] = max(rss.get(key, 0), maxrss)
            outputs.setdefault(key, out)
            if out != outputs[key]:
                sys.exit("bench: %s printed different outputs across rounds" % key)
        print("round %d/%d done" % (r + 1, a.rounds), file=sys.stderr)
    ref = outputs["fused"]
    same = {k: outputs[k] == ref for k in outputs}
    # The Python pipeline computes the first four panels only: compare those.
    py, full = json.loads(outputs["python"]), json.loads(ref)
    same["python"] = all(py[k] == full[k] for k in py)
    if not all(same.values()):
        sys.exit("bench: outputs differ: %s" % same)

    # Memory stays flat in input size: the same runs on a log 4x smaller.
    small_rss = {}
    for key, _, cmd in variants:
        cmd = [a.small if c == a.log else c for c in cmd]
        small_rss[key] = run(cmd)[2]

    med = {k: statistics.median(v) for k, v in times.items()}
    lines = json.loads(ref)["lines"]
    res = {
        "benchmark": "logstats report, three ways",
        "command": "bench/pipeline/run.sh",
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version(),
                    "loadavg_at_end": os.getloadavg()[0]},
        "log_lines": lines,
        "log_bytes": os.path.getsize(a.log),
        "rounds": a.rounds,
        "outputs_identical": True,
        "variants": {
            k: {"what": what, "median_s": round(med[k], 4),
                "times_s": [round(t, 4) for t in times[k]],
                "ns_per_line": round(med[k] * 1e9 / lines, 1),
                "ratio_to_fused": round(med[k] / med["fused"], 3),
                "max_rss_kib": rss[k], "max_rss_kib_quarter_log": small_rss[k]}
            for k, what, _ in variants},
        "batching_speedup": round(med["cogen_unbatched"] / med["cogen"], 3),
        "goal": "cogen within 1.3x of the fused loop",
        "goal_met": med["cogen"] / med["fused"] <= 1.3,
    }
    with open(a.out + ".json", "w") as f:
        json.dump(res, f, indent=2)
        f.write("\n")
    md = ["# Pipeline benchmark: the logstats report three ways", "",
          "`bench/pipeline/run.sh` on %d generated lines (%.0f MB), median of %d "
          "interleaved rounds; %d CPUs, load average %.1f at the end. "
          "All C variants printed the same JSON report (every panel); the Python one "
          "computes the first four panels, which match."
          % (lines, res["log_bytes"] / 1e6, a.rounds, os.cpu_count(), os.getloadavg()[0]),
          "",
          "| variant | median | ns/line | × fused | max RSS (full log) | max RSS (¼ log) |",
          "|---|---:|---:|---:|---:|---:|"]
    for k, what, _ in variants:
        v = res["variants"][k]
        md.append("| %s | %.3f s | %.0f | %.2f× | %d KiB | %d KiB |"
                  % (what, v["median_s"], v["ns_per_line"], v["ratio_to_fused"],
                     v["max_rss_kib"], v["max_rss_kib_quarter_log"]))
    md += ["", "Batching (256 lines per send instead of one send per line and per record) "
           "made the cogen pipeline %.2f× faster. Goal (cogen ≤ 1.3× fused): %s."
           % (res["batching_speedup"], "met" if res["goal_met"] else "NOT met"), ""]
    with open(a.out + ".md", "w") as f:
        f.write("\n".join(md))
    print("\n".join(md))


if __name__ == "__main__":
    main()
