"""The client's own promises, against real loopback HTTP servers that play a
collector under back-pressure or hung, and in real child processes: calls
return at once, Retry-After is honoured, a full queue spools the newest
events, fork safety, the exit deadline, UNITRACK_DISABLED, the memory bound of
a burst of 1 000 000 calls, ids, and the spool's recovery of dead writers."""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import shutil
import tempfile
import textwrap
import threading
import time
import unittest

import helpers  # noqa: F401  (puts the package on sys.path)
from collector import wait_for
from helpers import FakeBackPressure, closed_port_url, run_python, spool_files, spool_lines

import unitrack
from unitrack import _events, _spool
from unitrack._client import _IDs

ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


class TempDirTest(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="unitrack-py-test-")

    def tearDown(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


class BackPressureTest(TempDirTest):
    def test_retry_after_is_honoured_then_the_batch_is_sent(self) -> None:
        srv = FakeBackPressure(script=((503, {"Retry-After": "1"}), (429, {"Retry-After": "1"})))
        self.addCleanup(srv.close)
        client = unitrack.Client(url=srv.url + "/track", spool_dir=self.dir, token="s3cret")
        eid = client.track_event("ok", "fine", metadata={"k": "v"})
        self.assertTrue(client.flush(30))
        self.assertEqual(len(srv.requests), 3)
        t = [r["time"] for r in srv.requests]
        self.assertGreaterEqual(t[1] - t[0], 1.0, "retried before Retry-After")
        self.assertGreaterEqual(t[2] - t[1], 1.0, "retried before Retry-After")
        for r in srv.requests:
            self.assertEqual(r["path"], "/track/v1/track")
            self.assertEqual(r["headers"]["Authorization"], "Bearer s3cret")
            self.assertEqual(r["headers"]["Content-Encoding"], "gzip")
            self.assertNotIn("Origin", r["headers"])
            self.assertEqual([e["event_id"] for e in r["events"]], [eid], "a resend carries the same id")
        self.assertEqual(client.stats()["sent"], 1)
        self.assertEqual(client.stats()["spooled"], 0)
        self.assertEqual(spool_files(self.dir, ""), [])
        client.close()

    def test_refused_past_retry_timeout_goes_to_the_spool(self) -> None:
        srv = FakeBackPressure(script=tuple((503, {"Retry-After": "1"}) for _ in range(10)))
        self.addCleanup(srv.close)
        client = unitrack.Client(url=srv.url, spool_dir=self.dir, retry_timeout=1.5)
        ids = [client.track_health("ollama", "degraded") for _ in range(3)]
        self.assertTrue(client.flush(30))
        self.assertEqual(client.stats()["spooled"], 3, client.stats())
        self.assertEqual(sorted(l["event_id"] for l in spool_lines(self.dir)), sorted(ids))
        self.assertGreaterEqual(len(srv.requests), 2)
        client.close()

    def test_hung_collector_never_blocks_and_the_full_queue_spools_the_newest(self) -> None:
        srv = FakeBackPressure(hang=True)
        self.addCleanup(srv.close)
        client = unitrack.Client(url=srv.url, spool_dir=self.dir, timeout=60, retry_timeout=60,
                                 max_queue=100, batch_size=10, spool_max_age=0.0)
        slowest = 0.0
        ids = []
        for i in range(1000):
            t = time.perf_counter()
            ids.append(client.track_event("burst", "event %d" % i))
            slowest = max(slowest, time.perf_counter() - t)
        # The sender is stuck in a request that will not end for a minute.
        self.assertLess(slowest, 0.5, "a call waited on the network")
        wait_for(lambda: srv.requests, 10, "the first request")
        # Past the 100 queued (and the batch in flight), the newest are
        # spooled (on disk but the last 64 KiB, still buffered).
        index = {e: i for i, e in enumerate(ids)}
        on_disk = [index[l["event_id"]] for l in spool_lines(self.dir)]
        self.assertGreater(len(on_disk), 500)
        self.assertGreaterEqual(min(on_disk), 100, "an event older than the queue's was spooled")
        t = time.monotonic()
        self.assertFalse(client.flush(0.5))
        self.assertLess(time.monotonic() - t, 5)
        t = time.monotonic()
        client.close(timeout=1.0)
        self.assertLess(time.monotonic() - t, 10)
        # Nothing lost: the in-flight batch and the queue were spooled too.
        got = [l["event_id"] for l in spool_lines(self.dir)]
        self.assertEqual(sorted(set(got)), sorted(ids))
        self.assertEqual(len(got), len(ids), "an event spooled twice")
        self.assertEqual(spool_files(self.dir, ".part"), [])

    def test_many_threads_each_event_once(self) -> None:
        srv = FakeBackPressure()
        self.addCleanup(srv.close)
        # A small queue, so that callers spool past it while others enqueue.
        client = unitrack.Client(url=srv.url, spool_dir=self.dir, max_queue=200, batch_size=100)
        per, threads = 3000, 8
        results = [None] * threads

        def work(k: int) -> None:
            results[k] = [client.track_event("thread", "t%d" % k, metadata={"i": i}) for i in range(per)]

        ts = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        self.assertTrue(client.flush(60))
        ids = [i for r in results for i in r]
        sent = [e["event_id"] for r in srv.requests for e in r["events"]]
        spooled = [l["event_id"] for l in spool_lines(self.dir)]
        self.assertEqual(len(set(ids)), per * threads)
        self.assertEqual(sorted(sent + spooled), sorted(ids), "every event sent or spooled, exactly once")
        st = client.stats()
        self.assertEqual((st["sent"], st["spooled"]), (len(sent), len(spooled)))
        client.close()

    def test_spool_sealed_when_the_collector_is_back_not_while_it_is_down(self) -> None:
        from collector import free_port
        port = free_port()
        client = unitrack.Client(url=f"http://127.0.0.1:{port}", spool_dir=self.dir,
                                 spool_seal_after=0.2, spool_max_age=3600, flush_interval=0.05)
        first = client.track_event("while_down", "spooled")
        wait_for(lambda: client.stats()["spooled"] == 1, 10, "the event to be spooled")
        time.sleep(1.0)  # five idle periods: a file nobody can read yet stays open
        self.assertEqual(spool_files(self.dir, ".jsonl"), [])
        self.assertEqual(len(spool_files(self.dir, ".part")), 1)
        srv = FakeBackPressure(port=port)
        self.addCleanup(srv.close)
        time.sleep(1.5)  # past the first back-off
        second = client.track_event("back", "sent")
        wait_for(lambda: spool_files(self.dir, ".jsonl"), 10, "the spool file sealed once the collector answers")
        self.assertEqual([l["event_id"] for l in spool_lines(self.dir)], [first])
        wait_for(lambda: srv.requests, 10, "the second event sent")
        self.assertEqual([e["event_id"] for e in srv.requests[0]["events"]], [second])
        client.close()

    def test_large_batch_is_split_on_413(self) -> None:
        srv = FakeBackPressure(script=((413, {}),))
        self.addCleanup(srv.close)
        client = unitrack.Client(url=srv.url, spool_dir=self.dir, flush_interval=5, batch_size=1000)
        ids = [client.notify("t", "m %d" % i) for i in range(10)]
        self.assertTrue(client.flush(30))
        self.assertEqual([len(r["events"]) for r in srv.requests], [10, 5, 5])
        self.assertEqual(sorted(e["event_id"] for r in srv.requests[1:] for e in r["events"]), sorted(ids))
        client.close()


class ProcessTest(TempDirTest):
    def test_exit_flushes_queued_events(self) -> None:
        srv = FakeBackPressure()
        self.addCleanup(srv.close)
        out = run_python(textwrap.dedent("""
            import json, unitrack
            print(json.dumps([unitrack.track_task("t", "started", attempt=i) for i in range(100)]))
        """), env={"UNITRACK_URL": srv.url, "UNITRACK_SPOOL_DIR": self.dir})
        self.assertEqual(out.returncode, 0, out.stderr)
        ids = json.loads(out.stdout)
        got = [e["event_id"] for r in srv.requests for e in r["events"]]
        self.assertEqual(sorted(got), sorted(ids))

    def test_exit_deadline_with_a_hung_collector_spools_the_rest(self) -> None:
        srv = FakeBackPressure(hang=True)
        self.addCleanup(srv.close)
        t = time.monotonic()
        out = run_python(textwrap.dedent(f"""
            import json, unitrack
            c = unitrack.Client(url={srv.url!r}, spool_dir={self.dir!r}, timeout=60, retry_timeout=60,
                                exit_timeout=1.0)
            print(json.dumps([c.track_event("e", "m") for _ in range(50)]))
        """))
        elapsed = time.monotonic() - t
        self.assertEqual(out.returncode, 0, out.stderr)
        # Without the deadline the exit would wait out the 60 s request.
        self.assertLess(elapsed, 20)
        ids = json.loads(out.stdout)
        self.assertEqual(sorted(l["event_id"] for l in spool_lines(self.dir)), sorted(ids))
        self.assertEqual(spool_files(self.dir, ".part"), [])

    def test_disabled(self) -> None:
        spool = os.path.join(self.dir, "spool")
        out = run_python(textwrap.dedent("""
            import json, threading, unitrack
            r = [unitrack.track_event("a", "b"), unitrack.track_mcp_failure("s", "e"), unitrack.notify("t", "m"),
                 unitrack.track_health("c", "healthy"), unitrack.track_task("t", "failed"),
                 unitrack.blog_post("t", "c"), unitrack.track_mcp_success("s"),
                 unitrack.track_circuit_breaker("s", "opened")]
            print(json.dumps({"results": r, "threads": threading.active_count(), "flush": unitrack.flush()}))
        """), env={"UNITRACK_DISABLED": "1", "UNITRACK_URL": closed_port_url(), "UNITRACK_SPOOL_DIR": spool})
        self.assertEqual(out.returncode, 0, out.stderr)
        res = json.loads(out.stdout)
        self.assertEqual(res, {"results": [None] * 8, "threads": 1, "flush": True})
        self.assertFalse(os.path.exists(spool))
        self.assertIsNone(unitrack.Client(disabled=True, url=closed_port_url()).track_event("a", "b"))

    @unittest.skipUnless(hasattr(os, "fork"), "POSIX only")
    def test_fork_child_gets_its_own_thread_and_ids(self) -> None:
        srv = FakeBackPressure()
        self.addCleanup(srv.close)
        client = unitrack.Client(url=srv.url, spool_dir=self.dir, flush_interval=3600, batch_size=10**6)
        before = [client.track_event("parent", "queued before fork") for _ in range(5)]
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child
            try:
                os.close(r)
                ids = [client.track_event("child", "from child") for _ in range(3)]
                ok = client.flush(20)
                os.write(w, json.dumps({"ids": ids, "ok": ok}).encode())
            finally:
                os._exit(0)
        os.close(w)
        with os.fdopen(r) as f:
            child = json.loads(f.read())
        os.waitpid(pid, 0)
        self.assertTrue(child["ok"])
        self.assertTrue(client.flush(20))
        got = [e for req in srv.requests for e in req["events"]]
        self.assertEqual(sorted(e["event_id"] for e in got), sorted(before + child["ids"]),
                         "the child must not send the parent's queue, nor the parent the child's")
        self.assertEqual({e["pid"] for e in got if e["event_type"] == "child"}, {pid})
        self.assertEqual({e["pid"] for e in got if e["event_type"] == "parent"}, {os.getpid()})
        self.assertTrue(set(before).isdisjoint(child["ids"]))
        client.close()

    def test_multiprocessing_child_flushes_at_its_exit(self) -> None:
        srv = FakeBackPressure()
        self.addCleanup(srv.close)
        out = run_python(textwrap.dedent(f"""
            import json, multiprocessing, unitrack
            unitrack.track_event("parent", "p")   # the default client exists before the fork
            def work(q):
                q.put([unitrack.track_event("child", "c %d" % i) for i in range(20)])
            if __name__ == "__main__":
                ctx = multiprocessing.get_context("fork")
                q = ctx.Queue()
                p = ctx.Process(target=work, args=(q,))
                p.start()
                ids = q.get(timeout=30)
                p.join(30)
                print(json.dumps(ids))
        """), env={"UNITRACK_URL": srv.url, "UNITRACK_SPOOL_DIR": self.dir})
        self.assertEqual(out.returncode, 0, out.stderr)
        ids = json.loads(out.stdout)
        got = [e["event_id"] for r in srv.requests for e in r["events"] if e["event_type"] == "child"]
        self.assertEqual(sorted(got), sorted(ids))

    def test_million_calls_stay_under_the_memory_bound(self) -> None:
        # The collector is down: the queue stays full and every further call
        # is spooled, so memory must not grow with the number of calls.
        out = run_python(textwrap.dedent(f"""
            import json, time, unitrack
            def kb(field):
                for line in open("/proc/self/status"):
                    if line.startswith(field + ":"):
                        return int(line.split()[1])
            c = unitrack.Client(url={closed_port_url()!r}, spool_dir={self.dir!r})
            for i in range(2000):   # warm up: thread, queue, spool file, allocator
                c.track_event("warmup", "w", metadata={{"i": i}})
            c.flush(30)
            base = kb("VmRSS")
            t = time.perf_counter()
            for i in range(1_000_000):
                c.track_event("burst", "event number %d" % i, severity="warning", category="load",
                              metadata={{"i": i, "server": "filesystem"}})
            secs = time.perf_counter() - t
            peak = kb("VmHWM")
            c.close(30)
            print(json.dumps({{"base_kb": base, "peak_kb": peak, "secs": secs, "stats": c.stats()}}))
        """), timeout=600)
        self.assertEqual(out.returncode, 0, out.stderr)
        res = json.loads(out.stdout)
        grown_mb = (res["peak_kb"] - res["base_kb"]) / 1024
        print(f"\n1 000 000 calls (collector down): {res['secs']:.1f} s, RSS {res['base_kb'] // 1024} MB "
              f"-> peak {res['peak_kb'] // 1024} MB (+{grown_mb:.1f} MB)", flush=True)
        # The documented bound (clients/python/README.md): 64 MB over the
        # process's own, at the default max_queue of 10 000.
        self.assertLess(grown_mb, 64, res)
        self.assertEqual(res["stats"]["spooled"], 1_002_000, res)
        self.assertEqual(res["stats"]["queued"], 0)
        n = 0
        ids = set()
        pat = re.compile(rb'"event_id":"([0-9A-Z]{26})"')
        for p in spool_files(self.dir, ".jsonl"):
            with open(p, "rb") as f:
                data = f.read()
            found = pat.findall(data)
            n += len(found)
            ids.update(found)
        self.assertEqual(n, 1_002_000, "every call is in the spool")
        self.assertEqual(len(ids), 1_002_000, "ids are unique")


class IDTest(unittest.TestCase):
    def test_ids_are_ulids_unique_and_ordered(self) -> None:
        ids = _IDs()
        seq = [ids.new(time.time_ns()) for _ in range(100_000)]
        self.assertTrue(all(ULID.match(i) for i in seq[:1000]))
        self.assertEqual(len(set(seq)), len(seq))
        self.assertEqual(seq, sorted(seq))
        # The first ten characters are the milliseconds, as in a ULID.
        ms = 1_796_116_470_443
        i = _IDs().new(ms * 1_000_000)
        alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
        self.assertEqual(sum(alphabet.index(ch) << (5 * (9 - k)) for k, ch in enumerate(i[:10])), ms)

    def test_clock_step_back_keeps_the_order(self) -> None:
        ids = _IDs()
        a = ids.new(2_000_000_000_000_000)
        b = ids.new(1_000_000_000_000_000)
        self.assertLess(a, b)

    def test_a_given_id_is_kept(self) -> None:
        srv = FakeBackPressure()
        self.addCleanup(srv.close)
        d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, d, True)
        c = unitrack.Client(url=srv.url, spool_dir=d)
        self.assertEqual(c.track_event("a", "b", event_id="my-id-1"), "my-id-1")
        self.assertEqual(c.track_task("t", "failed", event_id="my-id-2"), "my-id-2")
        c.flush(20)
        self.assertEqual([e["event_id"] for r in srv.requests for e in r["events"]], ["my-id-1", "my-id-2"])
        c.close()


