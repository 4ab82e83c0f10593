#!/usr/bin/env python3
"""Benchmark: a chain of 5 floodchat nodes on 127.0.0.1.

  python3 bench/chain_bench.py [./floodchat] [--runs N] [--messages N] [--node-args ARGS]

--node-args: more options for every node (split on spaces), such as
"--broadcast flood" to set the broadcast policy against the default tree.

Prints, from one run on this machine:
  - throughput: 100,000 messages of 100 bytes written into the first node's
    stdin as fast as the pipe takes them, counted at the last node's stdout
    (median of --runs); every run checks that all arrived, once, in order;
  - the same through a second chain in keyed mode (-k, a key from
    --gen-key), its runs taking turns with the plain chain's, and the ratio;
  - the same bytes through a chain of 5 socat byte relays, the ceiling;
  - latency across the 4 hops at a light load (one message every 2 ms),
    p50 and p99, measured from the write into the first node's stdin to the
    read from the last node's stdout, so it includes this script's overhead;
    the same for the socat chain, the floor that process wake-ups set;
  - the idle resident memory of one connected node and the peak of the
    busiest node;
  - the size of the binary.
"""
import os
import re
import select
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

BIN = "./floodchat"
RUNS = 5
MESSAGES = 100_000
TEXT_BYTES = 100
CHAIN = 5
NODE_ARGS = []
LISTEN_RE = re.compile(rb"listening on \S+:(\d+)")

args = sys.argv[1:]
while args:
    a = args.pop(0)
    if a == "--runs":
        RUNS = int(args.pop(0))
    elif a == "--messages":
        MESSAGES = int(args.pop(0))
    elif a == "--node-args":
        NODE_ARGS = args.pop(0).split()
    else:
        BIN = a
BIN = os.path.abspath(BIN)


# What each node has written on stderr so far: read_port's read may already
# hold the "connected to" line that wait_stderr then counts.
SEEN = {}


def read_port(proc):
    buf = b""
    end = time.monotonic() + 5
    while time.monotonic() < end:
        r, _, _ = select.select([proc.stderr], [], [], 0.1)
        if r:
            chunk = os.read(proc.stderr.fileno(), 4096)
            buf += chunk
            m = LISTEN_RE.search(buf)
            if m:
                SEEN[proc.pid] = buf
                return int(m.group(1))
    raise RuntimeError("no listening line: %r" % buf)


def wait_stderr(proc, needle, count, timeout=5.0):
    buf = SEEN.pop(proc.pid, b"")
    end = time.monotonic() + timeout
    while buf.count(needle) < count and time.monotonic() < end:
        r, _, _ = select.select([proc.stderr], [], [], 0.05)
        if r:
            buf += os.read(proc.stderr.fileno(), 4096)
    if buf.count(needle) < count:
        raise RuntimeError("timed out waiting for %r" % needle)


def start_chain(extra=()):
    """n0 <- n1 <- ... <- n4; input at n0, output read at n4. `extra`: more
    options for every node (-k FILE for the keyed chain)."""
    nodes = []
    devnull = open(os.devnull, "wb")
    prev = None
    for i in range(CHAIN):
        last = i == CHAIN - 1
        # --peers 0: a fixed chain; the nodes must not mesh by themselves.
        cmd = [BIN, "-l", "127.0.0.1:0", "-n", "n%d" % i, "-f", "text", "--peers", "0"] + NODE_ARGS
        cmd += list(extra)
        if prev is not None:
            cmd += ["-c", "127.0.0.1:%d" % prev]
        if i > 0:
            cmd += ["--relay"]
        p = subprocess.Popen(cmd, stdin=subprocess.PIPE if i == 0 else subprocess.DEVNULL,
                             stdout=subprocess.PIPE if last else devnull, stderr=subprocess.PIPE)
        prev = read_port(p)
        nodes.append(p)
    for i, p in enumerate(nodes):
        wait_stderr(p, b"connected to", 1 if i in (0, CHAIN - 1) else 2)
    return nodes


def stop(procs):
    for p in procs:
        if p.poll() is None:
            p.kill()
        p.wait()


def payload(run, n):
    lines = []
    for i in range(n):
        head = b"%d %d " % (run, i)
        lines.append(head + b"x" * (TEXT_BYTES - len(head)) + b"\n")
    return b"".join(lines)


def push_and_count(writer_fd, reader_fd, data, expect_lines, timeout=60.0):
    """Writes `data` while reading; returns (seconds, bytes read)."""
    os.set_blocking(writer_fd, False)
    out = bytearray()
    sent = 0
    t0 = time.perf_counter()
    end = t0 + timeout
    lines = 0
    while lines < expect_lines and time.perf_counter() < end:
        wl = [writer_fd] if sent < len(data) else []
        r, w, _ = select.select([reader_fd], wl, [], 0.5)
        if w:
            try:
                sent += os.write(writer_fd, data[sent:sent + (1 << 20)])
            except BlockingIOError:
                pass
        if r:
            chunk = os.read(reader_fd, 1 << 20)
            if not chunk:
                break
            lines += chunk.count(b"\n")
            out += chunk
    return time.perf_counter() - t0, bytes(out)


def throughput_run(nodes, run):
    data = payload(run, MESSAGES)
    secs, out = push_and_count(nodes[0].stdin.fileno(), nodes[-1].stdout.fileno(), data, MESSAGES)
    got = out.split(b"\n")[:-1]
    want = data.split(b"\n")[:-1]
    ok = got == want
    return MESSAGES / secs, ok, len(got)


