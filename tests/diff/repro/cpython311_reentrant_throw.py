# SPDX-License-Identifier: MIT
# Found by tests/diff (FINDINGS.md): CPython 3.11.2 and 3.11.7 die with SIGSEGV.
# cogen, for the same thing, returns COGEN_EBUSY from the inner throw.
# CPython 3.11 crash: a throw() that re-enters the delegating generator.
class E2(Exception): pass
class E3(Exception): pass

def inner():
    try:
        yield 1
    except BaseException:
        g0.throw(E3())   # g0 is delegating to us, and is "being thrown into"

def outer():
    yield from inner()

g0 = outer()
print(next(g0))
try:
    g0.throw(E2())
except BaseException as e:
    print("got", type(e).__name__, e)
