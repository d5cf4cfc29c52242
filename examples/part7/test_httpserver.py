#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs httpserver on 127.0.0.1 (a free port) and checks it.

Keep-alive, pipelining, Connection: close, HTTP/1.0, request bodies
(Content-Length and chunked) followed by pipelined requests, refused
requests (400, 431, 501, 505) answered and closed, random bytes that must
never bring the server down, a few concurrent clients, then SIGTERM (or
SIGINT): the server must close an idle connection and exit 0. Every
socket has a timeout; every loop is bounded.
With --valgrind the server runs under valgrind memcheck, and any error
or leak it reports fails the run (through the server's exit status).
usage: test_httpserver.py HTTPSERVER [--threads N] [--signal INT|TERM] [--valgrind]
"""
import random
import signal
import socket
import subprocess
import sys
import threading

TIMEOUT = 10
VALGRIND = ["valgrind", "-q", "--error-exitcode=99", "--leak-check=full",
            "--show-leak-kinds=definite,indirect,possible",
            "--errors-for-leak-kinds=definite,indirect,possible"]
HELLO = b"Hello, world!\n"
GET = b"GET / HTTP/1.1\r\nHost: t\r\n\r\n"


class Conn:
    """A client connection reading responses one by one."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def _fill(self):
        chunk = self.s.recv(65536)
        if not chunk:
            raise EOFError("server closed the connection")
        self.buf += chunk

    def response(self, head_only=False):
        """(status, headers dict with lower-case names, body)."""
        for _ in range(1000):
            if b"\r\n\r\n" in self.buf:
                break
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        version, status = lines[0].split(" ")[:2]
        if version != "HTTP/1.1":
            raise AssertionError(f"status line {lines[0]!r}")
        headers = {}
        for line in lines[1:]:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
        length = 0 if head_only else int(headers["content-length"])
        for _ in range(1000):
            if len(self.buf) >= length:
                break
            self._fill()
        body, self.buf = self.buf[:length], self.buf[length:]
        return int(status), headers, body

    def closed(self):
        """True if the server closes the connection (EOF) with nothing more."""
        try:
            for _ in range(1000):
                if self.buf:
                    return False
                chunk = self.s.recv(65536)
                if not chunk:
                    return True
                self.buf += chunk
        except ConnectionResetError:
            return True
        return False

    def close(self):
        self.s.close()


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


def ok(resp):
    status, _, body = resp
    expect(status == 200 and body == HELLO, f"not the hello response: {resp!r}")


def check_keep_alive(port):
    c = Conn(port)
    for _ in range(10):
        c.send(GET)
        ok(c.response())
    c.close()


def check_pipelined(port):
    c = Conn(port)
    c.send(GET * 20 + b"GET /nothing HTTP/1.1\r\nHost: t\r\n\r\n" + GET)
    for _ in range(20):
        ok(c.response())
    expect(c.response()[0] == 404, "pipelined 404 out of order")
    ok(c.response())
    # Many more than one read's worth, in one write.
    c.send(GET * 1000)
    for _ in range(1000):
        ok(c.response())
    c.close()


def check_connection_close(port):
    c = Conn(port)
    c.send(GET + b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" + GET)
    ok(c.response())
    status, headers, body = c.response()
    expect(status == 200 and body == HELLO, "close request not answered")
    expect(headers.get("connection", "").lower() == "close", "no Connection: close")
    expect(c.closed(), "not closed after Connection: close")
    c.close()


def check_http10(port):
    c = Conn(port)
    c.send(b"GET / HTTP/1.0\r\n\r\n")
    ok(c.response())
    expect(c.closed(), "HTTP/1.0 without keep-alive not closed")
    c.close()
    c = Conn(port)
    for _ in range(3):
        c.send(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        status, headers, body = c.response()
        expect(status == 200 and body == HELLO, "HTTP/1.0 keep-alive")
        expect(headers.get("connection", "").lower() == "keep-alive", "no Connection: keep-alive")
    c.close()


def check_head_and_methods(port):
    c = Conn(port)
    c.send(b"HEAD / HTTP/1.1\r\nHost: t\r\n\r\n")
    status, headers, body = c.response(head_only=True)
    expect(status == 200 and headers["content-length"] == str(len(HELLO)), "HEAD")
    c.send(b"DELETE / HTTP/1.1\r\nHost: t\r\n\r\n")
    status, headers, _ = c.response()
    expect(status == 405 and "GET" in headers.get("allow", ""), "405 with Allow")
    c.send(GET)
    ok(c.response())
    c.close()


def check_bodies(port):
    c = Conn(port)
    body = bytes(range(256)) * 40  # 10 KiB, more than one read
    c.send(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n" % len(body) + body + GET)
    expect(c.response()[0] == 405, "POST with a body")
    ok(c.response())
    chunked = b"5\r\nhello\r\n1;ext=1\r\nx\r\n" + b"1\r\ny\r\n" * 3000 + b"0\r\nTrailer: t\r\n\r\n"
    c.send(b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked + GET)
    expect(c.response()[0] == 405, "POST with a chunked body")
    ok(c.response())
    # A body that comes in pieces.
    c.send(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc")
    c.send(b"defghij" + GET)
    expect(c.response()[0] == 405, "body in pieces")
    ok(c.response())
    # Expect: 100-continue gets an interim response before the body.
    c.send(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
    expect(c.response(head_only=True)[0] == 100, "no 100 Continue")
    c.send(b"data" + GET)
    expect(c.response()[0] == 405, "after 100 Continue")
    ok(c.response())
    c.close()


def check_refused(port, request, status, what, answered_first=0):
    c = Conn(port)
    try:
        c.send(request)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered and closed before reading everything
    for _ in range(answered_first):
        ok(c.response())
    got, headers, _ = c.response()
    expect(got == status, f"{what}: {got}, expected {status}")
    expect(headers.get("connection", "").lower() == "close", f"{what}: no Connection: close")
    expect(c.closed(), f"{what}: not closed")
    c.close()


def check_errors(port):
    check_refused(port, b"GET / HTTP/1.1\r\nHost: t\r\nBad Header\r\n\r\n", 400, "malformed")
    check_refused(port, b"GET / HTTP/1.1\nHost: t\n\n", 400, "bare LF")
    check_refused(port, GET + b"\x00\x01\x02 garbage\r\n\r\n", 400, "garbage after a request",
                  answered_first=1)
    check_refused(port, b"GET / HTTP/1.1\r\n\r\n", 400, "no Host")
    check_refused(port, b"GET / HTTP/1.1\r\nHost: t\r\nX: " + b"a" * 70000 + b"\r\n\r\n", 431,
                  "header line too long")
    many = b"".join(b"X-%d: v\r\n" % i for i in range(200))
    check_refused(port, b"GET / HTTP/1.1\r\nHost: t\r\n" + many + b"\r\n", 431, "too many fields")
    big = b"".join(b"X-%d: %s\r\n" % (i, b"v" * 4000) for i in range(12))
    check_refused(port, b"GET / HTTP/1.1\r\nHost: t\r\n" + big + b"\r\n", 431, "head too large")
    check_refused(port, b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: t\r\n\r\n", 414, "long target")
    check_refused(port, b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n", 501,
                  "unknown transfer coding")
    check_refused(port, b"GET / HTTP/2.0\r\nHost: t\r\n\r\n", 505, "HTTP/2.0")
    check_refused(port, b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                  400, "bad chunk size")
    # The peer ending inside a head: 400, then closed.
    c = Conn(port)
    c.send(b"GET / HTTP/1.1\r\nHo")
    c.s.shutdown(socket.SHUT_WR)
    expect(c.response()[0] == 400, "head cut short")
    expect(c.closed(), "head cut short: not closed")
    c.close()


def check_random_bytes(port, seed):
    rng = random.Random(seed)
    for i in range(60):
        c = Conn(port)
        n = rng.choice([1, 7, 100, 1000, 20000])
        data = bytes(rng.getrandbits(8) for _ in range(n))
        if i % 3 == 1:  # random bytes after a valid start
            data = b"GET / HTTP/1.1\r\nHost: t\r\n" + data
        try:
            c.send(data)
            if i % 2:
                # Whatever comes back, the server must end with a close once
                # the input has ended, not wait for more.
                c.s.shutdown(socket.SHUT_WR)
                for _ in range(1000):
                    if not c.s.recv(65536):
                        break
                else:
                    raise AssertionError("random bytes: not closed")
            # else: the client goes away without reading (often a reset)
        except (BrokenPipeError, ConnectionResetError):
            pass
        c.close()
    c = Conn(port)
    c.send(GET)
    ok(c.response())
    c.close()


def check_concurrent(port):
    errors = []

    def client(n):
        try:
            c = Conn(port)
            for _ in range(20):
                c.send(GET * 5)
                for _ in range(5):
                    ok(c.response())
            c.close()
        except Exception as e:  # reported by the main thread
            errors.append(f"client {n}: {e!r}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    expect(not errors, "\n".join(errors))


def main():
    prog = sys.argv[1]
    args = sys.argv[2:]
    sig = signal.SIGTERM
    if "--signal" in args:
        i = args.index("--signal")
        sig = getattr(signal, "SIG" + args[i + 1])
        del args[i:i + 2]
    command = [prog, "0"]
    if "--valgrind" in args:
        args.remove("--valgrind")
        command = VALGRIND + command
    server = subprocess.Popen(command + args, stdout=subprocess.PIPE, text=True)
    try:
        first = server.stdout.readline()
        if not first.startswith("listening on 127.0.0.1:"):
            sys.exit(f"first line: {first!r}")
        port = int(first.rsplit(":", 1)[1])
        checks = [check_keep_alive, check_pipelined, check_connection_close, check_http10,
                  check_head_and_methods, check_bodies, check_errors,
                  lambda p: check_random_bytes(p, 1), check_concurrent]
        for check in checks:
            try:
                check(port)
            except Exception as e:
                sys.exit(f"{getattr(check, '__name__', 'check')}: {e!r}")
            if server.poll() is not None:
                sys.exit(f"server died (status {server.returncode})")
        idle = Conn(port)
        idle.send(GET)
        ok(idle.response())
        server.send_signal(sig)
        if not idle.closed():
            sys.exit("idle connection: not closed at shutdown")
        rc = server.wait(TIMEOUT * 3)
        if rc != 0:
            sys.exit(f"exit status {rc}")
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    print("ok")


main()
