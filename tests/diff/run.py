#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Differential test: cogen against CPython's own generators.

A scenario is a handful of generators, each with a body written in a tiny
"body language", and a driver script of next/send/throw/close/del steps.
The same scenario text is run twice:

  * here, by compiling every body to the source of a real Python generator
    function (real `yield`, `yield from`, try/except/finally), so CPython's
    own semantics decide what happens;
  * by diffrun (tests/diff/diffrun.c), which interprets the bodies on cogen.

Both print a trace (values yielded, sent and returned, errors and their
codes, what handlers caught, cleanup order, unraisable reports, the state
of every generator after each driver step); the traces must be identical.

Usage:
  run.py --seeds 0:300 --bin build/tests/diff/diffrun   # run, diff, report
  run.py --seeds 0:100000 -j 2 --bin build/tests/diff/diffrun \
         --bin build/tests/diff/diffrun_ucontext         # the long run
  run.py --show 17                                      # print scenario 17
  run.py --py FILE                                      # Python trace of a scenario file
  run.py --source 17                                    # the Python code made for it

Scenario text (one scenario; several may follow each other):
  S <seed>
  G <i> <body>            body := '{' stmt* '}'
  D <kind> <i> <arg>      kind: next send throw close del
  E
stmt := y V | r V | x CODE ID | rr | st | t ID | d ID | yf J | op KIND J ARG ID
      | try BLOCK (ex MATCH BLOCK)* [fin BLOCK] end
MATCH := exc | base | CODE[,CODE...]

  y V        x = yield V; trace what was received
  r V        return V
  x CODE ID  raise error CODE (message "mID"); CODE -100 is GeneratorExit
  rr         bare `raise` (only directly inside a handler)
  st         trace the states of all generators, seen from the body
  t ID       trace a mark
  d ID       cogen_defer / an outer `finally` that traces "cleanup ID"
  yf J       r = yield from G_J
  op ...     a resume of G_J from inside the body (like a driver step)
Values: small ints, 0 is None. Codes: E1.. positive; -100 GeneratorExit,
-101 ValueError (already executing), -102 TypeError (non-None to a
just-started generator), -103 RuntimeError (ignored GeneratorExit).

Deliberate differences, documented in cogen.h, that the scenarios steer
around (both sides trace the same "skip" line instead):
  * cogen_yield_from refuses a sub that another generator is already
    delegating to (Python would resume it); traced "shared".
  * cogen_free after a body ignored EXIT still runs the body's deferred
    cleanups; CPython drops the frame without running its `finally`.
    The Python side runs the remaining cleanups itself in that case.
  * freeing a generator a `yield from` is using, or a running one, is
    refused by both (Python would only drop a reference); traced "skip".
  * "detached sub" (ALLOW_DETACHED below): traced "detached".
