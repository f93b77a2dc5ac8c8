"""Runs the real built collector (UNITRACK_BIN) on the repository's default
otelcol.yaml, on free loopback ports, in a scratch working directory, and
reads what it stored: the dashboard API and the JSON event log file."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Callable, Dict, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
CONFIG = os.path.join(REPO, "otelcol.yaml")

_given: set = set()

def free_port() -> int:
    """A loopback port that was free a moment ago and not handed out before."""
    for _ in range(1000):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _given:
            _given.add(port)
            return port
    raise RuntimeError("no free port")

def binary() -> str:
    path = os.environ.get("UNITRACK_BIN")
    if not path:
        raise AssertionError("UNITRACK_BIN is not set: build with `make build` and run "
                             "UNITRACK_BIN=$PWD/bin/otelcol-unitrack python3 -m unittest discover -s clients/python/tests")
    if not os.access(path, os.X_OK):
        raise AssertionError(f"UNITRACK_BIN={path}: not an executable file")
    return path

def wait_for(cond: Callable[[], Any], timeout: float, what: str, interval: float = 0.1) -> Any:
    end = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)

class Collector:
    """One collector process; start() and stop() may be repeated on the same directory."""

    def __init__(self, workdir: Optional[str] = None) -> None:
        self.bin = binary()
        self.dir = workdir or tempfile.mkdtemp(prefix="unitrack-py-")
        self.ports = {k: free_port() for k in ("track", "grpc", "http", "dashboard", "health", "metrics")}
        self.proc: Optional[subprocess.Popen] = None
        self.log_path = os.path.join(self.dir, "collector.log")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports['track']}"

    @property
    def dashboard(self) -> str:
        return f"http://127.0.0.1:{self.ports['dashboard']}"

    @property
    def spool_dir(self) -> str:
        return os.path.join(self.dir, "var", "legacy")

    @property
    def eventlog_path(self) -> str:
        return os.path.join(self.dir, "var", "eventlog", "events.jsonl")

    def env(self) -> Dict[str, str]:
        p = self.ports
        return {
            "UNITRACK_TRACK_ENDPOINT": f"127.0.0.1:{p['track']}",
            "UNITRACK_OTLP_GRPC_ENDPOINT": f"127.0.0.1:{p['grpc']}",
            "UNITRACK_OTLP_HTTP_ENDPOINT": f"127.0.0.1:{p['http']}",
            "UNITRACK_DASHBOARD_ENDPOINT": f"127.0.0.1:{p['dashboard']}",
            "UNITRACK_HEALTH_ENDPOINT": f"127.0.0.1:{p['health']}",
            "UNITRACK_METRICS_PORT": str(p["metrics"]),
        }

    def start(self, timeout: float = 90.0) -> "Collector":
        for d in ("storage", "eventlog", "legacy", "notify", "blog", "dashboard"):
            os.makedirs(os.path.join(self.dir, "var", d), exist_ok=True)
        env = dict(os.environ)
        env.pop("UNITRACK_SPOOL_DIR", None)
        env.update(self.env())
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([self.bin, "--config", CONFIG], cwd=self.dir, env=env,
                                     stdout=log, stderr=subprocess.STDOUT)
        log.close()
        health = f"http://127.0.0.1:{self.ports['health']}/"

        def ready() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError(f"collector exited during start-up:\n{self.output()}")
            try:
                with urllib.request.urlopen(health, timeout=2) as r:
                    return r.status == 200
            except (OSError, urllib.error.URLError):
                return False

        wait_for(ready, timeout, "the collector's health check")
        return self

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"collector did not stop within 60s of SIGTERM:\n{self.output()}")
        finally:
            self.proc = None
        if code != 0:
            raise AssertionError(f"collector exited with {code}:\n{self.output()}")

    def cleanup(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def output(self) -> str:
        try:
            with open(self.log_path, "rb") as f:
                return f.read()[-20000:].decode("utf-8", "replace")
        except OSError:
            return ""

    # -- what the collector stored

    def get_json(self, path: str) -> Any:
        with urllib.request.urlopen(self.dashboard + path, timeout=10) as r:
            return json.load(r)

    def dashboard_events(self, **filters: str) -> List[Dict[str, Any]]:
        """Every stored event matching filters, newest first."""
        out: List[Dict[str, Any]] = []
        cursor = ""
        while True:
            q = dict(filters, limit="1000")
            if cursor:
                q["cursor"] = cursor
            page = self.get_json("/api/events?" + urllib.parse.urlencode(q))
            out.extend(page["events"])
            cursor = page.get("next_cursor") or ""
            if not cursor:
                return out

    def eventlog_lines(self) -> List[Dict[str, Any]]:
        """The whole lines of the JSON event log written so far."""
        try:
            with open(self.eventlog_path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            return []
        lines = data.split(b"\n")[:-1]  # the last may still be written
        return [json.loads(l) for l in lines if l.strip()]
