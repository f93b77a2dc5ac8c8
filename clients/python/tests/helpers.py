"""Shared pieces of the tests: the package on sys.path, child processes, a
loopback HTTP server that plays a collector under back-pressure or hung."""

from __future__ import annotations

import glob
import gzip
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
from typing import Any, Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", "src"))
if SRC not in sys.path:
    sys.path.insert(0, SRC)


def run_python(code: str, env: Optional[Dict[str, str]] = None, timeout: float = 120.0) -> subprocess.CompletedProcess:
    """Runs code in a fresh interpreter with the package importable."""
    e = dict(os.environ)
    e["PYTHONPATH"] = SRC + os.pathsep + HERE + os.pathsep + e.get("PYTHONPATH", "")
    for k in ("UNITRACK_URL", "UNITRACK_SPOOL_DIR", "UNITRACK_TOKEN", "UNITRACK_DISABLED"):
        e.pop(k, None)
    e.update(env or {})
    return subprocess.run([sys.executable, "-c", code], env=e, capture_output=True, text=True, timeout=timeout)


def closed_port_url() -> str:
    """A loopback URL nobody listens on (connection refused)."""
    from collector import free_port
    return f"http://127.0.0.1:{free_port()}"


def spool_lines(directory: str, sealed_only: bool = True) -> List[Dict[str, Any]]:
    pattern = "unitrack-spool-*.jsonl" if sealed_only else "unitrack-spool-*"
    out = []
    for p in sorted(glob.glob(os.path.join(directory, pattern))):
        with open(p, "rb") as f:
            for line in f.read().split(b"\n"):
                if line.strip():
                    out.append(json.loads(line))
    return out


def spool_files(directory: str, suffix: str) -> List[str]:
    return sorted(glob.glob(os.path.join(directory, "unitrack-spool-*" + suffix)))


class FakeBackPressure:
    """A real HTTP server on loopback that answers with the scripted statuses
    (then 200 with every event accepted), or hangs when hang is set; it keeps
    each request's time, headers and decoded events."""

    def __init__(self, script: Tuple[Tuple[int, Dict[str, str]], ...] = (), hang: bool = False,
                 port: int = 0) -> None:
        self.script = list(script)
        self.hang = hang
        self.requests: List[Dict[str, Any]] = []
        self.release = threading.Event()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a: Any) -> None:
                pass

            def do_POST(self) -> None:
                import time
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                events = json.loads(body)
                outer.requests.append({"time": time.monotonic(), "path": self.path,
                                       "headers": dict(self.headers), "events": events})
                if outer.hang:
                    outer.release.wait(30)
                    return
                status, headers = outer.script.pop(0) if outer.script else (200, {})
                answer = json.dumps({"accepted": len(events) if status == 200 else 0,
                                     "rejected": 0 if status == 200 else len(events), "errors": []}).encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
