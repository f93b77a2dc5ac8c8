"""Benchmark of the unitrack Python client against the real built collector
(UNITRACK_BIN), printed, not asserted (`make bench` runs it).

  1. the caller's cost per call (p50/p99/p99.9) with the collector up, next to
     a disabled client (the floor) and to the baseline a call site hand-rolls
     today: one synchronous urllib POST per event;
  2. the client's throughput to the collector (events accepted over HTTP per
     second, nothing spooled), next to that baseline's;
  3. the caller's cost while the collector is down (every event spooled).

Usage: UNITRACK_BIN=bin/otelcol-unitrack PYTHONPATH=clients/python/src python3 clients/python/bench.py [--calls N]
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "src"))
sys.path.insert(0, os.path.join(HERE, "tests"))

import unitrack  # noqa: E402
from collector import Collector, free_port, wait_for  # noqa: E402


def pct(samples, p):
    s = sorted(samples)
    return s[min(len(s) - 1, int(len(s) * p))]


def timed_calls(fn, n):
    out = [0] * n
    clock = time.perf_counter_ns
    for i in range(n):
        t = clock()
        fn(i)
        out[i] = clock() - t
    return out


def paced_calls(fn, n, rate):
    """fn called n times at rate calls/s (busy-waiting between calls)."""
    out = [0] * n
    clock = time.perf_counter_ns
    step = 1e9 / rate
    start = clock()
    for i in range(n):
        due = start + i * step
        while clock() < due:
            pass
        t = clock()
        fn(i)
        out[i] = clock() - t
    return out


def settle(col):
    """Waits until the collector has read every spool file, so that one phase's
    spooled events do not load the collector during the next."""
    wait_for(lambda: not glob.glob(os.path.join(col.spool_dir, "unitrack-spool-*")), 600, "the spool to drain")
    time.sleep(2)


def row(name, ns):
    return (f"| {name} | {pct(ns, 0.5) / 1000:.1f} | {pct(ns, 0.99) / 1000:.1f} | "
            f"{pct(ns, 0.999) / 1000:.1f} | {max(ns) / 1000:.0f} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=100_000)
    ap.add_argument("--baseline-calls", type=int, default=2_000)
    args = ap.parse_args()
    meta = {"server": "filesystem", "failure_count": 3}

    col = Collector().start()
    try:
        # 1. caller's cost, collector up (default settings).
        off = unitrack.Client(url=col.url, disabled=True)
        floor = timed_calls(lambda i: off.track_event("bench", "call", "info", "bench", meta), args.calls)
        client = unitrack.Client(url=col.url, spool_dir=col.spool_dir)
        client.track_event("warmup", "w")
        client.flush(30)
        up = timed_calls(lambda i: client.track_event("bench", "call", "info", "bench", meta), args.calls)
        client.flush(120)
        st = client.stats()
        client.close()
        settle(col)
        # The same at 10 000 calls/s, below the sender's throughput: nothing spools.
        paced_client = unitrack.Client(url=col.url, spool_dir=col.spool_dir)
        paced = paced_calls(lambda i: paced_client.track_event("bench", "call", "info", "bench", meta),
                            min(args.calls, 50_000), 10_000)
        paced_client.flush(120)
        pst = paced_client.stats()
        paced_client.close()
        settle(col)

        def post(i):
            body = json.dumps({"event_type": "bench", "message": "call", "severity": "info",
                               "category": "bench", "metadata": meta}).encode()
            req = urllib.request.Request(col.url + "/v1/track", body, {"Content-Type": "application/json"})
            with urllib.request.urlopen(req, timeout=10) as r:
                r.read()

        t = time.perf_counter()
        base = timed_calls(post, args.baseline_calls)
        base_rate = args.baseline_calls / (time.perf_counter() - t)

        # 2. throughput: a queue big enough that nothing spools; time from the
        # first call until flush says every event was accepted.
        n = args.calls
        tp = unitrack.Client(url=col.url, spool_dir=col.spool_dir, max_queue=n + 1, batch_size=1000)
        t = time.perf_counter()
        for i in range(n):
            tp.track_event("bench", "throughput", "info", "bench", meta)
        enqueued = time.perf_counter() - t
        tp.flush(600)
        total = time.perf_counter() - t
        tps = tp.stats()
        tp.close()

        # 3. caller's cost, collector down: everything is spooled.
        spool = tempfile.mkdtemp(prefix="unitrack-bench-")
        down = unitrack.Client(url=f"http://127.0.0.1:{free_port()}", spool_dir=spool)
        dn = timed_calls(lambda i: down.track_event("bench", "call", "info", "bench", meta), args.calls)
        down.close(60)
        dst = down.stats()
        shutil.rmtree(spool, ignore_errors=True)
    finally:
        col.cleanup()

    print(f"\nunitrack Python client benchmark ({args.calls} calls, python {sys.version.split()[0]}, "
          f"load {os.getloadavg()[0]:.1f})\n")
    print("| caller's cost per call | p50 µs | p99 µs | p99.9 µs | max µs |")
    print("| --- | --- | --- | --- | --- |")
    print(row("disabled client (floor)", floor))
    print(row("unitrack, collector up, tight loop (queue overflows)", up))
    print(row("unitrack, collector up, 10 000 calls/s", paced))
    print(row("unitrack, collector down (spooling)", dn))
    print(row(f"baseline: one urllib POST per event ({args.baseline_calls} calls)", base))
    print(f"\ncollector up: sent {st['sent']}, spooled {st['spooled']} (queue overflow), of {args.calls + 1}")
    print(f"collector up, paced: sent {pst['sent']}, spooled {pst['spooled']}")
    print(f"collector down: spooled {dst['spooled']} of {args.calls}")
    print(f"p50 ratio baseline / unitrack: {pct(base, 0.5) / pct(up, 0.5):.0f}x (tight loop), "
          f"{pct(base, 0.5) / pct(paced, 0.5):.0f}x (paced)")
    print("\n| throughput to the collector | events/s |")
    print("| --- | --- |")
    print(f"| unitrack (batches of 1000, gzip) | {tps['sent'] / total:,.0f} |")
    print(f"| baseline: one urllib POST per event | {base_rate:,.0f} |")
    print(f"\nratio unitrack / baseline: {tps['sent'] / total / base_rate:.1f}x "
          f"(sent {tps['sent']}, spooled {tps['spooled']}; {n} calls enqueued in {enqueued:.2f} s, "
          f"all accepted after {total:.2f} s)")


if __name__ == "__main__":
    main()