class RetryAfterTest(unittest.TestCase):
    def test_retry_after_values(self) -> None:
        c = unitrack.Client(url=closed_port_url(), disabled=True)
        future = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 30))
        cases = [
            ("3", 3.0, 3.6),            # seconds: never earlier, at most 20 % later
            ("0.5", 0.5, 0.6),
            (future, 25.0, 36.5),       # an HTTP date
            ("999999", 60.0, 72.0),     # capped at a minute
        ]
        for header, lo, hi in cases:
            for _ in range(50):
                w = c._retry_wait(header, 0)
                self.assertTrue(lo <= w <= hi, f"Retry-After {header!r}: waited {w}")
        # No header, garbage, or a date in the past: jittered exponential back-off.
        for header in (None, "soon", "Mon, 01 Jan 1990 00:00:00 GMT", "-5"):
            for retries, top in ((0, 0.25), (3, 2.0), (20, 30.0)):
                w = c._retry_wait(header, retries)
                self.assertTrue(top / 2 <= w <= top, f"{header!r}, retry {retries}: waited {w}")


class MappingTest(unittest.TestCase):
    def test_numbers_in_bodies_as_go_writes_them(self) -> None:
        for v, want in ((5, "5"), (5.0, "5"), (2.5, "2.5"), (1e-7, "0.0000001"), (1e21, "1000000000000000000000")):
            self.assertEqual(_events.go_number(v), want)

    def test_errors_name_the_field(self) -> None:
        base = {"event_id": "x", "timestamp": 1.0}
        cases = [
            (_events.TRACK, {"message": "m"}, 'field "event_type": expected a non-empty string, got nothing'),
            (_events.TRACK, {"event_type": "e", "message": "m", "severity": "loud"}, 'field "severity": expected one of trace'),
            (_events.HEALTH, {"check": "c", "status": "sick"}, "field \"status\": expected one of healthy, degraded, unhealthy, got 'sick'"),
            (_events.TASKS, {"task_name": "t", "status": "failed", "attempt": "2"}, 'field "attempt": expected a number'),
            (_events.CIRCUIT_BREAKER, {"server": "s", "event": "exploded"}, 'field "event": expected one of failure'),
            (_events.NOTIFY, {"title": "t", "message": "m", "priority": "meh"}, 'field "priority"'),
            (_events.BLOG, {"title": "t", "content": "c", "anomaly": [1]}, 'field "anomaly": expected an object'),
        ]
        for path, ev, want in cases:
            with self.subTest(path=path, ev=ev):
                with self.assertRaises(_events.EventError) as cm:
                    _events.to_json_events(path, dict(base, **ev))
                self.assertIn(want, str(cm.exception))

    def test_contract_attributes_win_over_metadata(self) -> None:
        line = _events.to_json_events(_events.TRACK, {"event_id": "id1", "timestamp": 1.5, "event_type": "e",
                                                      "message": "m", "metadata": {"track.source": "forged", "k": 1}})
        self.assertEqual(line["data"], {"track.source": "track_event", "track.category": "system", "k": 1})
        self.assertEqual(list(line)[:2], ["ts", "event_id"], "the id sits in the file's fingerprint")


