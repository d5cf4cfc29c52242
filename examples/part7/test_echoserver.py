#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs echoserver on 127.0.0.1 (a free port) and checks it.

Bounded clients on threads, each sending 1 KiB messages and checking every
byte echoed; an idle connection that must see EOF when the server shuts
down; then SIGTERM (or SIGINT): the server must exit 0 within seconds.
usage: test_echoserver.py ECHOSERVER [--threads N] [--signal INT|TERM]
"""
import os
import signal
import socket
import subprocess
import sys
import threading

CLIENTS, MESSAGES, SIZE = 20, 50, 1024


def client(port, seed, errors):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            for i in range(MESSAGES):
                msg = bytes((seed * 31 + i * 7 + k) % 256 for k in range(SIZE))
                s.sendall(msg)
                got = b""
                while len(got) < SIZE:
                    chunk = s.recv(SIZE - len(got))
                    if not chunk:
                        raise RuntimeError("server closed early")
                    got += chunk
                if got != msg:
                    raise RuntimeError("echo differs")
    except Exception as e:  # reported by the main thread
        errors.append(f"client {seed}: {e}")


def main():
    prog = sys.argv[1]
    args = sys.argv[2:]
    sig = signal.SIGTERM
    if "--signal" in args:
        i = args.index("--signal")
        sig = getattr(signal, "SIG" + args[i + 1])
        del args[i:i + 2]
    server = subprocess.Popen([prog, "0"] + args, stdout=subprocess.PIPE, text=True)
    try:
        first = server.stdout.readline()
        if not first.startswith("listening on 127.0.0.1:"):
            sys.exit(f"first line: {first!r}")
        port = int(first.rsplit(":", 1)[1])
        errors = []
        threads = [threading.Thread(target=client, args=(port, n, errors)) for n in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        if errors:
            sys.exit("\n".join(errors))
        idle = socket.create_connection(("127.0.0.1", port), timeout=10)
        idle.sendall(b"ping")
        if idle.recv(4) != b"ping":
            sys.exit("idle connection: no echo")
        server.send_signal(sig)
        if idle.recv(1) != b"":
            sys.exit("idle connection: not closed at shutdown")
        rc = server.wait(10)
        if rc != 0:
            sys.exit(f"exit status {rc}")
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    print("ok")


main()
