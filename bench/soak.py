#!/usr/bin/env python3
"""A soak of real floodchat processes on 127.0.0.1 (issue 12).

20 nodes (--peers 5, -f json), nodes 1 to 4 each sending a line every
50 ms; every 20 s one of nodes 10 to 19 is killed (SIGKILL) and started
again a second later. Nodes 0 to 9 are never killed: for them every
message sent while the run lasted must be printed exactly once. At the end
the senders stop, the mesh gets 20 s to settle and repair, and the script
prints lost and duplicated deliveries on the long-lived nodes, what the
restarted nodes printed of messages sent before they started (joining is
not a repair: should be 0), and each long-lived node's VmRSS over time.

usage: bench/soak.py [--seconds S] [--binary ./floodchat]
"""
import argparse
import json
import os
import random
import selectors
import signal
import socket
import subprocess
import sys
import time

NODES, SENDERS, STABLE = 20, (1, 2, 3, 4), 10


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Node:
    def __init__(self, binary, index, port, bootstrap):
        self.index, self.port = index, port
        args = [binary, "-l", "127.0.0.1:%d" % port, "-n", "n%d" % index, "--peers", "5",
                "-f", "json", "-q"]
        if bootstrap:
            args += ["-c", "127.0.0.1:%d" % bootstrap]
        self.args = args
        self.prints = []     # (text, sent_ms) of every line printed, all incarnations
        self.started = []    # wall ms of each start
        self.start()

    def start(self):
        self.proc = subprocess.Popen(self.args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        os.set_blocking(self.proc.stdout.fileno(), False)
        self.partial = b""
        self.started.append(time.time() * 1000)
        self.incarnation_from = len(self.prints)

    def read(self):
        try:
            data = self.proc.stdout.read()
        except (BlockingIOError, ValueError):
            return
        if not data:
            return
        data = self.partial + data
        lines = data.split(b"\n")
        self.partial = lines.pop()
        for line in lines:
            try:
                o = json.loads(line)
            except ValueError:
                continue
            self.prints.append((o.get("text", ""), o.get("ts", 0), len(self.started)))

    def rss_kib(self):
        try:
            with open("/proc/%d/status" % self.proc.pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return -1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=300)
    ap.add_argument("--binary", default="./floodchat")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    ports = [free_port() for _ in range(NODES)]
    nodes = [Node(a.binary, 0, ports[0], None)]
    time.sleep(0.3)
    for i in range(1, NODES):
        nodes.append(Node(a.binary, i, ports[i], ports[0] if i < 5 else ports[rng.randrange(i)]))
    time.sleep(3)
    sent = {}  # text -> wall ms when written
    seq = 0
    t0 = time.time()
    next_send = t0
    next_kill = t0 + 20
    restart_at = None
    victim = None
    kills = 0
    rss = {i: [] for i in range(STABLE)}
    next_rss = t0
    while time.time() - t0 < a.seconds:
        now = time.time()
        if now >= next_send:
            for s in SENDERS:
                text = "s%d-%d" % (s, seq)
                sent[text] = now * 1000
                try:
                    nodes[s].proc.stdin.write((text + "\n").encode())
                    nodes[s].proc.stdin.flush()
                except BrokenPipeError:
                    pass
            seq += 1
            next_send += 0.05
        if now >= next_kill:
            victim = rng.randrange(STABLE, NODES)
            nodes[victim].proc.send_signal(signal.SIGKILL)
            nodes[victim].proc.wait()
            nodes[victim].read()
            restart_at = now + 1
            next_kill += 20
            kills += 1
        if restart_at is not None and now >= restart_at:
            nodes[victim].start()
            restart_at = None
        if now >= next_rss:
            for i in range(STABLE):
                rss[i].append(nodes[i].rss_kib())
            next_rss += 30
        for n in nodes:
            n.read()
        time.sleep(0.005)
    settle_end = time.time() + 20
    while time.time() < settle_end:
        for n in nodes:
            n.read()
        time.sleep(0.05)
    for i in range(STABLE):
        rss[i].append(nodes[i].rss_kib())
    for n in nodes:
        n.proc.stdin.close()
    for n in nodes:
        try:
            n.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            n.proc.kill()
        n.read()

    expected = lost = dup = 0
    for i in range(STABLE):
        counts = {}
        for text, _, _ in nodes[i].prints:
            counts[text] = counts.get(text, 0) + 1
        for text in sent:
            if text.startswith("s%d-" % i):
                continue  # its own: not printed
            expected += 1
            c = counts.get(text, 0)
            if c == 0:
                lost += 1
            elif c > 1:
                dup += c - 1
    old = 0
    for i in range(STABLE, NODES):
        n = nodes[i]
        for text, ts, incarnation in n.prints:
            if incarnation > 1 and ts and ts < n.started[incarnation - 1] - 1000:
                old += 1
    print("soak: %d s, %d nodes, %d senders every 50 ms, %d kills and restarts, %d messages"
          % (a.seconds, NODES, len(SENDERS), kills, len(sent)))
    print("long-lived nodes: %d expected deliveries, %d lost, %d duplicated" % (expected, lost, dup))
    print("restarted nodes: %d prints of messages sent over a second before they started" % old)
    for i in range(STABLE):
        print("n%d VmRSS KiB every 30 s: %s" % (i, " ".join(str(v) for v in rss[i])))
    return 0 if lost == 0 and dup == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