def start_socat_chain():
    """The same shape as the floodchat chain, of byte relays: stdin -> s0 ->
    s1 -> s2 -> s3 -> s4 -> stdout, 4 TCP hops with Nagle off."""
    ports = []
    for _ in range(CHAIN - 1):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        ports.append(s.getsockname()[1])
        s.close()
    procs = []
    # From the end, so each listener is up before its client starts.
    listen = "TCP-LISTEN:%d,bind=127.0.0.1,reuseaddr,nodelay"
    last = subprocess.Popen(["socat", "-u", listen % ports[-1], "STDOUT"], stdout=subprocess.PIPE)
    procs.append(last)
    time.sleep(0.1)
    for k in range(CHAIN - 3, -1, -1):
        procs.append(subprocess.Popen(["socat", "-u", listen % ports[k],
                                       "TCP:127.0.0.1:%d,nodelay" % ports[k + 1]]))
        time.sleep(0.1)
    first = subprocess.Popen(["socat", "-u", "STDIN", "TCP:127.0.0.1:%d,nodelay" % ports[0]],
                             stdin=subprocess.PIPE)
    procs.append(first)
    time.sleep(0.2)
    return procs, first, last


def socat_run(run):
    procs, first, last = start_socat_chain()
    data = payload(run, MESSAGES)
    secs, out = push_and_count(first.stdin.fileno(), last.stdout.fileno(), data, MESSAGES)
    ok = out == data
    stop(procs)
    return MESSAGES / secs, ok


def socat_latency():
    procs, first, last = start_socat_chain()
    try:
        return measure_latency(first.stdin.fileno(), last.stdout.fileno())
    finally:
        stop(procs)


def measure_latency(w, r, samples=1000):
    os.set_blocking(w, True)
    out = []
    buf = b""
    for i in range(samples):
        line = b"lat %d\n" % i
        t0 = time.perf_counter_ns()
        os.write(w, line)
        while line not in buf:
            select.select([r], [], [], 1.0)
            buf += os.read(r, 65536)
        out.append((time.perf_counter_ns() - t0) / 1e6)
        buf = b""
        time.sleep(0.002)
    out.sort()
    return out[len(out) // 2], out[int(len(out) * 0.99) - 1]


def rss_kib(pid, field="VmRSS"):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return -1


def main():
    print("binary: %s, %d bytes" % (BIN, os.path.getsize(BIN)))
    if NODE_ARGS:
        print("node options: %s" % " ".join(NODE_ARGS))
    keydir = tempfile.mkdtemp()
    keyfile = os.path.join(keydir, "key")
    with open(keyfile, "wb") as f:
        f.write(subprocess.run([BIN, "--gen-key"], check=True, capture_output=True).stdout)
    os.chmod(keyfile, 0o600)
    nodes = start_chain()
    keyed = start_chain(["-k", keyfile])
    try:
        time.sleep(0.3)
        print("idle memory of a connected relay node: VmRSS %d KiB, of which RssAnon %d KiB "
              "(the rest is the binary's own pages)"
              % (rss_kib(nodes[2].pid), rss_kib(nodes[2].pid, "RssAnon")))
        rates, krates = [], []
        for run in range(RUNS):
            # Plain and keyed take turns, so that both see the same machine.
            rate, ok, n = throughput_run(nodes, run)
            rates.append(rate)
            print("run %d: %.0f msg/s at the far end, %d/%d arrived, all in order once: %s"
                  % (run, rate, n, MESSAGES, ok))
            rate, ok, n = throughput_run(keyed, run)
            krates.append(rate)
            print("keyed run %d: %.0f msg/s at the far end, %d/%d arrived, all in order once: %s"
                  % (run, rate, n, MESSAGES, ok))
        print("floodchat chain of %d: median %.0f msg/s" % (CHAIN, statistics.median(rates)))
        print("keyed chain of %d (-k): median %.0f msg/s; keyed/plain = %.2f"
              % (CHAIN, statistics.median(krates),
                 statistics.median(krates) / statistics.median(rates)))
        p50, p99 = measure_latency(nodes[0].stdin.fileno(), nodes[-1].stdout.fileno())
        print("latency over %d hops at light load: p50 %.3f ms, p99 %.3f ms" % (CHAIN - 1, p50, p99))
        p50, p99 = measure_latency(keyed[0].stdin.fileno(), keyed[-1].stdout.fileno())
        print("keyed latency over %d hops: p50 %.3f ms, p99 %.3f ms" % (CHAIN - 1, p50, p99))
        print("peak RSS (VmHWM) of the nodes: %s KiB"
              % " ".join(str(rss_kib(p.pid, "VmHWM")) for p in nodes))
        print("peak RSS (VmHWM) of the keyed nodes: %s KiB"
              % " ".join(str(rss_kib(p.pid, "VmHWM")) for p in keyed))
    finally:
        stop(nodes)
        stop(keyed)
        os.unlink(keyfile)
        os.rmdir(keydir)
    if shutil.which("socat"):
        srates = []
        for run in range(RUNS):
            rate, ok = socat_run(run)
            srates.append(rate)
            print("socat run %d: %.0f lines/s, intact: %s" % (run, rate, ok))
        s = statistics.median(srates)
        print("socat chain of %d: median %.0f lines/s; floodchat/socat = %.2f"
              % (CHAIN, s, statistics.median(rates) / s))
        sp50, sp99 = socat_latency()
        print("socat latency over %d hops: p50 %.3f ms, p99 %.3f ms" % (CHAIN - 1, sp50, sp99))
    else:
        print("socat not installed: no ceiling measured")


if __name__ == "__main__":
    main()