class SpoolRecoveryTest(TempDirTest):
    def test_dead_writers_files_are_sealed_without_their_torn_line(self) -> None:
        # A live writer's file (its flock held) is left alone.
        live = _spool.Spool(self.dir, 1 << 20, 3600, 3600)
        live.add([(_events.TRACK, {"event_id": "L", "timestamp": 1.0, "event_type": "e", "message": "m"})])
        live.tick()
        torn = os.path.join(self.dir, "unitrack-spool-h-1-aa-00001.part")
        with open(torn, "wb") as f:
            f.write(b'{"ts":1,"event_id":"A","event":"e"}\n{"ts":2,"event_id":"B","event":"e"}\n{"ts":3,"ev')
        empty = os.path.join(self.dir, "unitrack-spool-h-2-bb-00001.part")
        open(empty, "wb").close()
        only_torn = os.path.join(self.dir, "unitrack-spool-h-3-cc-00001.part")
        with open(only_torn, "wb") as f:
            f.write(b'{"ts":3,"ev')
        live_part = spool_files(self.dir, ".part")
        self.assertEqual(len(live_part), 4)
        # A writer that died between creating its file and renaming it.
        stale_tmp = os.path.join(self.dir, ".unitrack-spool-h-9-zz-00001.tmp")
        open(stale_tmp, "wb").close()
        os.utime(stale_tmp, (time.time() - 3600, time.time() - 3600))
        young_tmp = os.path.join(self.dir, ".unitrack-spool-h-9-yy-00001.tmp")
        open(young_tmp, "wb").close()
        self.assertEqual(_spool.recover(self.dir), 1)
        self.assertFalse(os.path.exists(stale_tmp))
        self.assertTrue(os.path.exists(young_tmp), "a young .tmp may belong to a writer about to lock it")
        sealed = spool_files(self.dir, ".jsonl")
        self.assertEqual([os.path.basename(p) for p in sealed], ["unitrack-spool-h-1-aa-00001.jsonl"])
        with open(sealed[0], "rb") as f:
            self.assertEqual(f.read().count(b"\n"), 2)
        self.assertFalse(os.path.exists(empty))
        self.assertFalse(os.path.exists(only_torn))
        remaining = spool_files(self.dir, ".part")
        self.assertEqual(len(remaining), 1, "the live writer's file")
        live.tick(force=True)
        self.assertEqual(spool_files(self.dir, ".part"), [])
        self.assertEqual({l["event_id"] for l in spool_lines(self.dir)}, {"A", "B", "L"})

    def test_recovery_racing_a_writer_that_opens_files_loses_nothing(self) -> None:
        # A recoverer must never take a file its writer is about to lock.
        stop = threading.Event()

        def recover_loop() -> None:
            while not stop.is_set():
                _spool.recover(self.dir)

        racer = threading.Thread(target=recover_loop)
        racer.start()
        try:
            sp = _spool.Spool(self.dir, 1 << 20, 3600, 3600)
            for i in range(300):
                sp.add([(_events.TRACK, {"event_id": "id%05d" % i, "timestamp": 1.0, "event_type": "e",
                                         "message": "m"})])
                sp.tick(force=True)  # one file a line: 300 opens racing the recoverer
        finally:
            stop.set()
            racer.join()
        self.assertEqual(sp.failed, 0)
        self.assertEqual(sorted(l["event_id"] for l in spool_lines(self.dir)), ["id%05d" % i for i in range(300)])
        self.assertEqual(spool_files(self.dir, ".part"), [])

    def test_files_rotate_by_size_and_names_differ_per_process(self) -> None:
        sp = _spool.Spool(self.dir, 4096, 3600, 3600)
        evs = [(_events.TRACK, {"event_id": "id%05d" % i, "timestamp": 1.0, "event_type": "e", "message": "m" * 50})
               for i in range(500)]
        for i in range(0, 500, 10):
            sp.add(evs[i:i + 10])
            sp.tick()
        sp.tick(force=True)
        files = spool_files(self.dir, ".jsonl")
        self.assertGreater(len(files), 5)
        for p in files:
            self.assertLessEqual(os.path.getsize(p), 4096 + 2000)
            self.assertIn(f"-{os.getpid()}-", os.path.basename(p))
        self.assertEqual(len(spool_lines(self.dir)), 500)


if __name__ == "__main__":
    unittest.main()
