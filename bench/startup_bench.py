#!/usr/bin/env python3
"""Benchmark: how long a node takes to start, and to deliver one line.

  python3 bench/startup_bench.py [./floodchat ...] [--runs N]

For each binary, N times (default 50), on 127.0.0.1:
  - listen: from starting `floodchat -l 127.0.0.1:0 --relay` to its line
    "floodchat: listening on ..." on stderr (the node is then accepting);
  - one line: from starting `floodchat --no-listen -c 127.0.0.1:PORT` with
    one line on stdin to its exit, the line given to a listening node (the
    one-shot scripting use, `echo done | floodchat -c hub:55555`);
  - --version: start to exit, the bare cost of exec and exit.
Prints the median and the 90th percentile of each, in milliseconds.
"""
import os
import statistics
import subprocess
import sys
import time


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def time_listen(binary):
    start = time.perf_counter()
    proc = subprocess.Popen([binary, "-l", "127.0.0.1:0", "--relay", "--peers", "0"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    line = proc.stderr.readline()
    elapsed = time.perf_counter() - start
    if b"listening on" not in line:
        raise SystemExit(f"{binary}: unexpected first line {line!r}")
    port = int(line.rsplit(b":", 1)[1])
    return elapsed, proc, port


def time_run(args, stdin_bytes):
    start = time.perf_counter()
    done = subprocess.run(args, input=stdin_bytes, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, timeout=10)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{args[0]}: exit status {done.returncode}")
    return elapsed


def main():
    args = sys.argv[1:]
    runs = 50
    if "--runs" in args:
        i = args.index("--runs")
        runs = int(args[i + 1])
        del args[i:i + 2]
    binaries = args or ["./floodchat"]
    for binary in binaries:
        listen, one_line, version = [], [], []
        for _ in range(runs):
            elapsed, hub, port = time_listen(binary)
            listen.append(elapsed)
            one_line.append(time_run([binary, "--no-listen", "--peers", "0", "-c",
                                      f"127.0.0.1:{port}"], b"deploy done\n"))
            version.append(time_run([binary, "--version"], b""))
            hub.terminate()
            hub.wait(timeout=10)
        print(f"{binary} ({os.path.getsize(binary)} bytes), {runs} runs:")
        for name, values in (("listening", listen), ("one line delivered, exit", one_line),
                             ("--version", version)):
            print(f"  {name}: median {statistics.median(values) * 1000:.2f} ms, "
                  f"p90 {percentile(values, 0.9) * 1000:.2f} ms")


if __name__ == "__main__":
    main()
