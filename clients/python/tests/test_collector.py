"""The client against the real built collector (UNITRACK_BIN) running the
repository's default otelcol.yaml: what each helper sends is stored in the
dashboard and the JSON event log with the fields the contract maps, a spooled
event is stored like a posted one, and events written while the collector is
down arrive once it is up, each exactly once."""

from __future__ import annotations

import json
import os
import textwrap
import time
import unittest
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List

import helpers  # noqa: F401  (puts the package on sys.path)
from collector import Collector, wait_for
from helpers import closed_port_url, run_python, spool_files, spool_lines

import unitrack

COL: Collector


def setUpModule() -> None:
    global COL
    COL = Collector().start()


def tearDownModule() -> None:
    COL.cleanup()


# Each helper's call, and what the contract (docs/legacy-formats.md) says the
# stored record holds: event name, severity, category, source, body, attributes.
CASES: List[Dict[str, Any]] = [
    dict(call=("track_event", ("mcp_server_failure", "MCP server filesystem failed: timeout"),
               dict(severity="error", category="mcp", metadata={"server": "filesystem", "failure_count": 3,
                                                                 "nested": {"a": [1, 2.5, "x"]}})),
         name="mcp_server_failure", sev=(17, "error"), category="mcp", source="track_event",
         body="MCP server filesystem failed: timeout",
         attrs={"server": "filesystem", "failure_count": 3, "nested": {"a": [1, 2.5, "x"]}}),
    dict(call=("track_event", ("cache_warmed", "cache warmed"), {}),
         name="cache_warmed", sev=(9, "info"), category="system", source="track_event", body="cache warmed",
         attrs={}),
    dict(call=("track_mcp_failure", ("filesystem", "Timeout after 30s"), dict(failure_count=2)),
         name="mcp.circuit_breaker.failure", sev=(13, "WARNING"), category="mcp", source="circuit_breaker",
         body="MCP server filesystem circuit breaker failure (2 failures): Timeout after 30s",
         attrs={"mcp.server.name": "filesystem", "circuit_breaker.failure_count": 2,
                "exception.message": "Timeout after 30s"}),
    dict(call=("track_mcp_success", ("filesystem",), {}),
         name="mcp.circuit_breaker.success", sev=(5, "DEBUG"), category="mcp", source="circuit_breaker",
         body="MCP server filesystem circuit breaker success", attrs={"mcp.server.name": "filesystem"}),
    dict(call=("track_circuit_breaker", ("filesystem", "opened"),
               dict(state="open", failure_count=5, threshold=5, error="Timeout after 30s", cooldown_seconds=60)),
         name="mcp.circuit_breaker.opened", sev=(17, "ERROR"), category="mcp", source="circuit_breaker",
         body="MCP server filesystem circuit breaker opened (5/5 failures): Timeout after 30s",
         attrs={"mcp.server.name": "filesystem", "circuit_breaker.state": "open",
                "circuit_breaker.failure_count": 5, "circuit_breaker.threshold": 5,
                "circuit_breaker.cooldown_s": 60, "exception.message": "Timeout after 30s"}),
    dict(call=("track_circuit_breaker", ("github", "half_open"), dict(state="half_open")),
         name="mcp.circuit_breaker.half_open", sev=(13, "WARNING"), category="mcp", source="circuit_breaker",
         body="MCP server github circuit breaker half-open",
         attrs={"mcp.server.name": "github", "circuit_breaker.state": "half_open"}),
    dict(call=("track_health", ("ollama", "unhealthy"),
               dict(previous_status="healthy", latency_ms=5012.4, error="connection refused")),
         name="health.status_changed", sev=(17, "ERROR"), category="health", source="health_monitor",
         body="ollama: healthy -> unhealthy (connection refused)",
         attrs={"health.check": "ollama", "health.status": "unhealthy", "health.previous_status": "healthy",
                "health.latency_ms": 5012.4, "exception.message": "connection refused"}),
    dict(call=("track_health", ("redis", "healthy"), dict(latency_ms=3)),
         name="health.check", sev=(9, "INFO"), category="health", source="health_monitor",
         body="redis: healthy", attrs={"health.check": "redis", "health.status": "healthy",
                                       "health.latency_ms": 3}),
    dict(call=("track_task", ("memory_consolidation", "failed"),
               dict(task_id="7f3e2a", attempt=3, max_attempts=3, error="KeyError: 'facts'", duration_ms=12500)),
         name="task.failed", sev=(17, "ERROR"), category="task", source="background_tasks",
         body="Task memory_consolidation failed (attempt 3/3): KeyError: 'facts'",
         attrs={"task.id": "7f3e2a", "task.name": "memory_consolidation", "task.attempt": 3,
                "task.max_attempts": 3, "task.duration_s": 12.5, "task.final": True,
                "exception.type": "KeyError", "exception.message": "'facts'"}),
    dict(call=("track_task", ("nightly_summary", "retrying"), dict(attempt=1, max_attempts=3, error="timeout")),
         name="task.retrying", sev=(13, "WARNING"), category="task", source="background_tasks",
         body="Task nightly_summary retrying (attempt 1/3): timeout",
         attrs={"task.name": "nightly_summary", "task.attempt": 1, "task.max_attempts": 3,
                "exception.message": "timeout"}),
    dict(call=("track_task", ("nightly_summary", "succeeded"), dict(task_id=42, duration_ms=1500)),
         name="task.succeeded", sev=(9, "INFO"), category="task", source="background_tasks",
         body="Task nightly_summary succeeded",
         attrs={"task.id": "42", "task.name": "nightly_summary", "task.duration_s": 1.5}),
    dict(call=("notify", ("Ollama is down", "Health check failed 3 times"),
               dict(priority="high", tags=["health", "ollama"], source="health_monitor")),
         name="notification", sev=(17, "ERROR"), category="health_monitor", source="notification",
         body="Health check failed 3 times",
         attrs={"notification.title": "Ollama is down", "notification.priority": "high",
                "track.tags": ["health", "ollama"]}),
    dict(call=("notify", ("Disk almost full", "92% used"), {}),
         name="notification", sev=(13, "WARNING"), category="notification", source="notification",
         body="92% used", attrs={"notification.title": "Disk almost full", "notification.priority": "normal"}),
    dict(call=("blog_post", ("Anomaly: response latency 4x baseline", "Latency *4x* baseline"),
               dict(tags=["anomaly", "latency"], author="anomaly_detector",
                    anomaly={"metric": "latency_ms", "value": 4120, "baseline": 980, "zscore": 4.2})),
         name="anomaly.detected", sev=(13, "WARNING"), category="anomaly", source="blog",
         body="Latency *4x* baseline",
         attrs={"blog.title": "Anomaly: response latency 4x baseline", "blog.author": "anomaly_detector",
                "track.tags": ["anomaly", "latency"], "anomaly.metric": "latency_ms", "anomaly.value": 4120,
                "anomaly.baseline": 980, "anomaly.zscore": 4.2}),
    dict(call=("blog_post", ("Weekly summary", "All quiet."), {}),
         name="blog.post", sev=(9, "INFO"), category="blog", source="blog", body="All quiet.",
         attrs={"blog.title": "Weekly summary"}),
]


