#!/usr/bin/env python3
"""Anti-entropy's cost and the store's memory, on real processes (issue 12).

1. Idle: two connected nodes say nothing for --idle seconds; the bytes each
   sends (keepalives, digests, presence heartbeats) per second per link, and
   the sync_bytes (digests and summaries) among them.
2. Busy: a sends --messages lines of 100 bytes to b; sync_bytes per message.
3. The store at its bound: b runs with --store 8388608 and receives 200,000
   messages of 100 bytes (far more than it holds); its /stats store= and its
   VmRSS growth against the bound.

usage: bench/sync_bench.py [--binary ./floodchat] [--idle 60]
"""
import argparse
import os
import re
import socket
import subprocess
import sys
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Node:
    def __init__(self, binary, nick, port, extra):
        self.p = subprocess.Popen([binary, "-l", "127.0.0.1:%d" % port, "-n", nick, "--peers",
                                   "0", "-f", "text"] + extra,
                                  stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE)
        os.set_blocking(self.p.stderr.fileno(), False)
        self.err = b""

    def pump(self):
        try:
            d = self.p.stderr.read()
            if d:
                self.err += d
        except BlockingIOError:
            pass

    def stats(self):
        before = self.err.count(b"stats: ")
        self.p.stdin.write(b"/stats\n")
        self.p.stdin.flush()
        end = time.time() + 5
        while self.err.count(b"stats: ") == before and time.time() < end:
            self.pump()
            time.sleep(0.02)
        last = self.err[self.err.rfind(b"stats: "):].decode()
        return {k: v for k, v in re.findall(r"(\w+)=(\S+)", last)}

    def rss(self):
        with open("/proc/%d/status" % self.p.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return -1

    def wait_for(self, key, want, timeout):
        end = time.time() + timeout
        while time.time() < end:
            if int(self.stats()[key]) >= want:
                return True
            time.sleep(0.2)
        return False

    def close(self):
        self.p.stdin.close()
        self.p.wait(timeout=10)


def pair(binary, extra_b):
    pa, pb = free_port(), free_port()
    a = Node(binary, "a", pa, [])
    time.sleep(0.2)
    b = Node(binary, "b", pb, ["-c", "127.0.0.1:%d" % pa] + extra_b)
    end = time.time() + 5
    while b"connected to" not in b.err and time.time() < end:
        b.pump()
        a.pump()
        time.sleep(0.02)
    time.sleep(0.5)
    return a, b


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default="./floodchat")
    ap.add_argument("--idle", type=int, default=60)
    ap.add_argument("--messages", type=int, default=20000)
    o = ap.parse_args()

    a, b = pair(o.binary, [])
    s0 = a.stats()
    time.sleep(o.idle)
    s1 = a.stats()
    out = int(s1["bytes_out"]) - int(s0["bytes_out"])
    sync = int(s1["sync_bytes"]) - int(s0["sync_bytes"])
    print("idle: %d s, a sent b %d bytes (%.1f B/s), of which %d digest and summary bytes "
          "(%.1f B/s)" % (o.idle, out, out / o.idle, sync, sync / o.idle))
    a.close()
    b.close()

    a, b = pair(o.binary, [])
    s0a, s0b = a.stats(), b.stats()
    line = b"x" * 99 + b"\n"
    a.p.stdin.write(line * o.messages)
    a.p.stdin.flush()
    b.wait_for("received", o.messages, 60)
    time.sleep(11)  # one digest interval after
    s1a, s1b = a.stats(), b.stats()
    sync = (int(s1a["sync_bytes"]) - int(s0a["sync_bytes"]) +
            int(s1b["sync_bytes"]) - int(s0b["sync_bytes"]))
    print("busy: %d messages of 100 bytes a -> b: %d digest and summary bytes both ways, "
          "%.3f bytes per message" % (o.messages, sync, sync / o.messages))
    a.close()
    b.close()

    a, b = pair(o.binary, ["--store", "8388608"])
    rss0 = b.rss()
    n = 200000
    chunk = line * 10000
    for _ in range(n // 10000):
        a.p.stdin.write(chunk)
        a.p.stdin.flush()
    b.wait_for("received", n, 120)
    s = b.stats()
    rss1 = b.rss()
    print("store at its bound: --store 8388608, %d messages of 100 bytes received: "
          "store=%s stored=%s; b's VmRSS %d KiB before, %d KiB after (+%d KiB)"
          % (n, s["store"], s["stored"], rss0, rss1, rss1 - rss0))
    a.close()
    b.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
