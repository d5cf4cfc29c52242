#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs every (peer, workload) process of the suite in interleaved rounds
and writes bench/results/latest.{json,md}.

Each round runs all timed jobs once, in a freshly shuffled order, so that
a slow phase of this shared machine hits every peer alike; each job prints
the median of its own 15 batches. Across rounds we report the median and
the spread (min-max of the round medians), and every ratio is computed
round by round (cogen and the other peer measured within seconds of each
other) and then summarised by its median. Resident memory is measured once
per peer, after the timed rounds.

usage: driver.py BUILD_DIR OUT_DIR [--rounds N] [--cpu N]"""
import argparse
import datetime
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOADS = ["rt", "create", "create_nopool", "yf1", "yf8", "yf64", "throw", "close"]
TITLES = {
    "rt": "round trip",
    "create": "create+run+destroy (pool)",
    "create_nopool": "create+run+destroy (no pool)",
    "yf1": "send via yield_from x1",
    "yf8": "x8",
    "yf64": "x64",
    "throw": "throw round trip",
    "close": "create+prime+close+free",
    "rss": "RSS per parked coroutine",
}
# peer -> (executable or script, workloads it runs, description)
PEERS = {
    "cogen": ("bench_cogen", WORKLOADS, "cogen, public API (cogen_send/cogen_yield...), Release -O2"),
    "cogen.so": ("bench_cogen_shared", [w for w in WORKLOADS if w != "create_nopool"],
                 "the same program linked with libcogen.so instead of libcogen.a"),
    "floor": ("bench_floor", ["rt", "create", "create_nopool"],
              "bare asm swap written for the suite: 6 pushes, swap sp, 6 pops, pop+jmp; value in rax"),
    "floor+claim": ("bench_floor", ["claim_rt"],
                    "the floor's swap reached through a send and a yield function, values through "
                    "pointers, the owner's side of a biased claim and a publish at each yield: "
                    "what cogen's design of the claim costs per resume (bench/peers/floor.c)"),
    "call": ("bench_floor", ["call_rt"], "plain indirect function call (pointer re-read each time)"),
    "fcontext": ("bench_fcontext", ["rt", "create", "create_nopool"],
                 "Boost.Context 1.74 make_fcontext/jump_fcontext, void* each way"),
    "coro2": ("bench_coro2", ["rt", "create", "create_nopool", "close"],
              "Boost.Coroutine2 1.74 push_type (value out via a captured variable)"),
    "pcl": ("bench_pcl", ["rt", "create", "create_nopool"], "PCL 1.12 co_call/co_resume (ucontext)"),
    "lua54": ("bench_lua54", ["rt", "create", "close"], "Lua 5.4 coroutine, lua_resume from C"),
    "luajit": ("bench_luajit", ["rt", "create"], "LuaJIT 2.1 coroutine, lua_resume from C"),
    "python": ("python_gen.py", ["rt", "create", "yf1", "yf8", "yf64", "throw", "close"],
               "CPython generators: gen.send/throw/close, yield from (timed in Python)"),
}
RSS_PEERS = ["cogen", "floor", "fcontext", "coro2", "pcl", "lua54", "luajit", "python"]


def command(build, peer, workload, cpu):
    exe, _, _ = PEERS[peer]
    if exe.endswith(".py"):
        cmd = ["/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable,
               os.path.join(HERE, "peers", exe), workload]
    else:
        path = os.path.join(build, "bench", "peers", exe)
        if not os.path.exists(path):
            return None
        cmd = [path, workload]
    if cpu is not None and shutil.which("taskset"):
        cmd = ["taskset", "-c", str(cpu)] + cmd
    return cmd


def run(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        return {"error": "timeout"}
    for line in out.stdout.splitlines():
        if line.startswith("{"):
            return json.loads(line)
    return {"error": (out.stderr or out.stdout).strip()[-300:] or f"exit {out.returncode}"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("out")
    ap.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", "9")))
    ap.add_argument("--cpu", type=int, default=None)
    ap.add_argument("--skipped", default="", help="peers run.sh could not install, ;-separated")
    a = ap.parse_args()

    jobs, skipped = [], {}
    for s in filter(None, a.skipped.split(";")):
        name, _, why = s.partition("=")
        skipped[name] = why
    for peer, (exe, wls, _) in PEERS.items():
        if command(a.build, peer, "rt", a.cpu) is None:
            skipped.setdefault(peer, f"{exe} not built (its Debian package is missing)")
            continue
        jobs += [(peer, w) for w in wls]

    samples = {}  # (peer, workload) -> [ns per round]
    extra = {}
    for r in range(a.rounds):
        random.shuffle(jobs)
        for peer, w in jobs:
            res = run(command(a.build, peer, w, a.cpu))
            key = (peer, "rt" if w in ("call_rt", "claim_rt") else w)
            if "ns" in res:
                samples.setdefault(key, []).append(res["ns"])
            else:
                extra[key] = res
        print(f"round {r + 1}/{a.rounds} done", file=sys.stderr, flush=True)

    rss = {}
    for peer in RSS_PEERS:
        if peer in skipped:
            continue
        res = run(command(a.build, peer, "rss", a.cpu))
        rss[peer] = res

    results = {}
    for (peer, w), xs in samples.items():
        results.setdefault(peer, {})[w] = {
            "median": statistics.median(xs), "min": min(xs), "max": max(xs), "rounds": xs}
    for (peer, w), res in extra.items():
        if (peer, w) not in samples:
            results.setdefault(peer, {})[w] = res
    for peer, res in rss.items():
        results.setdefault(peer, {})["rss"] = res

    # Ratios, round by round: cogen / peer for every workload both ran.
    ratios = {}
    for w in WORKLOADS:
        c = samples.get(("cogen", w))
        if not c:
            continue
        for peer in PEERS:
            p = samples.get((peer, w))
            if peer == "cogen" or not p:
                continue
            rs = [x / y for x, y in zip(c, p)]
            ratios.setdefault(w, {})[peer] = {"median": statistics.median(rs), "min": min(rs), "max": max(rs)}

    cpu_model = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu_model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    doc = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": {"cpu": cpu_model, "cores": os.cpu_count(), "kernel": platform.release(),
                    "pinned_cpu": a.cpu},
        "rounds": a.rounds,
        "peers": {p: d for p, (_, _, d) in PEERS.items()},
        "skipped": skipped,
        "results": results,
        "ratios": ratios,
    }
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "latest.json"), "w") as f:
        json.dump(doc, f, indent=1)
    with open(os.path.join(a.out, "latest.md"), "w") as f:
        f.write(markdown(doc))
    print(markdown(doc))


def cell(res):
    if res is None:
        return "—"
    if "median" in res:
        m = res["median"]
        fmt = "%.1f" if m < 100 else "%.0f"
        return (fmt % m) + " <sub>" + (fmt % res["min"]) + "–" + (fmt % res["max"]) + "</sub>"
    if "bytes" in res:
        return "%.0f B" % res["bytes"]
    if "na" in res:
        return "n/a"
    return "error"


def markdown(doc):
    res, out = doc["results"], []
    out.append(f"Run of {doc['date']} on {doc['machine']['cpu']} ({doc['machine']['cores']} cores, "
               f"Linux {doc['machine']['kernel']}), pinned to CPU {doc['machine']['pinned_cpu']}, "
               f"{doc['rounds']} interleaved rounds. Times in ns per operation: median of the round "
               "medians, <sub>min–max over rounds</sub>.\n")
    cols = WORKLOADS + ["rss"]
    out.append("| peer | " + " | ".join(TITLES[c] for c in cols) + " |")
    out.append("|---|" + "---:|" * len(cols))
    for peer in PEERS:
        if peer not in res:
            continue
        out.append(f"| {peer} | " + " | ".join(cell(res[peer].get(c)) for c in cols) + " |")
    out.append("")
    out.append("Ratios cogen / peer (median of per-round ratios; < 1 means cogen is faster):\n")
    peers = [p for p in PEERS if p != "cogen" and any(p in v for v in doc["ratios"].values())]
    out.append("| workload | " + " | ".join(peers) + " |")
    out.append("|---|" + "---:|" * len(peers))
    for w, rs in doc["ratios"].items():
        out.append(f"| {TITLES[w]} | " + " | ".join(
            ("%.2f" % rs[p]["median"]) if p in rs else "—" for p in peers) + " |")
    if "rss" in res.get("cogen", {}):
        out.append("")
        out.append("RSS notes: " + "; ".join(
            f"{p}: {r['rss'].get('note', '')}" for p, r in res.items() if "rss" in r and "note" in r["rss"]) + ".")
    na = [f"{p} {w}: {r['na']}" for p, ws in res.items() for w, r in ws.items() if isinstance(r, dict) and "na" in r]
    if na:
        out.append("")
        out.append("Not applicable: " + "; ".join(na) + ".")
    err = [f"{p} {w}: {r['error']}" for p, ws in res.items() for w, r in ws.items() if isinstance(r, dict) and "error" in r]
    if err:
        out.append("")
        out.append("Errors: " + "; ".join(err) + ".")
    if doc["skipped"]:
        out.append("")
        out.append("Skipped peers: " + "; ".join(f"{p} ({w})" for p, w in doc["skipped"].items()) + ".")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    main()