def call(client: unitrack.Client, case: Dict[str, Any]) -> str:
    fn, args, kwargs = case["call"]
    return getattr(client, fn)(*args, **kwargs)


# track.legacy.keys / .raw: what the json_events decoder keeps of a line's own
# spelling (key order, data as written) so that the event log writes it back
# byte for byte; a spooled line has them, the posted event does not.
LINE_SHAPE = "track.legacy."


def level_word(severity_number: int) -> str:
    """The upper-case word the event log writes for a severity (Python
    logging's names), as internal/legacy.LevelWord."""
    if severity_number >= 21:
        return "CRITICAL"
    if severity_number >= 17:
        return "ERROR"
    if severity_number >= 13:
        return "WARNING"
    if severity_number >= 9 or severity_number == 0:
        return "INFO"
    if severity_number >= 5:
        return "DEBUG"
    return "TRACE"


def by_id(events: List[Dict[str, Any]]) -> Dict[str, List[Dict[str, Any]]]:
    out: Dict[str, List[Dict[str, Any]]] = {}
    for e in events:
        out.setdefault(e["event_id"], []).append(e)
    return out


def eventlog_by_id(col: Collector) -> Dict[str, List[Dict[str, Any]]]:
    out: Dict[str, List[Dict[str, Any]]] = {}
    for line in col.eventlog_lines():
        # A line spooled as json_events is written back as it came, with its
        # own top-level event_id; the others carry theirs in data.
        out.setdefault(line.get("event_id") or line["data"].get("track.event_id"), []).append(line)
    return out


