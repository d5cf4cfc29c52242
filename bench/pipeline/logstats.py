#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""logstats as a Python 3 coroutine pipeline, written the seed's way
(Beazley's part 2): a source pushes lines with send() into a parsing
coroutine that broadcasts each parsed record to aggregator coroutines.

    opener -> parse -> broadcast -> status / clients / hours / top404

Usage: logstats.py --json FILE   (prints the same JSON object as logstats)
"""
import json
import re
import sys


def coroutine(func):
    def start(*args, **kwargs):
        cr = func(*args, **kwargs)
        next(cr)
        return cr
    return start


MONTHS = {m: i + 1 for i, m in enumerate(
    [b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun",
     b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec"])}

PART = rb'((?:[^ "\\]|\\.)+)'
QUOTED = rb'"(?:[^"\\]|\\.)*"'
LINE = re.compile(
    rb'([^ ]+) [^ ]+ [^ ]+ '
    rb'\[(\d\d)/([A-Z][a-z][a-z])/(\d{4}):(\d\d):(\d\d):(\d\d) [+-]\d{4}\] '
    rb'"' + PART + rb' ' + PART + rb' ' + PART + rb'" '
    rb'(\d{3}) (\d{1,18}|-)'
    rb'(?: ' + QUOTED + rb'(?: ' + QUOTED + rb')?)?\Z', re.DOTALL)


def follow_lines(f, target):
    """The source: each line of f, without its newline, sent to target."""
    for line in f:
        if line[-1:] == b"\n":
            line = line[:-1]
            if line[-1:] == b"\r":
                line = line[:-1]
        elif line[-1:] == b"\r":
            line = line[:-1]
        target.send(line)
    target.close()


@coroutine
def parse(counts, target):
    try:
        while True:
            line = (yield)
            counts["lines"] += 1
            if line[-1:] == b"\r":
                line = line[:-1]
            m = LINE.match(line)
            if m:
                (host, dd, mon, yyyy, hh, mi, ss,
                 _method, path, _proto, status, size) = m.groups()
                month = MONTHS.get(mon)
                if (month and 1 <= int(dd) <= 31 and int(hh) <= 23
                        and int(mi) <= 59 and int(ss) <= 60):
                    counts["parsed"] += 1
                    hour = "%s-%02d-%sT%s" % (yyyy.decode(), month, dd.decode(), hh.decode())
                    nbytes = 0 if size == b"-" else int(size)
                    target.send((host, hour, path, status.decode(), nbytes))
                    continue
            counts["malformed"] += 1
    except GeneratorExit:
        target.close()


@coroutine
def broadcast(targets):
    try:
        while True:
            item = (yield)
            for target in targets:
                target.send(item)
    except GeneratorExit:
        for target in targets:
            target.close()


@coroutine
def by_status(result):
    while True:
        _host, _hour, _path, status, nbytes = (yield)
        entry = result.get(status)
        if entry is None:
            entry = result[status] = [0, 0]
        entry[0] += 1
        entry[1] += nbytes


@coroutine
def by_client(result):
    while True:
        host, _hour, _path, _status, nbytes = (yield)
        entry = result.get(host)
        if entry is None:
            entry = result[host] = [0, 0]
        entry[0] += nbytes
        entry[1] += 1


@coroutine
def by_hour(result):
    while True:
        _host, hour, _path, _status, _nbytes = (yield)
        result[hour] = result.get(hour, 0) + 1


@coroutine
def not_found(result):
    while True:
        _host, _hour, path, status, _nbytes = (yield)
        if status == "404":
            result[path] = result.get(path, 0) + 1


def report(counts, status, clients, hours, nf):
    top_clients = sorted(clients.items(), key=lambda kv: (-kv[1][0], kv[0]))[:10]
    top_404 = sorted(nf.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    return {
        "lines": counts["lines"], "parsed": counts["parsed"], "malformed": counts["malformed"],
        "status": {s: {"requests": v[0], "bytes": v[1]} for s, v in sorted(status.items())},
        "top_clients": [{"client": c.decode("latin-1"), "bytes": v[0], "requests": v[1]}
                        for c, v in top_clients],
        "hours": dict(sorted(hours.items())),
        "top_404": [{"path": p.decode("latin-1"), "count": n} for p, n in top_404],
    }


def main(argv):
    files = [a for a in argv[1:] if a != "--json"]
    counts = {"lines": 0, "parsed": 0, "malformed": 0}
    status, clients, hours, nf = {}, {}, {}, {}
    pipeline = parse(counts, broadcast([
        by_status(status), by_client(clients), by_hour(hours), not_found(nf)]))
    if len(files) != 1:
        sys.exit("usage: logstats.py --json FILE")
    with (sys.stdin.buffer if files[0] == "-" else open(files[0], "rb")) as f:
        follow_lines(f, pipeline)
    print(json.dumps(report(counts, status, clients, hours, nf)))


if __name__ == "__main__":
    main(sys.argv)
