# SPDX-License-Identifier: MIT
"""CPython generators, the model cogen reproduces: gen.send, gen.throw,
gen.close and `yield from`, timed inside Python with time.perf_counter_ns
the same way bench.h times the C peers (warm-up, calibrated batches of
about 4 ms, median of 15). The loop around each operation is Python code
too, so its cost (~10-20 ns) is included, as it is in any Python program."""
import gc
import json
import sys
import time

BATCH_NS = 4_000_000
BATCHES = 15
WARMUP_NS = 30_000_000
RSS_COUNT = 100_000


def report(workload, fn):
    n = 16
    best = float("inf")
    start = time.perf_counter_ns()
    while True:
        t0 = time.perf_counter_ns()
        fn(n)
        elapsed = time.perf_counter_ns() - t0
        best = min(best, elapsed / n)
        if time.perf_counter_ns() - start > WARMUP_NS and elapsed > BATCH_NS / 4:
            break
        if elapsed < BATCH_NS:
            n *= 2
    n = int(BATCH_NS / max(best, 1e-3)) + 1
    t = []
    for _ in range(BATCHES):
        t0 = time.perf_counter_ns()
        fn(n)
        t.append((time.perf_counter_ns() - t0) / n)
    t.sort()
    print(json.dumps({"peer": "python", "workload": workload, "ns": round(t[BATCHES // 2], 3),
                      "min": round(t[0], 3), "max": round(t[-1], 3), "ops": n}))


def echo():
    v = yield
    while True:
        v = yield v + 1


def delegator(sub):
    return (yield from sub)


def once(v):
    return v
    yield  # makes it a generator


def catcher():
    k = 0
    while True:
        try:
            yield k
        except ValueError:
            k += 1


def sender(g):
    send = g.send

    def run(n):
        acc = 0
        for i in range(n):
            acc += send(i)
        return acc
    return run


def create(n):
    acc = 0
    for i in range(n):
        g = once(i)
        try:
            next(g)
        except StopIteration as e:
            acc += e.value
    return acc


def throw_rt(g):
    throw = g.throw
    err = ValueError("bench")

    def run(n):
        acc = 0
        for _ in range(n):
            acc += throw(err)
        return acc
    return run


def close_rt(n):
    for _ in range(n):
        g = catcher()
        next(g)
        g.close()


def rss():
    def statm():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * 4096
    gc.collect()
    before = statm()
    gens = []
    for _ in range(RSS_COUNT):
        g = echo()
        next(g)
        gens.append(g)
    after = statm()
    print(json.dumps({"peer": "python", "workload": "rss", "bytes": (after - before) / RSS_COUNT,
                      "count": RSS_COUNT, "note": "generator objects parked at a yield (list of refs included)"}))


def main():
    w = sys.argv[1] if len(sys.argv) > 1 else "rt"
    if w == "rt":
        g = echo()
        next(g)
        report(w, sender(g))
    elif w == "create":
        report(w, create)
    elif w.startswith("yf"):
        g = echo()
        for _ in range(int(w[2:])):
            g = delegator(g)
        next(g)
        report(w, sender(g))
    elif w == "throw":
        g = catcher()
        next(g)
        report(w, throw_rt(g))
    elif w == "close":
        report(w, close_rt)
    elif w == "rss":
        rss()
    else:
        print(json.dumps({"peer": "python", "workload": w, "na": "no stack to pool"}))


if __name__ == "__main__":
    main()