def wait_stored(col: Collector, ids, timeout: float = 60.0) -> Dict[str, List[Dict[str, Any]]]:
    want = set(ids)

    def all_there():
        got = by_id(col.dashboard_events())
        return got if want <= set(got) else None

    return wait_for(all_there, timeout, f"{len(want)} events in the dashboard")


class EveryHelperTest(unittest.TestCase):
    def check_record(self, case: Dict[str, Any], rec: Dict[str, Any], eid: str) -> None:
        msg = f"{case['call'][0]}{case['call'][1]}"
        self.assertEqual(rec["event_name"], case["name"], msg)
        self.assertEqual((rec["severity_number"], rec["severity_text"]), case["sev"], msg)
        self.assertEqual(rec["category"], case["category"], msg)
        self.assertEqual(rec["source"], case["source"], msg)
        self.assertEqual(rec["body"], case["body"], msg)
        want = dict(case["attrs"], **{"track.source": case["source"], "track.category": case["category"],
                                      "track.event_id": eid})
        got = {k: v for k, v in rec["attributes"].items() if k != "track.routes" and not k.startswith(LINE_SHAPE)}
        self.assertEqual(got, want, msg)
        self.assertEqual(rec["resource"].get("process.pid"), os.getpid(), msg)
        self.assertEqual(rec["resource"].get("service.name"), "agent-runner", msg)

    def test_every_helper_lands_in_dashboard_and_eventlog(self) -> None:
        client = unitrack.Client(url=COL.url, spool_dir=COL.spool_dir)
        t0 = time.time()
        ids = [call(client, c) for c in CASES]
        self.assertTrue(client.flush(30))
        self.assertEqual(client.stats()["sent"], len(CASES), client.stats())
        self.assertEqual(client.stats()["spooled"], 0)
        stored = wait_stored(COL, ids)
        for case, eid in zip(CASES, ids):
            self.assertEqual(len(stored[eid]), 1, f"{eid} stored {len(stored[eid])} times")
            rec = stored[eid][0]
            self.check_record(case, rec, eid)
            # The event's time is the call's, not the collector's.
            self.assertLess(abs(rec["time_unix_nano"] / 1e9 - t0), 5)
        log = wait_for(lambda: (lambda l: l if set(ids) <= set(l) else None)(eventlog_by_id(COL)), 30,
                       "the events in var/eventlog/events.jsonl")
        for case, eid in zip(CASES, ids):
            self.assertEqual(len(log[eid]), 1)
            line = log[eid][0]
            self.assertEqual(line["event"], case["name"])
            self.assertEqual(line["level"], level_word(case["sev"][0]))
            self.assertEqual(line["msg"], case["body"])
            self.assertEqual(line["pid"], os.getpid())
            for k, v in case["attrs"].items():
                self.assertEqual(line["data"].get(k), v, f"{case['name']}: data[{k!r}]")
        client.close()

    def test_spooled_event_is_stored_like_the_posted_one(self) -> None:
        posted = unitrack.Client(url=COL.url, spool_dir=COL.spool_dir)
        # Nobody listens on this URL: every event goes to the spool, which the
        # collector reads through its eventlog/spool receiver.
        spooled = unitrack.Client(url=closed_port_url(), spool_dir=COL.spool_dir)
        pairs = [(call(posted, c), call(spooled, c)) for c in CASES]
        self.assertTrue(posted.flush(30))
        self.assertTrue(spooled.flush(30))
        self.assertEqual(spooled.stats()["spooled"], len(CASES), spooled.stats())
        stored = wait_stored(COL, [i for p in pairs for i in p])
        for case, (a, b) in zip(CASES, pairs):
            ra, rb = stored[a][0], stored[b][0]
            self.assertEqual(len(stored[b]), 1)
            self.check_record(case, rb, b)
            for k in ("event_name", "severity_number", "severity_text", "category", "source", "body",
                      "resource", "routes", "scope", "trace_id", "span_id"):
                self.assertEqual(ra.get(k), rb.get(k), f"{case['name']}: {k}")
            strip = lambda r: {k: v for k, v in r["attributes"].items()
                               if k != "track.event_id" and not k.startswith(LINE_SHAPE)}
            self.assertEqual(strip(ra), strip(rb), case["name"])
        wait_for(lambda: not spool_files(COL.spool_dir, ".jsonl"), 30, "the spool files to be deleted once read")
        self.assertEqual(spool_files(COL.spool_dir, ".part"), [])
        # The dashboard keeps one row an event_id whatever it is given; the
        # event log keeps every record, so it is where a second read would show.
        every = [i for p in pairs for i in p]
        log = wait_for(lambda: (lambda l: l if set(every) <= set(l) else None)(eventlog_by_id(COL)), 30,
                       "the events in var/eventlog/events.jsonl")
        time.sleep(1.0)
        log = eventlog_by_id(COL)
        self.assertEqual({i: len(log[i]) for i in every if len(log[i]) != 1}, {})
        for case, (a, b) in zip(CASES, pairs):
            # The spooled line is a json_events line, so the event log writes
            # it back byte for byte as the client spooled it (level word as
            # the caller gave it); the posted event is written in the event
            # log's style (upper-case level, every track.* attribute in data).
            la, lb = log[a][0], log[b][0]
            for k in ("event", "msg", "pid", "host"):
                self.assertEqual(la.get(k), lb.get(k), f"{case['name']}: {k}")
            self.assertEqual(la["level"], level_word(case["sev"][0]), f"{case['name']}: posted level")
            self.assertEqual(lb["level"], case["sev"][1], f"{case['name']}: spooled level")
            strip = lambda d: {k: v for k, v in d.items() if not k.startswith("track.")}
            self.assertEqual(strip(la["data"]), strip(lb["data"]), case["name"])
        posted.close()
        spooled.close()

    def test_bad_input_is_logged_with_the_field_and_the_rest_arrives(self) -> None:
        client = unitrack.Client(url=COL.url, spool_dir=COL.spool_dir)
        with self.assertLogs("unitrack", "WARNING") as logs:
            good = client.track_event("ok_event", "fine")
            bad = client.track_event("bad_event", "oops", severity="loud")
            bad_status = client.track_health("ollama", "sick")
            self.assertTrue(client.flush(30))
        text = "\n".join(logs.output)
        self.assertIn(bad, text)
        self.assertIn('field "severity": expected one of trace, debug', text)
        self.assertIn("status", text)
        self.assertIn(bad_status, text)
        self.assertEqual(client.stats()["rejected"], 2, client.stats())
        stored = wait_stored(COL, [good])
        self.assertNotIn(bad, stored)
        client.close()

    def test_values_json_cannot_hold_are_sent_as_text(self) -> None:
        client = unitrack.Client(url=COL.url, spool_dir=COL.spool_dir)
        cyclic: Dict[str, Any] = {}
        cyclic["self"] = cyclic
        eid = client.track_event("odd_values", "odd", metadata={"nan": float("nan"), "when": time,
                                                                "set": {1}, "cyclic": cyclic, 7: "int key"})
        self.assertTrue(client.flush(30))
        rec = wait_stored(COL, [eid])[eid][0]
        self.assertEqual(rec["attributes"]["nan"], "nan")
        self.assertEqual(rec["attributes"]["set"], [1])
        self.assertEqual(rec["attributes"]["7"], "int key")
        self.assertIn("module", rec["attributes"]["when"])
        client.close()