And one CPython 3.11 crash: a body's throw into a running generator that is
delegating; traced "skip running delegator". See FINDINGS.md for all.
"""
import argparse
import gc
import inspect
import os
import random
import subprocess
import sys
import tempfile
import time
import weakref

EEXIT, EBUSY, EFRESH, EIGNORED = -100, -101, -102, -103
# Excluded by default (see FINDINGS.md, "detached sub"): while a generator
# that a `yield from` is using is resumed directly (not through its
# delegator), touching one of the generators delegating to it. cogen
# reports them RUNNING (cogen.h: "executing (or delegating to a running
# sub)"); CPython sees them SUSPENDED and resumes them.
ALLOW_DETACHED = False
# FINDINGS.md, finding 2 (fixed in ef96ce3): diffrun passes on an error that
# a resume made from the body returned (EBUSY, EFRESH, ...) with
# cogen_reraise, which raised EINVAL before the fix when that error was a
# call-site error about self. --no-reraise-callsite uses cogen_raise instead
# (to test an older cogen).
RERAISE_CALLSITE = True
# FINDINGS.md, finding 1 (fixed in 6a0ad34): a COGEN_PRIMED body that may
# swallow an error (a try statement) before its first yield; cogen reported
# the handled error before the fix. --no-primed-handled leaves them out.
PRIMED_HANDLED = True

# ------------------------------------------------------------------ errors


class UserError(Exception):
    code = 0


_USER = {}


def user_class(code):
    cls = _USER.get(code)
    if cls is None:
        cls = type("E%d" % code, (UserError,), {"code": code})
        _USER[code] = cls
    return cls


LIB_CLASSES = {EEXIT: GeneratorExit, EBUSY: ValueError, EFRESH: TypeError,
               EIGNORED: RuntimeError}


def make_exc(code, msg):
    if code > 0:
        return user_class(code)(msg)
    if code == EEXIT:
        return GeneratorExit()
    return LIB_CLASSES[code](msg)


def match_classes(match):
    if match == "exc":
        return Exception
    if match == "base":
        return BaseException
    return tuple(user_class(c) if c > 0 else LIB_CLASSES[c] for c in match)


def code_of(e):
    if isinstance(e, UserError):
        return e.code
    if isinstance(e, GeneratorExit):
        return EEXIT
    if isinstance(e, ValueError) and "already executing" in str(e):
        return EBUSY
    if isinstance(e, TypeError) and "just-started" in str(e):
        return EFRESH
    if isinstance(e, RuntimeError) and "ignored GeneratorExit" in str(e):
        return EIGNORED
    return 999  # anything else is a translation bug: shows up in the diff


def desc(e):
    c = code_of(e)
    if c == 999:
        return "999 %s:%s" % (type(e).__name__, e)
    return "%d %s" % (c, str(e) if c > 0 else "-")


def num(v):
    return 0 if v is None else v


# ---------------------------------------------------------------- scenario text


def fmt_block(stmts):
    out = ["{"]
    for s in stmts:
        k = s[0]
        if k == "try":
            out.append("try")
            out.append(fmt_block(s[1]))
            for match, hb in s[2]:
                m = match if isinstance(match, str) else ",".join(map(str, match))
                out.append("ex " + m)
                out.append(fmt_block(hb))
            if s[3] is not None:
                out.append("fin")
                out.append(fmt_block(s[3]))
            out.append("end")
        else:
            out.append(" ".join(map(str, s)))
    out.append("}")
    return " ".join(out)


def fmt_scenario(sc):
    lines = ["S %d" % sc["seed"]]
    for i, b in enumerate(sc["bodies"]):
        lines.append("G %d %s%s" % (i, "P " if i in sc.get("primed", ()) else "", fmt_block(b)))
    for st in sc["driver"]:
        lines.append("D %s %d %d" % st)
    lines.append("E")
    return "\n".join(lines) + "\n"


def parse_block(toks, p):
    assert toks[p] == "{", toks[p:]
    p += 1
    stmts = []
    while toks[p] != "}":
        k = toks[p]
        p += 1
        if k in ("y", "r", "t", "d", "yf"):
            stmts.append((k, int(toks[p])))
            p += 1
        elif k == "x":
            stmts.append((k, int(toks[p]), int(toks[p + 1])))
            p += 2
        elif k in ("rr", "st"):
            stmts.append((k,))
        elif k == "op":
            stmts.append((k, toks[p], int(toks[p + 1]), int(toks[p + 2]), int(toks[p + 3])))
            p += 4
        elif k == "try":
            body, p = parse_block(toks, p)
            hs = []
            fin = None
            while toks[p] == "ex":
                m = toks[p + 1]
                if m not in ("exc", "base"):
                    m = [int(c) for c in m.split(",")]
                hb, p = parse_block(toks, p + 2)
                hs.append((m, hb))
            if toks[p] == "fin":
                fin, p = parse_block(toks, p + 1)
            assert toks[p] == "end", toks[p:]
            p += 1
            stmts.append(("try", body, hs, fin))
        else:
            raise ValueError("bad statement %r" % k)
    return stmts, p + 1


def parse_scenarios(text):
    scs = []
    sc = None
    for line in text.splitlines():
        t = line.split()
        if not t:
            continue
        if t[0] == "S":
            sc = {"seed": int(t[1]), "bodies": [], "driver": [], "primed": []}
        elif t[0] == "G":
            p = 2
            if t[2] == "P":
                sc["primed"].append(int(t[1]))
                p = 3
            body, p = parse_block(t, p)
            assert p == len(t)
            sc["bodies"].append(body)
        elif t[0] == "D":
            sc["driver"].append((t[1], int(t[2]), int(t[3])))
        elif t[0] == "E":
            scs.append(sc)
            sc = None
    return scs


# ------------------------------------------------------------ random scenarios


class Gen:
    """Random scenario generator; everything comes from random.Random(seed)."""

    def __init__(self, seed, features):
        self.r = random.Random(seed)
        self.seed = seed
        self.f = features
        self.ids = 0
        self.vals = 0

    def nid(self):
        self.ids += 1
        return self.ids

    def nval(self):
        self.vals += 1
        return self.vals

    def code(self, exit_ok=True):
        r = self.r
        if exit_ok and r.random() < 0.15:
            return EEXIT
        return r.randint(1, 3)

    def match(self):
        r = self.r
        x = r.random()
        if x < 0.15:
            return "exc"
        if x < 0.25:
            return "base"
        pool = [1, 2, 3, EEXIT, EEXIT]
        if self.n > 1:
            pool += [EBUSY, EIGNORED]
        if r.random() < 0.1:
            pool.append(EFRESH)
        k = r.randint(1, 2)
        return sorted(set(r.choice(pool) for _ in range(k)))

    def block(self, gi, depth, lo, hi, in_handler=False):
        n = self.r.randint(lo, hi)
        return [self.stmt(gi, depth, in_handler) for _ in range(n)]

    def stmt(self, gi, depth, in_handler):
        r = self.r
        choices = [("y", 30), ("t", 5), ("x", 6), ("r", 3), ("d", 6), ("st", 3)]
        if depth < 3:
            choices.append(("try", 16))
        if self.n > 1:
            choices.append(("yf", 10))
            choices.append(("op", 7))
        if in_handler:
            choices.append(("rr", 8))
        tot = sum(w for _, w in choices)
        x = r.uniform(0, tot)
        for k, w in choices:
            x -= w
            if x <= 0:
                break
        if k == "y":
            return ("y", 0 if r.random() < 0.05 else self.nval())
        if k == "t":
            return ("t", self.nid())
        if k == "x":
            return ("x", self.code(), self.nid())
        if k == "r":
            return ("r", 0 if r.random() < 0.2 else 50 + self.nval())
        if k == "d":
            return ("d", self.nid())
        if k in ("rr", "st"):
            return (k,)
        if k == "yf":
            return ("yf", r.choice([j for j in range(self.n) if j != gi]))
        if k == "op":
            kind = r.choice(["next", "next", "send", "throw", "close", "close", "del"])
            j = r.randrange(self.n)
            return ("op", kind, j, self.arg(kind), self.nid())
        # try
        body = self.block(gi, depth + 1, 1, 3)
        hs = [(self.match(), [("t", self.nid())] + self.block(gi, depth + 1, 0, 3, True))
              for _ in range(r.choice([0, 1, 1, 1, 2]))]
        fin = None
        if not hs or r.random() < 0.45:
            fin = [("t", self.nid())] + self.block(gi, depth + 1, 0, 2)
        return ("try", body, hs, fin)

    def arg(self, kind):
        r = self.r
        if kind == "send":
            return 0 if r.random() < 0.2 else 100 + r.randint(0, 99)
        if kind == "throw":
            return self.code()
        return 0

    def scenario(self):
        r = self.r
        self.n = r.choice([1, 2, 2, 3, 3, 3, 4, 4, 5, 6, 7])
        bodies = [self.block(i, 0, 1, 6) for i in range(self.n)]
        if self.n > 2 and r.random() < 0.15:
            # A chain: G0 yield-from G1 yield-from ... G(n-1), each link
            # possibly inside a try, so that sends, throws and closes cross
            # several levels of delegation.
            for i in range(self.n - 1):
                link = ("yf", i + 1)
                if r.random() < 0.5:
                    hs = [(self.match(), [("t", self.nid())] + self.block(i, 2, 0, 2, True))]
                    fin = [("t", self.nid())] + self.block(i, 2, 0, 1) if r.random() < 0.5 else None
                    link = ("try", [link], hs, fin)
                bodies[i] = self.block(i, 1, 0, 2) + [link] + bodies[i]
        steps = []
        for _ in range(r.randint(2, 14)):
            kind = r.choice(["next"] * 7 + ["send"] * 4 + ["throw"] * 4 + ["close"] * 3 + ["del"])
            i = 0 if r.random() < 0.5 else r.randrange(self.n)
            steps.append((kind, i, self.arg(kind)))
        primed = [i for i in range(self.n)
                  if r.random() < 0.2 and (PRIMED_HANDLED or not handles_before_yield(bodies[i]))]
        return {"seed": self.seed, "bodies": bodies, "driver": steps, "primed": primed}


def handles_before_yield(body):
    """May the body swallow an error (a handler, or a `return` in a finally)
    before its first yield? (finding 1)"""
    for s in body:
        if s[0] == "y":
            return False
        if s[0] == "try":
            return True
    return False


def generate(seed, features=()):
    return Gen(seed, features).scenario()


# ----------------------------------------------------- the Python side: codegen


def compile_body(gi, body):
    L = ["def _body_%d(_c):" % gi, "    _D = _c.defers[%d]" % gi,
         "    if _c is None:", "        yield  # always a generator function",
         "    try:", "        pass"]
    counter = [0]

    def emit(stmts, ind):
        pad = " " * ind
        for s in stmts:
            k = s[0]
            if k == "y":
                L.append(pad + "_x = yield %s" % ("None" if s[1] == 0 else s[1]))
                L.append(pad + "T('G%d recv %%d' %% num(_x))" % gi)
            elif k == "r":
                L.append(pad + "return %d" % s[1])
            elif k == "x":
                L.append(pad + "raise make_exc(%d, 'm%d')" % (s[1], s[2]))
            elif k == "rr":
                L.append(pad + "raise")
            elif k == "st":
                L.append(pad + "_c.seen(%d)" % gi)
            elif k == "t":
                L.append(pad + "T('G%d mark %d')" % (gi, s[1]))
            elif k == "d":
                L.append(pad + "_D.append(%d)" % s[1])
            elif k == "yf":
                j = s[1]
                L.append(pad + "if _c.yf_ok(%d, %d):" % (gi, j))
                L.append(pad + "    _c.deleg[%d] = %d" % (j, gi))
                L.append(pad + "    try:")
                L.append(pad + "        _r = yield from _c.table[%d]" % j)
                L.append(pad + "    finally:")
                L.append(pad + "        _c.deleg.pop(%d, None)" % j)
                L.append(pad + "    T('G%d yf G%d -> %%d' %% num(_r))" % (gi, j))
            elif k == "op":
                L.append(pad + "_c.op('G%d op', %r, %d, %d, 'o%d')" % (gi, s[1], s[2], s[3], s[4]))
            elif k == "try":
                L.append(pad + "try:")
                L.append(pad + "    pass")
                emit(s[1], ind + 4)
                for match, hb in s[2]:
                    counter[0] += 1
                    name = "_e%d" % counter[0]
                    L.append(pad + "except match_classes(%r) as %s:" % (match, name))
                    L.append(pad + "    T('G%d caught ' + desc(%s))" % (gi, name))
                    emit(hb, ind + 4)
                if s[3] is not None or not s[2]:
                    L.append(pad + "finally:")
                    L.append(pad + "    pass")
                    emit(s[3] or [], ind + 4)
            else:
                raise ValueError(k)

    emit(body, 8)
    L += ["    finally:",
          "        while _D:",
          "            T('G%d cleanup %%d' %% _D.pop())" % gi]
    return "\n".join(L) + "\n"


def python_source(sc):
    return "".join(compile_body(i, b) for i, b in enumerate(sc["bodies"]))


STATE = {inspect.GEN_CREATED: "C", inspect.GEN_RUNNING: "R",
         inspect.GEN_SUSPENDED: "S", inspect.GEN_CLOSED: "X"}


class PyRun:
    def __init__(self, sc):
        self.out = []
        n = len(sc["bodies"])
        self.defers = [[] for _ in range(n)]
        self.deleg = {}
        self.detached = 0
        self.unraisable = None
        ns = {"num": num, "make_exc": make_exc, "match_classes": match_classes,
              "desc": desc, "T": self.out.append}
        exec(compile(python_source(sc), "<scenario %d>" % sc["seed"], "exec"), ns)
        self.ns = ns
        self.table = [None] * n
        self.sc = sc

    def create(self):
        """Makes the generators in order. A primed one (COGEN_PRIMED, the
        decorator) is run to its first yield before it is stored; one that
        ends first is reported (an error through the unraisable hook) and
        is gone, as cogen_new fails with ECANCELED."""
        for i in range(len(self.table)):
            g = self.ns["_body_%d" % i](self)
            if i not in self.sc.get("primed", ()):
                self.table[i] = g
                continue
            try:
                next(g)
            except StopIteration:
                g = None
            except BaseException as e:
                g = None
                self.T("unraisable " + desc(e))
            if g is None:
                self.T("prime G%d: ended" % i)
            else:
                self.T("prime G%d: ok" % i)
                self.table[i] = g

    def T(self, s):
        self.out.append(s)

    def hook(self, u):
        self.unraisable = code_of(u.exc_value)
        self.T("unraisable " + desc(u.exc_value))

    def yf_ok(self, gi, j):
        if self.table[j] is None:
            self.T("G%d yf G%d: freed" % (gi, j))
            return False
        if j in self.deleg:
            self.T("G%d yf G%d: shared" % (gi, j))
            return False
        if self.detached and not ALLOW_DETACHED and j in self.deleg.values():
            self.T("G%d yf G%d: detached" % (gi, j))
            return False
        return True

    def op(self, prefix, kind, j, arg, msg):
        """One resume of G_j. Traces the outcome; raises the error (inside a
        body it propagates, like a Python call's exception)."""
        head = "%s %s G%d %d" % (prefix, kind, j, arg)
        if self.table[j] is None:
            self.T(head + ": freed")
            return
        if self.detached and not ALLOW_DETACHED and j in self.deleg.values():
            self.T(head + ": skip detached")
            return
        if (kind == "throw" and j in self.deleg.values() and
                inspect.getgeneratorstate(self.table[j]) == inspect.GEN_RUNNING):
            # CPython 3.11 crashes (SIGSEGV) on a throw() into a delegating
            # generator while a throw() it forwards is running (FINDINGS.md).
            self.T(head + ": skip running delegator")
            return
        if kind != "del" and j in self.deleg:
            self.detached += 1
            try:
                self.op1(head, prefix, kind, j, arg, msg)
            finally:
                self.detached -= 1
            return
        self.op1(head, prefix, kind, j, arg, msg)

    def op1(self, head, prefix, kind, j, arg, msg):
        g = self.table[j]
        if kind == "del":
            g = None
            if inspect.getgeneratorstate(self.table[j]) == inspect.GEN_RUNNING:
                self.T(head + ": skip running")
                return
            if j in self.deleg:
                self.T(head + ": skip delegated")
                return
            self.T(head + ": del")
            w = weakref.ref(self.table[j])
            self.unraisable = None
            self.table[j] = None
            if w() is not None:
                # Held by a cycle (e.g. a frame dropped while handling an
                # exception whose traceback refers to that frame): collect
                # it now, as a later collection would, deterministically.
                gc.collect()
            if w() is not None:
                # Held by the frame of a generator already deleted (one that
                # ignored EXIT, abandoned inside `yield from` this one),
                # which an exception's traceback elsewhere keeps alive.
                # cogen freed that generator entirely: clear its frame too.
                for f in gc.get_referrers(w()):
                    name = f.f_code.co_name if inspect.isframe(f) else ""
                    if name.startswith("_body_") and self.table[int(name[6:])] is None:
                        f.clear()
                f = None
                gc.collect()
            if w() is not None:
                self.T(head + ": NOT FREED (translation bug)")
            # A frame dropped inside `yield from` (it ignored EXIT) left its
            # entry behind: a freed generator delegates to nobody.
            for k in [k for k, v in self.deleg.items() if v == j]:
                del self.deleg[k]
            if self.unraisable == EIGNORED:
                # Documented difference: cogen_free runs the cleanups of a
                # body that ignored EXIT; CPython drops its frame.
                D = self.defers[j]
                while D:
                    self.T("G%d cleanup %d" % (j, D.pop()))
            return
        try:
            if kind == "close":
                g.close()
                self.T(head + ": ok")
                return
            if kind == "throw":
                v = g.throw(make_exc(arg, msg))
            else:
                v = g.send(None if arg == 0 else arg)
            self.T(head + ": yielded %d" % num(v))
        except StopIteration as e:
            self.T(head + ": returned %d" % num(e.value))
        except BaseException as e:
            # The traceback keeps this frame: drop g, or a body holding the
            # exception would keep its own generator alive (a cycle).
            g = None
            self.T(head + ": error " + desc(e))
            if prefix.startswith("G"):
                raise

    def seen(self, gi):
        """The states as a body sees them (its own is RUNNING)."""
        if self.detached and not ALLOW_DETACHED:
            self.T("G%d sees: detached" % gi)
        else:
            self.T("G%d sees %s" % (gi, self.states()))

    def states(self):
        return " ".join("-" if g is None else STATE[inspect.getgeneratorstate(g)]
                        for g in self.table)

    def run(self):
        old = sys.unraisablehook
        sys.unraisablehook = self.hook
        gc_was = gc.isenabled()
        gc.disable()  # collections happen where del asks for them, only
        try:
            self.create()
            for k, (kind, j, arg) in enumerate(self.sc["driver"]):
                self.op("step", kind, j, arg, "d%d" % k)
                self.T("states " + self.states())
            # Free what is left, never a generator a yield from still uses.
            while any(g is not None for g in self.table):
                for j in range(len(self.table)):
                    if self.table[j] is not None and j not in self.deleg:
                        self.op("end", "del", j, 0, "")
        finally:
            sys.unraisablehook = old
            if gc_was:
                gc.enable()
        return self.out


def python_trace(sc):
    return PyRun(sc).run()


# -------------------------------------------------------------------- runner


def run_c(binary, scs, extra=()):
    """Runs diffrun on a batch; returns {seed: trace lines} (missing on crash)."""
    with tempfile.NamedTemporaryFile("w", suffix=".scn", delete=False) as f:
        for sc in scs:
            f.write(fmt_scenario(sc))
        name = f.name
    try:
        p = subprocess.run([binary, *extra, name], capture_output=True, text=True, timeout=600)
    finally:
        os.unlink(name)
    res = {}
    cur = None
    for line in p.stdout.splitlines():
        if line.startswith("=== begin "):
            cur = []
        elif line.startswith("=== end "):
            res[int(line.split()[2])] = cur
            cur = None
        elif cur is not None:
            cur.append(line)
    if cur is not None:  # crashed in the middle
        res[("partial", scs[len(res)]["seed"] if len(res) < len(scs) else -1)] = cur
    return res, p.returncode, p.stderr


def diverges(binary, sc, extra):
    try:
        py = python_trace(sc)
    except Exception:
        return False
    c, rc, _ = run_c(binary, [sc], extra)
    return c.get(sc["seed"]) != py


def shrink_block(stmts):
    """Smaller variants of a block: drop one statement, or shrink one try."""
    for k in range(len(stmts)):
        yield stmts[:k] + stmts[k + 1:]
    for k, s in enumerate(stmts):
        if s[0] == "try":
            _, body, hs, fin = s
            for b in shrink_block(body):
                yield stmts[:k] + [("try", b, hs, fin)] + stmts[k + 1:]
            for h in range(len(hs)):
                if fin is not None or len(hs) > 1:
                    yield stmts[:k] + [("try", body, hs[:h] + hs[h + 1:], fin)] + stmts[k + 1:]
                for hb in shrink_block(hs[h][1]):
                    nh = hs[:h] + [(hs[h][0], hb)] + hs[h + 1:]
                    yield stmts[:k] + [("try", body, nh, fin)] + stmts[k + 1:]
            if fin is not None:
                if hs:
                    yield stmts[:k] + [("try", body, hs, None)] + stmts[k + 1:]
                for fb in shrink_block(fin):
                    yield stmts[:k] + [("try", body, hs, fb)] + stmts[k + 1:]
            yield stmts[:k] + body + stmts[k + 1:]


def variants(sc):
    for p in sc.get("primed", ()):
        yield dict(sc, primed=[q for q in sc["primed"] if q != p])
    d = sc["driver"]
    for k in range(len(d)):
        yield dict(sc, driver=d[:k] + d[k + 1:])
    for i, b in enumerate(sc["bodies"]):
        for nb in shrink_block(b):
            bodies = list(sc["bodies"])
            bodies[i] = nb
            yield dict(sc, bodies=bodies)


def minimize(binary, sc, extra, budget=400):
    tries = 0
    progress = True
    while progress and tries < budget:
        progress = False
        for v in variants(sc):
            tries += 1
            if tries > budget:
                break
            if diverges(binary, v, extra):
                sc = v
                progress = True
                break
    return sc


def show_divergence(sc, py, c, minimized=None):
    print("=" * 72)
    print("DIVERGENCE, seed %d" % sc["seed"])
    print(fmt_scenario(sc), end="")
    import difflib
    print("--- diff (python -> cogen):")
    for line in difflib.unified_diff(py, c or ["<no trace: diffrun crashed?>"],
                                     "python", "cogen", lineterm="", n=3):
        print(line)
    if minimized is not None:
        print("--- minimized repro:")
        print(fmt_scenario(minimized), end="")
        print("--- python trace of the repro:")
        print("\n".join(python_trace(minimized)))
        print("--- python code of the repro:")
        print(python_source(minimized), end="")


def check_chunk(job):
    """Seeds [start, end) on every binary: (count, divergences, crashes)."""
    binaries, start, end, extra = job
    scs = [generate(s) for s in range(start, end)]
    # Round-trip through the text, as diffrun sees it.
    scs = parse_scenarios("".join(fmt_scenario(sc) for sc in scs))
    pys = {sc["seed"]: python_trace(sc) for sc in scs}
    n, fails, crashes = 0, [], []
    for binary in binaries:
        cs, rc, err = run_c(binary, scs, extra)
        for sc in scs:
            n += 1
            c = cs.get(sc["seed"])
            if c != pys[sc["seed"]]:
                fails.append((binary, sc, pys[sc["seed"]], c))
        if rc != 0 and not fails:
            crashes.append((binary, rc, err))
    return n, fails, crashes


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", default="0:300", help="A:B, seeds A (incl.) to B (excl.)")
    ap.add_argument("--bin", action="append", default=[],
                    help="diffrun binary (repeatable: each is checked)")
    ap.add_argument("--batch", type=int, default=500, help="scenarios per diffrun process")
    ap.add_argument("--no-minimize", action="store_true")
    ap.add_argument("--progress", type=int, default=0, metavar="N",
                    help="report progress on stderr every N runs")
    ap.add_argument("-j", "--jobs", type=int, default=1, help="worker processes")
    ap.add_argument("--max-report", type=int, default=3, help="divergences printed in full")
    ap.add_argument("--perturb", action="store_true",
                    help="make diffrun falsify its trace (the test must then fail)")
    ap.add_argument("--expect-divergence", action="store_true",
                    help="succeed only if some scenario diverges (with --perturb: "
                    "proves the comparison can fail)")
    ap.add_argument("--show", type=int, help="print the scenario for this seed")
    ap.add_argument("--source", type=int, help="print the Python code for this seed")
    ap.add_argument("--py", help="print the Python trace of a scenario file")
    ap.add_argument("--no-primed-handled", action="store_true",
                    help="no primed body handles an error before its first yield "
                    "(finding 1, for cogen before 6a0ad34)")
    ap.add_argument("--no-reraise-callsite", action="store_true",
                    help="diffrun passes on errors of resumes made by a body with "
                    "cogen_raise (finding 2, for cogen before ef96ce3)")
    ap.add_argument("--allow-detached", action="store_true",
                    help="include the excluded 'detached sub' cases (they diverge)")
    a = ap.parse_args()
    global ALLOW_DETACHED, PRIMED_HANDLED
    ALLOW_DETACHED = a.allow_detached
    PRIMED_HANDLED = not a.no_primed_handled

    if a.show is not None:
        print(fmt_scenario(generate(a.show)), end="")
        return 0
    if a.source is not None:
        print(python_source(generate(a.source)), end="")
        return 0
    if a.py:
        with open(a.py) as f:
            for sc in parse_scenarios(f.read()):
                print("=== begin %d" % sc["seed"])
                print("\n".join(python_trace(sc)))
                print("=== end %d" % sc["seed"])
        return 0
    if not a.bin:
        ap.error("--bin is required")
    lo, hi = (int(x) for x in a.seeds.split(":"))
    extra = [f for f, on in (("--perturb", a.perturb), ("--allow-detached", a.allow_detached),
                             ("--no-reraise-callsite", a.no_reraise_callsite)) if on]
    t0 = time.time()
    bad = 0
    total = 0
    chunks = [(a.bin, st, min(hi, st + a.batch), extra) for st in range(lo, hi, a.batch)]
    pool = None
    if a.jobs > 1:
        # (concurrent.futures, not multiprocessing.Pool: a worker that dies
        # raises BrokenProcessPool instead of hanging the run.)
        from concurrent.futures import ProcessPoolExecutor
        pool = ProcessPoolExecutor(a.jobs)
        results = pool.map(check_chunk, chunks)
    else:
        results = map(check_chunk, chunks)
    try:
        for item in results:
            total, bad = report_chunk(a, item, total, bad, extra, t0)
    except Exception as e:  # BrokenProcessPool: a worker died
        print("the run broke: %r. If CPython itself crashed (see FINDINGS.md), "
              "find the seed with: run.py --py on `run.py --show SEED` output" % e)
        bad += 1
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    return finish(a, total, bad, lo, hi, t0)


def report_chunk(a, item, total, bad, extra, t0):
    n, fails, crashes = item
    total += n
    if a.progress and total // a.progress != (total - n) // a.progress:
        print("... %d runs, %d divergent, %.0f s" % (total, bad, time.time() - t0),
              file=sys.stderr, flush=True)
    for binary, sc, py, c in fails:
        bad += 1
        if bad <= a.max_report:
            if c is None:
                c1, _, err1 = run_c(binary, [sc], extra)
                c = c1.get(sc["seed"]) or next(iter(c1.values()), None)
                print("diffrun exit/stderr: %s" % err1.strip()[-2000:])
            m = None if a.no_minimize else minimize(binary, sc, extra)
            show_divergence(sc, py, c, m)
            print("(binary: %s)" % binary)
        elif bad <= 200:
            print("divergent: seed %d (%s)" % (sc["seed"], binary))
    for binary, rc, err in crashes:
        print("diffrun %s exited with %d: %s" % (binary, rc, err.strip()[-2000:]))
        bad += 1
    return total, bad


def finish(a, total, bad, lo, hi, t0):
    dt = time.time() - t0
    print("diff: %d runs = scenarios x %d binaries (seeds %d:%d), %d divergent, %.1f s"
          % (total, len(a.bin), lo, hi, bad, dt))
    if a.expect_divergence:
        return 0 if bad else 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
