"""The client: a bounded in-memory queue, one background sender thread, and
the spool for whatever the collector cannot take in time."""

from __future__ import annotations

import atexit
import collections
import email.utils
import gzip
import http.client
import json
import logging
import math
import os
import random
import socket
import sys
import threading
import time
import traceback
import urllib.parse
import weakref
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from . import _events as ev_
from ._json import dumps
from ._spool import Spool, recover

log = logging.getLogger("unitrack")

DEFAULT_URL = "http://localhost:4320"
DEFAULT_SPOOL_DIR = os.path.join(".", "var", "legacy")

def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def _err_text(error: Any) -> Optional[str]:
    if error is None:
        return None
    if isinstance(error, BaseException):
        msg = str(error)
        return f"{type(error).__name__}: {msg}" if msg else type(error).__name__
    return error if isinstance(error, str) else str(error)


class _IDs:
    """ULIDs (as the collector mints them): 48-bit milliseconds, then 80 bits
    that start random each millisecond and count up within it, so ids are
    unique and time-ordered within a process. Reseeded after fork. All but the
    last two characters are cached, so minting costs a lookup and a concat."""

    def __init__(self) -> None:
        self.reseed()

    def reseed(self) -> None:
        self._rand = random.Random(os.urandom(16))
        self._ms = -1
        self._low = 0
        self._prefix = ""

    def new(self, ns: int) -> str:
        ms = ns // 1_000_000
        if ms > self._ms:
            self._ms = ms
            self._low = low = self._rand.getrandbits(79)
            self._prefix = _b32(ms, 5) + _b32(low >> 10, 7)
        else:
            # A clock step back keeps the previous millisecond: order holds.
            self._low = low = self._low + 1
            if low & 1023 == 0:
                self._prefix = _b32(self._ms, 5) + _b32(low >> 10, 7)
        return self._prefix + _PAIRS[low & 1023]


_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_PAIRS = [a + b for a in _CROCKFORD for b in _CROCKFORD]


def _b32(x: int, pairs: int) -> str:
    """x as 2*pairs Crockford base32 digits (10 bits a pair)."""
    return "".join(_PAIRS[(x >> (10 * i)) & 1023] for i in range(pairs - 1, -1, -1))


