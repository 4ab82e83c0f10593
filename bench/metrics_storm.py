#!/usr/bin/env python3
"""Benchmark: relaying through a hub whose metrics endpoint is under attack.

  python3 bench/metrics_storm.py [./floodchat] [--runs N] [--messages N]

A chain a -> hub -> c on 127.0.0.1, the hub a --relay node with --metrics.
Each run times N messages of 100 bytes written into a's stdin until c has
printed them all, twice: once with the metrics endpoint idle, once with 50
hostile connections open on it (silent ones, ones that never finish their
request head, ones that send garbage) and 2 that ask and then send without
end. Runs alternate the two so that drift on a shared machine hits both.
Prints the median of each, their ratio, and a scrape's latency during the
storm. Every run checks that every message arrived once.
"""
import os
import re
import select
import socket
import statistics
import subprocess
import sys
import threading
import time

BIN = "./floodchat"
RUNS = 5
MESSAGES = 50_000

args = sys.argv[1:]
while args:
    a = args.pop(0)
    if a == "--runs":
        RUNS = int(args.pop(0))
    elif a == "--messages":
        MESSAGES = int(args.pop(0))
    else:
        BIN = a
BIN = os.path.abspath(BIN)


def wait_stderr(proc, pattern, buf, timeout=5):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        m = re.search(pattern, buf[0])
        if m:
            return m
        r, _, _ = select.select([proc.stderr], [], [], 0.1)
        if r:
            buf[0] += os.read(proc.stderr.fileno(), 65536)
    raise SystemExit("timed out waiting for %r" % pattern)


def start(args):
    return subprocess.Popen([BIN] + args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def carry(a, c, count, first):
    """Writes `count` lines into a, returns seconds until c printed them."""
    lines = b"".join(b"%08d " % (first + i) + b"x" * 91 + b"\n" for i in range(count))
    got = bytearray()
    want = count
    start_t = time.monotonic()
    done_writing = [False]

    def writer():
        a.stdin.write(lines)
        a.stdin.flush()
        done_writing[0] = True

    t = threading.Thread(target=writer)
    t.start()
    seen = 0
    end = start_t + 60
    while seen < want and time.monotonic() < end:
        r, _, _ = select.select([c.stdout], [], [], 0.5)
        if r:
            chunk = os.read(c.stdout.fileno(), 1 << 20)
            got += chunk
            seen = got.count(b"\n")
    elapsed = time.monotonic() - start_t
    t.join()
    if seen != want:
        raise SystemExit("c printed %d of %d lines" % (seen, want))
    numbers = [int(l.split(b" ")[0].split(b":")[-1]) for l in got.splitlines()]
    if sorted(numbers) != list(range(first, first + count)):
        raise SystemExit("lost or duplicated lines")
    return elapsed


def storm(mport, stop):
    """Opens the hostile connections; returns them (and flooder threads)."""
    conns = []
    flooders = []

    def flood():
        s = socket.create_connection(("127.0.0.1", mport))
        s.sendall(b"GET /metrics HTTP/1.1\r\n\r\n")
        chunk = b"y" * 4096
        try:
            while not stop.is_set():
                s.sendall(chunk)
        except OSError:
            pass
        s.close()

    for _ in range(2):
        t = threading.Thread(target=flood)
        t.start()
        flooders.append(t)
    for i in range(50):
        s = socket.create_connection(("127.0.0.1", mport))
        if i % 3 == 1:
            s.sendall(b"GET /metrics HTTP/1.1\r\nX-Slow: ")
        elif i % 3 == 2:
            s.sendall(b"\x00\xff\x13garbage")
        conns.append(s)
    return conns, flooders


def scrape_ms(mport):
    t = time.monotonic()
    s = socket.create_connection(("127.0.0.1", mport))
    s.sendall(b"GET /metrics HTTP/1.1\r\n\r\n")
    data = b""
    s.settimeout(10)
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return (time.monotonic() - t) * 1000, data.split(b" ")[1] if b" " in data else b"?"


def main():
    hub_err = [b""]
    hub = start(["--relay", "-l", "127.0.0.1:0", "--peers", "0", "--metrics", "127.0.0.1:0"])
    port = int(wait_stderr(hub, rb"listening on 127\.0\.0\.1:(\d+)", hub_err).group(1))
    mport = int(wait_stderr(hub, rb"metrics on http://127\.0\.0\.1:(\d+)/", hub_err).group(1))
    a = start(["--no-listen", "--peers", "0", "-c", "127.0.0.1:%d" % port, "-n", "a"])
    c = start(["--no-listen", "--peers", "0", "-c", "127.0.0.1:%d" % port, "-n", "c", "-f", "text"])
    for p in (a, c):
        wait_stderr(p, rb"connected to", [b""])
    wait_stderr(hub, rb"(connected to .*\n(.|\n)*){2}", hub_err)
    quiet, stormy, scrapes = [], [], []
    first = 0
    try:
        for _ in range(RUNS):
            quiet.append(carry(a, c, MESSAGES, first))
            first += MESSAGES
            stop = threading.Event()
            conns, flooders = storm(mport, stop)
            stormy.append(carry(a, c, MESSAGES, first))
            first += MESSAGES
            scrapes.append(scrape_ms(mport))
            stop.set()
            for s in conns:
                s.close()
            for t in flooders:
                t.join()
            time.sleep(0.2)
    finally:
        for p in (a, c, hub):
            p.kill()
            p.wait()
    q = statistics.median(quiet)
    s = statistics.median(stormy)
    print("relaying %d messages of 100 bytes through the hub, median of %d runs:" % (MESSAGES, RUNS))
    print("  metrics idle:                 %7.1f ms  (%s)" % (q * 1000, ", ".join("%.1f" % (x * 1000) for x in quiet)))
    print("  52 hostile metrics clients:   %7.1f ms  (%s)" % (s * 1000, ", ".join("%.1f" % (x * 1000) for x in stormy)))
    print("  ratio (storm / idle):         %7.2f" % (s / q))
    print("  a scrape during the storm:    %s" % ", ".join("%.1f ms (%s)" % (ms, st.decode()) for ms, st in scrapes))


if __name__ == "__main__":
    main()