class DownThenUpTest(unittest.TestCase):
    """A collector of its own, so that it can be down."""

    def setUp(self) -> None:
        self.col = Collector()  # not started

    def tearDown(self) -> None:
        self.col.cleanup()

    def test_spooled_while_down_arrives_exactly_once(self) -> None:
        n = 600
        code = textwrap.dedent(f"""
            import json, sys, time, unitrack
            calls = []
            ids = []
            for i in range({n}):
                t = time.perf_counter()
                if i % 3 == 0:
                    ids.append(unitrack.track_event("job_done", "job %d done" % i, metadata={{"i": i}}))
                elif i % 3 == 1:
                    ids.append(unitrack.track_health("svc%d" % (i % 7), "degraded", latency_ms=i))
                else:
                    ids.append(unitrack.track_task("job", "failed", attempt=1, max_attempts=1, error="E: %d" % i))
                calls.append(time.perf_counter() - t)
            print(json.dumps({{"ids": ids, "max_call": max(calls), "stats": unitrack.stats()}}))
        """)
        env = {"UNITRACK_URL": self.col.url, "UNITRACK_SPOOL_DIR": self.col.spool_dir}
        # Three writer processes at once, each with its own spool files.
        t0 = time.monotonic()
        with ThreadPoolExecutor(3) as pool:
            outs = list(pool.map(lambda _: run_python(code, env=env), range(3)))
        elapsed = time.monotonic() - t0
        ids = []
        for out in outs:
            self.assertEqual(out.returncode, 0, out.stderr)
            res = json.loads(out.stdout)
            ids += res["ids"]
            # Connection refused is not waited for: no call waits on the network,
            # and the interpreter exits well within its 2 s exit deadline.
            self.assertLess(res["max_call"], 0.5, res)
        self.assertEqual(len(set(ids)), 3 * n)
        self.assertLess(elapsed, 60)
        # Everything is in sealed spool files (the exit handlers sealed them).
        self.assertEqual(spool_files(self.col.spool_dir, ".part"), [])
        lines = spool_lines(self.col.spool_dir)
        self.assertEqual(sorted(l["event_id"] for l in lines), sorted(ids))

        # A writer killed while its spool file is open leaves a .part file,
        # here with a torn last line as a crash in the middle of a write would.
        crash = run_python(textwrap.dedent("""
            import os, signal, time, unitrack
            c = unitrack.Client(spool_seal_after=3600, spool_max_age=3600)
            for i in range(1000):          # > 64 KiB of lines: written, not sealed
                c.track_event("crashed_writer", "line %d" % i, metadata={"pad": "x" * 100})
            while c.stats()["spooled"] < 500:
                time.sleep(0.01)
            os.kill(os.getpid(), signal.SIGKILL)
        """), env=env)
        self.assertEqual(crash.returncode, -9, crash.stderr)
        parts = spool_files(self.col.spool_dir, ".part")
        self.assertEqual(len(parts), 1)
        with open(parts[0], "rb") as f:
            written = [json.loads(l)["event_id"] for l in f.read().splitlines()]
        with open(parts[0], "ab") as f:
            f.write(b'{"ts":1796116470.1,"event_id":"TORN","lev')
        self.assertGreaterEqual(len(written), 500)

        self.col.start()
        # The collector never reads a .part file; the next client to start
        # (any process) seals the dead writer's file without its torn line.
        self.assertEqual(run_python("import unitrack; unitrack.track_event('next', 'process')",
                                    env=env).returncode, 0)
        ids += written
        stored = wait_stored(self.col, ids)
        for eid in ids:
            self.assertEqual(len(stored[eid]), 1, f"{eid} stored {len(stored[eid])} times")
        wait_for(lambda: not spool_files(self.col.spool_dir, ".jsonl"), 30, "the spool files to be deleted")
        log = wait_for(lambda: (lambda l: l if set(ids) <= set(l) else None)(eventlog_by_id(self.col)), 30,
                       "the event log")
        self.assertEqual({i: len(log[i]) for i in ids if len(log[i]) != 1}, {})

        # Down and up again while a client runs: what it sends meanwhile arrives, once.
        client = unitrack.Client(url=self.col.url, spool_dir=self.col.spool_dir)
        first = [client.track_event("phase", "before stop", metadata={"k": k}) for k in range(50)]
        self.assertTrue(client.flush(30))
        self.col.stop()
        during = [client.track_mcp_failure("filesystem", "down", failure_count=k) for k in range(50)]
        self.assertTrue(client.flush(30))
        self.assertEqual(client.stats()["spooled"], 50, client.stats())
        self.col.start()
        after = [client.track_event("phase", "after start", metadata={"k": k}) for k in range(50)]
        self.assertTrue(client.flush(30))
        everything = ids + first + during + after
        stored = wait_stored(self.col, everything)
        self.assertNotIn("TORN", stored)
        # A restart re-reads nothing: still one record per id, a moment later too.
        time.sleep(1.5)
        stored = by_id(self.col.dashboard_events())
        dupes = {i: len(stored[i]) for i in everything if len(stored[i]) != 1}
        self.assertEqual(dupes, {})
        # ... and the "next process" event; nothing else.
        self.assertEqual(len(self.col.dashboard_events()), len(everything) + 1)
        log = wait_for(lambda: (lambda l: l if set(everything) <= set(l) else None)(eventlog_by_id(self.col)), 30,
                       "every event in the event log")
        self.assertEqual({i: len(log[i]) for i in everything if len(log[i]) != 1}, {})
        self.assertEqual(sum(len(v) for v in log.values()), len(everything) + 1)
        client.close()


if __name__ == "__main__":
    unittest.main()