class Client:
    """A unitrack client. Calls never raise and never wait on the network.

    Arguments default to the environment: url (UNITRACK_URL, default
    http://localhost:4320, a path prefix allowed), spool_dir
    (UNITRACK_SPOOL_DIR, default ./var/legacy, resolved at creation), token
    (UNITRACK_TOKEN: sent as Authorization: Bearer), disabled
    (UNITRACK_DISABLED=1: every call returns None and does nothing).
    """

    def __init__(self, url: Optional[str] = None, spool_dir: Optional[str] = None,
                 token: Optional[str] = None, disabled: Optional[bool] = None, *,
                 service: Optional[str] = None, max_queue: int = 10_000, batch_size: int = 1000,
                 flush_interval: float = 0.2, timeout: float = 5.0, retry_timeout: float = 10.0,
                 compress: bool = True, exit_timeout: float = 2.0,
                 spool_max_bytes: int = 16 << 20, spool_seal_after: float = 1.0,
                 spool_max_age: float = 10.0) -> None:
        self.url = (url or os.environ.get("UNITRACK_URL") or DEFAULT_URL).rstrip("/")
        self.spool_dir = os.path.abspath(spool_dir or os.environ.get("UNITRACK_SPOOL_DIR") or DEFAULT_SPOOL_DIR)
        self.token = token if token is not None else (os.environ.get("UNITRACK_TOKEN") or None)
        self.disabled = _env_flag("UNITRACK_DISABLED") if disabled is None else bool(disabled)
        self.max_queue = max(1, int(max_queue))
        self.batch_size = max(1, int(batch_size))
        self.flush_interval = flush_interval
        self.timeout = timeout
        self.retry_timeout = retry_timeout
        self.compress = compress
        self.exit_timeout = exit_timeout
        u = urllib.parse.urlsplit(self.url)
        if u.scheme not in ("http", "https") or not u.hostname:
            log.error("unitrack: UNITRACK_URL %r: expected http(s)://host[:port][/prefix]; events are spooled", self.url)
        self._scheme, self._netloc, self._prefix = u.scheme, u.netloc, u.path.rstrip("/")
        self._host = socket.gethostname()
        self._service = service
        self._spool = Spool(self.spool_dir, spool_max_bytes, spool_seal_after, spool_max_age)
        self._ids = _IDs()
        self._init_process_state()
        if not self.disabled:
            _clients.add(self)

    def _init_process_state(self) -> None:
        self._pid = os.getpid()
        self._q: "collections.deque[Tuple[str, Dict[str, Any]]]" = collections.deque()
        self._wake = threading.Event()
        self._idle = threading.Condition(threading.Lock())
        self._start_lock = threading.Lock()
        self._thread: Optional[threading.Thread] = None
        self._inflight: List[Tuple[str, Dict[str, Any]]] = []
        self._conn: Optional[http.client.HTTPConnection] = None
        self._stopping = False
        self._closed = False
        self._abandoned = False  # close() gave up on a stuck thread and spooled its batch
        self._deadline: Optional[float] = None
        self._down_until = 0.0
        self._down = False  # the last attempt found nobody listening
        self._backoff = 0.0
        self._flush_seq = 0
        self._done_seq = 0
        self.sent = 0
        self.rejected = 0
        self._last_auth_log = 0.0

    def _after_fork_child(self) -> None:
        # The parent sends what it had queued; the child starts empty, with
        # its own thread, connection, spool files and id sequence.
        self._ids.reseed()
        self._spool.after_fork_child()
        self._init_process_state()

    # -- the calls

    def _put(self, path: str, ev: Dict[str, Any], event_id: Optional[str]) -> Optional[str]:
        try:
            ns = time.time_ns()
            eid = event_id if event_id is not None else self._ids.new(ns)
            ev["event_id"] = eid
            ev["timestamp"] = ns // 1000 / 1e6  # microseconds, written exactly
            ev["pid"] = self._pid
            ev["host"] = self._host
            if self._service is not None:
                ev["service"] = self._service
            if self._closed:
                # After close (or in a later exit handler, when no thread may
                # start): straight to a sealed spool file.
                self._spool.add(((path, ev),))
                self._spool.tick(force=True)
                return eid
            if self._thread is None:
                self._start()
            q = self._q
            if len(q) >= self.max_queue:
                # Full: the newest event goes to the spool, never dropped.
                self._spool.add(((path, ev),))
            else:
                q.append((path, ev))
                if len(q) >= self.batch_size and not self._wake.is_set():
                    self._wake.set()
                if self._closed:
                    # close() ran between the check above and the append.
                    self._spool_queue()
                    self._spool.tick(force=True)
            return eid
        except Exception:  # never hurt the caller
            log.debug("unitrack: event not queued", exc_info=True)
            return event_id

    def track_event(self, event_type: str, message: Any, severity: str = "info",
                    category: Optional[str] = None, metadata: Optional[Mapping[str, Any]] = None,
                    event_id: Optional[str] = None) -> Optional[str]:
        """The unified call (track_event format). Returns the event's id."""
        if self.disabled:
            return None
        ev: Dict[str, Any] = {"event_type": event_type,
                              "message": message if isinstance(message, str) else str(message),
                              "severity": severity}
        if category is not None:
            ev["category"] = category
        if metadata:
            ev["metadata"] = dict(metadata)
        return self._put(ev_.TRACK, ev, event_id)

    def track_circuit_breaker(self, server: str, event: str, state: Optional[str] = None,
                              failure_count: Optional[int] = None, threshold: Optional[int] = None,
                              error: Any = None, cooldown_seconds: Optional[float] = None, *,
                              event_id: Optional[str] = None) -> Optional[str]:
        """An MCP circuit breaker event: failure, success, opened, half_open, closed."""
        if self.disabled:
            return None
        ev: Dict[str, Any] = {"server": server, "event": event}
        if state is not None:
            ev["state"] = state
        if failure_count is not None:
            ev["failure_count"] = failure_count
        if threshold is not None:
            ev["threshold"] = threshold
        if error is not None:
            ev["error"] = _err_text(error)
        if cooldown_seconds is not None:
            ev["cooldown_seconds"] = cooldown_seconds
        return self._put(ev_.CIRCUIT_BREAKER, ev, event_id)

    def track_mcp_failure(self, server: str, error: Any, failure_count: Optional[int] = None, *,
                          event_id: Optional[str] = None) -> Optional[str]:
        """What _record_mcp_failure records: a circuit breaker failure."""
        return self.track_circuit_breaker(server, "failure", failure_count=failure_count,
                                          error=error, event_id=event_id)

    def track_mcp_success(self, server: str, *, event_id: Optional[str] = None) -> Optional[str]:
        """What _reset_mcp_success records: a circuit breaker success."""
        return self.track_circuit_breaker(server, "success", event_id=event_id)

    def track_health(self, check: str, status: str, previous_status: Optional[str] = None,
                     latency_ms: Optional[float] = None, error: Any = None, *,
                     event_id: Optional[str] = None) -> Optional[str]:
        """A health check result (healthy, degraded, unhealthy)."""
        if self.disabled:
            return None
        ev: Dict[str, Any] = {"check": check, "status": status}
        if previous_status is not None:
            ev["previous_status"] = previous_status
        if latency_ms is not None:
            ev["latency_ms"] = latency_ms
        if error is not None:
            ev["error"] = _err_text(error)
        return self._put(ev_.HEALTH, ev, event_id)

    def track_task(self, task_name: str, status: str, task_id: Any = None,
                   attempt: Optional[int] = None, max_attempts: Optional[int] = None,
                   error: Any = None, duration_ms: Optional[float] = None, *,
                   event_id: Optional[str] = None) -> Optional[str]:
        """A background task event (started, succeeded, failed, retrying,
        cancelled). An exception as error also sends its traceback."""
        if self.disabled:
            return None
        ev: Dict[str, Any] = {"task_name": task_name, "status": status}
        if task_id is not None:
            ev["task_id"] = task_id
        if attempt is not None:
            ev["attempt"] = attempt
        if max_attempts is not None:
            ev["max_attempts"] = max_attempts
        if error is not None:
            ev["error"] = _err_text(error)
            if isinstance(error, BaseException) and error.__traceback__ is not None:
                ev["traceback"] = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        if duration_ms is not None:
            ev["duration_s"] = duration_ms / 1000
        return self._put(ev_.TASKS, ev, event_id)

    def notify(self, title: str, message: Any, priority: str = "normal", tags: Sequence[str] = (),
               source: Optional[str] = None, *, event_id: Optional[str] = None) -> Optional[str]:
        """The old notify() call (low, normal, high, urgent, critical)."""
        if self.disabled:
            return None
        ev: Dict[str, Any] = {"title": title,
                              "message": message if isinstance(message, str) else str(message),
                              "priority": priority}
        if tags:
            ev["tags"] = [str(t) for t in tags]
        if source is not None:
            ev["source"] = source
        return self._put(ev_.NOTIFY, ev, event_id)

    def blog_post(self, title: str, content: str, tags: Sequence[str] = (), author: Optional[str] = None,
                  anomaly: Optional[Mapping[str, Any]] = None, *, event_id: Optional[str] = None) -> Optional[str]:
        """The old system blog post; with anomaly it is an anomaly.detected event."""
        if self.disabled:
            return None
        ev: Dict[str, Any] = {"title": title, "content": content}
        if tags:
            ev["tags"] = [str(t) for t in tags]
        if author is not None:
            ev["author"] = author
        if anomaly is not None:
            ev["anomaly"] = dict(anomaly)
        return self._put(ev_.BLOG, ev, event_id)

    # -- flush and close

    def flush(self, timeout: float = 5.0) -> bool:
        """Waits until everything queued before the call was sent or spooled
        (spool files sealed, so the collector reads them). Returns False when
        the timeout passed first. Never raises."""
        if self.disabled or self._pid != os.getpid():
            return True
        try:
            if self._thread is None or not self._thread.is_alive():
                if not self._q and not self._spool.pending():
                    return True
                self._start()
            with self._idle:
                self._flush_seq += 1
                want = self._flush_seq
            self._wake.set()
            end = time.monotonic() + timeout
            with self._idle:
                while self._done_seq < want:
                    left = end - time.monotonic()
                    if left <= 0:
                        return False
                    self._idle.wait(left)
            return True
        except Exception:
            log.debug("unitrack: flush failed", exc_info=True)
            return False

    def close(self, timeout: float = 5.0) -> bool:
        """Sends what is queued within timeout, spools the rest, seals the
        spool and stops the thread. Later calls go to the spool. Never raises."""
        if self.disabled or self._closed:
            return True
        try:
            self._closed = True
            self._deadline = time.monotonic() + timeout
            t = self._thread
            if t is not None and t.is_alive() and self._pid == os.getpid():
                self._stopping = True
                self._wake.set()
                t.join(timeout + 0.5)
                if not t.is_alive():
                    self._spool_queue()
                    self._spool.tick(force=True)
                    return True
                # The thread is stuck in a request: keep everything, the
                # in-flight batch too (it may then arrive twice, never zero times).
                self._abandoned = True
                self._spool.add(list(self._inflight))
            self._spool_queue()
            self._spool.tick(force=True)
            return t is None or not t.is_alive()
        except Exception:
            log.debug("unitrack: close failed", exc_info=True)
            return False
        finally:
            _clients.discard(self)

    def stats(self) -> Dict[str, int]:
        """Counters since start (or fork): sent, spooled, rejected, spool_failed, queued."""
        return {"sent": self.sent, "spooled": self._spool.spooled,
                "rejected": self.rejected + self._spool.rejected,
                "spool_failed": self._spool.failed, "queued": len(self._q)}

    # -- the sender thread

    def _start(self) -> None:
        with self._start_lock:
            if self._thread is not None and self._thread.is_alive():
                return
            t = threading.Thread(target=self._run, name="unitrack-sender", daemon=True)
            self._thread = t
            t.start()

    def _run(self) -> None:
        next_recovery = 0.0
        while True:
            if time.monotonic() >= next_recovery:
                # Other processes' writers may die while this one runs.
                next_recovery = time.monotonic() + 60
                try:
                    recover(self.spool_dir)
                except Exception:
                    log.debug("unitrack: spool recovery failed", exc_info=True)
            self._wake.wait(self.flush_interval)
            self._wake.clear()
            with self._idle:
                seq = self._flush_seq
            try:
                self._drain()
                # While the collector is down, files are sealed by age and
                # size only: fewer, larger files for when it is back.
                self._spool.tick(force=seq > self._done_seq or self._stopping, idle=not self._down)
            except Exception:
                log.warning("unitrack: sender error", exc_info=True)
            with self._idle:
                if seq > self._done_seq:
                    self._done_seq = seq
                    self._idle.notify_all()
            if self._stopping:
                # Callers now spool themselves: what is queued is the last.
                try:
                    while self._q and not self._abandoned:
                        self._drain()
                    self._spool.tick(force=True)
                except Exception:
                    log.warning("unitrack: sender error", exc_info=True)
                self._close_conn()
                return

    def _spool_queue(self) -> None:
        q = self._q
        items = []
        while q:
            try:
                items.append(q.popleft())
            except IndexError:
                break
        if items:
            self._spool.add(items)

    def _drain(self) -> None:
        # At most what is queued now, so a flush ends while callers go on.
        q = self._q
        left = len(q)
        while q and left > 0:
            if self._deadline is not None and time.monotonic() >= self._deadline:
                self._spool_queue()
                return
            batch: Dict[str, List[Dict[str, Any]]] = {}
            n = 0
            while q and n < self.batch_size:
                path, ev = q.popleft()
                batch.setdefault(path, []).append(ev)
                n += 1
            left -= n
            for path, events in batch.items():
                if self._abandoned:
                    return
                self._inflight = [(path, e) for e in events]
                self._send(path, events)
                self._inflight = []

    def _send(self, path: str, events: List[Dict[str, Any]]) -> None:
        now = time.monotonic()
        if now < self._down_until:
            self._spool_batch(path, events)
            return
        body = dumps(events).encode("utf-8")
        if self.compress:
            body = gzip.compress(body, 1, mtime=0)
        start = now
        retries = 0
        while True:
            limit = start + self.retry_timeout
            if self._deadline is not None:
                limit = min(limit, self._deadline)
            try:
                status, headers, data = self._post(path, body, max(0.05, min(self.timeout, limit - time.monotonic())))
            except (OSError, http.client.HTTPException) as e:
                self._close_conn()
                if retries == 0:
                    retries += 1  # a kept-alive connection the server closed
                    continue
                self._mark_down(e)
                self._spool_batch(path, events)
                return
            if self._down:
                # Back: seal what was spooled meanwhile, so it is read now.
                self._down = False
                self._spool.tick(force=True)
            self._backoff = 0.0
            self._down_until = 0.0
            if status == 200:
                self._accepted(events, data)
                return
            if status == 400:
                self._accepted(events, data)  # none valid: log each reason
                return
            if status == 413 and len(events) > 1:
                half = len(events) // 2
                self._send(path, events[:half])
                self._send(path, events[half:])
                return
            if status == 413:
                self.rejected += 1
                log.error("unitrack: event %s is larger than the collector's body limit; dropped",
                          events[0].get("event_id"))
                return
            if status in (408, 429, 500, 502, 503, 504):
                wait = self._retry_wait(headers.get("Retry-After"), retries)
                retries += 1
                if time.monotonic() + wait >= limit:
                    self._spool_batch(path, events)
                    return
                time.sleep(wait)
                continue
            # 401, 403, 404, ...: the collector cannot take them here; the
            # spool still can.
            now = time.monotonic()
            if now - self._last_auth_log > 60:
                self._last_auth_log = now
                log.error("unitrack: %s%s answered %d: %s; events are spooled", self.url, path, status,
                          data[:200].decode("utf-8", "replace"))
            self._spool_batch(path, events)
            return

    def _spool_batch(self, path: str, events: List[Dict[str, Any]]) -> None:
        if not self._abandoned:
            self._spool.add((path, e) for e in events)

    def _retry_wait(self, retry_after: Optional[str], retries: int) -> float:
        base = min(30.0, 0.25 * (2 ** retries))
        wait = base * random.uniform(0.5, 1.0)
        if retry_after:
            try:
                ra = float(retry_after)
            except ValueError:
                try:
                    ra = email.utils.parsedate_to_datetime(retry_after).timestamp() - time.time()
                except (TypeError, ValueError):
                    ra = 0.0
            if ra > 0:
                # Never earlier than asked; jitter spreads the clients out.
                wait = min(ra, 60.0) * random.uniform(1.0, 1.2)
        return wait

    def _mark_down(self, err: Exception) -> None:
        self._down = True
        self._backoff = min(30.0, max(0.5, self._backoff * 2))
        self._down_until = time.monotonic() + self._backoff * random.uniform(0.5, 1.0)
        log.debug("unitrack: collector unreachable (%s); spooling for %.1fs", err, self._backoff)

    def _accepted(self, events: List[Dict[str, Any]], data: bytes) -> None:
        try:
            answer = json.loads(data or b"{}")
        except ValueError:
            answer = {}
        errors = answer.get("errors") or []
        accepted = int(answer.get("accepted", len(events) - len(errors)) or 0)
        self.sent += accepted
        self.rejected += len(events) - accepted
        if not errors and accepted < len(events):
            log.warning("unitrack: %d events refused by the collector: %s", len(events) - accepted,
                        answer.get("error") or data[:200].decode("utf-8", "replace"))
        for e in errors[:5]:
            i = e.get("index", -1)
            ev = events[i] if isinstance(i, int) and 0 <= i < len(events) else {}
            log.warning("unitrack: event %s rejected by the collector: %s", ev.get("event_id"), e.get("error"))

    def _post(self, path: str, body: bytes, timeout: float) -> Tuple[int, Any, bytes]:
        conn = self._conn
        if conn is None:
            cls = http.client.HTTPSConnection if self._scheme == "https" else http.client.HTTPConnection
            conn = cls(self._netloc, timeout=timeout)
            self._conn = conn
        else:
            conn.timeout = timeout
            if conn.sock is not None:
                conn.sock.settimeout(timeout)
        headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
        if self.compress:
            headers["Content-Encoding"] = "gzip"
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        conn.request("POST", self._prefix + path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        if resp.getheader("Connection", "").lower() == "close":
            self._close_conn()
        return resp.status, resp.headers, data

    def _close_conn(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:
                pass
            self._conn = None


# Live clients, for the fork and exit hooks (weak: a dropped Client is not kept).
_clients: "weakref.WeakSet[Client]" = weakref.WeakSet()


def _after_fork_child() -> None:
    for c in list(_clients):
        c._after_fork_child()
    # A multiprocessing child ends with os._exit (no atexit) after running its
    # finalizers; they are cleared after this hook, so register ours after that.
    mp_util = sys.modules.get("multiprocessing.util")
    if mp_util is not None and _clients:
        mp_util.register_after_fork(_at_exit, _register_mp_finalizer)


def _register_mp_finalizer(_: Any) -> None:
    import multiprocessing.util as mp_util
    mp_util.Finalize(None, _at_exit, exitpriority=100)


def _at_exit() -> None:
    clients = [c for c in list(_clients) if c._pid == os.getpid()]
    for c in clients:
        c.close(c.exit_timeout)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_child)
atexit.register(_at_exit)
