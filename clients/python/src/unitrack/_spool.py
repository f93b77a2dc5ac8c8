"""The spool: events the collector could not take in time, as json_events
lines in files the collector's eventlog/spool receiver reads and deletes.

A process writes its own files (no interleaving between writers), named
unitrack-spool-<host>-<pid>-<token>-<seq>.part while open (created locked
under a hidden .tmp name first). Only whole lines
are written, each batch with one write() on an O_APPEND descriptor held under
an exclusive flock. A file is sealed by renaming it to .jsonl (atomic) once it
is idle, old or big enough: the collector only ever sees complete files, so it
can read each from its beginning and delete it at its end. A .part file whose
flock is free belongs to a process that died: its torn last line (if any) is
cut and the file is sealed by whoever finds it next.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import threading
import time
from typing import Any, Dict, Iterable, List, Optional, Tuple

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no lock, no orphan recovery
    fcntl = None  # type: ignore[assignment]

from ._events import EventError, to_json_events
from ._json import dumps

PREFIX = "unitrack-spool-"
OPEN_SUFFIX = ".part"
TMP_SUFFIX = ".tmp"
SEALED_SUFFIX = ".jsonl"
# A write() of the buffered lines happens at this size (and at every tick).
_BUFFER_BYTES = 64 * 1024

log = logging.getLogger("unitrack")


def _safe_host() -> str:
    return re.sub(r"[^A-Za-z0-9.-]", "_", socket.gethostname())[:64] or "host"


def encode_line(obj: Dict[str, Any]) -> bytes:
    return (dumps(obj) + "\n").encode("utf-8")


class Spool:
    """One process's spool files in directory. Thread-safe."""

    def __init__(self, directory: str, max_bytes: int, seal_idle: float, max_age: float) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self.seal_idle = seal_idle
        self.max_age = max_age
        self.lock = threading.Lock()
        self.spooled = 0  # events written
        self.rejected = 0  # events that break the contract, not spooled
        self.failed = 0  # events that could not be written (disk)
        self._reset()

    def _reset(self) -> None:
        self._fd: Optional[int] = None
        self._path = ""
        self._size = 0
        self._opened = 0.0
        self._last_write = 0.0
        self._buf: List[bytes] = []
        self._buf_bytes = 0
        self._seq = 0
        self._token = os.urandom(4).hex()
        self._warned_at = 0.0

    def after_fork_child(self) -> None:
        """The child writes its own files; the parent's descriptor (and its
        flock, shared with the parent) is closed, the parent's buffer dropped
        (the parent writes it)."""
        self.lock = threading.Lock()
        if self._fd is not None:
            try:
                os.close(self._fd)
            except OSError:
                pass
        self._reset()

    # -- writing

    def add(self, items: Iterable[Tuple[str, Dict[str, Any]]]) -> int:
        """Buffers the json_events lines of (path, event) items; returns how
        many were taken (the others break the contract and are logged)."""
        lines = []
        for path, ev in items:
            try:
                lines.append(encode_line(to_json_events(path, ev)))
            except EventError as e:
                self.rejected += 1
                log.warning("unitrack: event %s rejected: %s", ev.get("event_id"), e)
        if not lines:
            return 0
        with self.lock:
            self._buf.extend(lines)
            self._buf_bytes += sum(len(b) for b in lines)
            if self._buf_bytes >= _BUFFER_BYTES:
                self._flush_locked()
        return len(lines)

    def _flush_locked(self) -> None:
        if not self._buf:
            return
        data = b"".join(self._buf)
        n = len(self._buf)
        self._buf, self._buf_bytes = [], 0
        try:
            if self._fd is not None and self._size + len(data) > self.max_bytes and self._size > 0:
                self._seal_locked()
            if self._fd is None:
                self._open_locked()
            view = memoryview(data)
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
            self._size += len(data)
            self._last_write = time.monotonic()
            self.spooled += n
            # Sealed by age here too, so callers spooling past a full queue
            # never depend on a sender thread that may be stuck.
            if self._last_write - self._opened >= self.max_age:
                self._seal_locked()
        except OSError as e:
            self.failed += n
            now = time.monotonic()
            if now - self._warned_at > 10:
                self._warned_at = now
                log.error("unitrack: cannot write spool file in %s (%s); %d events lost so far",
                          self.directory, e, self.failed)

    def _open_locked(self) -> None:
        os.makedirs(self.directory, exist_ok=True)
        if self._seq == 0:
            recover(self.directory)
        self._seq += 1
        name = f"{PREFIX}{_safe_host()}-{os.getpid()}-{self._token}-{self._seq:05d}"
        path = os.path.join(self.directory, name + OPEN_SUFFIX)
        # Created and locked under a name no one else opens, then renamed: a
        # .part file is locked from the moment it exists, so a recoverer that
        # gets its lock knows the writer is gone.
        tmp = os.path.join(self.directory, f".{name}{TMP_SUFFIX}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | getattr(os, "O_CLOEXEC", 0), 0o644)
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.rename(tmp, path)
        except OSError:
            os.close(fd)
            raise
        self._fd, self._path, self._size = fd, path, 0
        self._opened = time.monotonic()

    def _seal_locked(self) -> None:
        fd, path = self._fd, self._path
        if fd is None:
            return
        self._fd, self._path, self._size = None, "", 0
        try:
            # Renamed while the flock is held, so no recoverer seals it too.
            os.rename(path, path[: -len(OPEN_SUFFIX)] + SEALED_SUFFIX)
        except OSError as e:
            log.error("unitrack: cannot seal spool file %s: %s", path, e)
        finally:
            os.close(fd)

    def tick(self, force: bool = False, idle: bool = True) -> None:
        """Writes what is buffered and seals the open file when it has been
        idle for seal_idle (unless idle is False: the collector is down, so
        nobody would read it sooner), open for max_age, or force is set."""
        with self.lock:
            self._flush_locked()
            if self._fd is None:
                return
            now = time.monotonic()
            if (force or (idle and now - self._last_write >= self.seal_idle)
                    or now - self._opened >= self.max_age):
                self._seal_locked()

    def pending(self) -> bool:
        with self.lock:
            return bool(self._buf) or self._fd is not None


def recover(directory: str) -> int:
    """Seals the .part files of dead writers (their flock is free): cuts a torn
    last line, removes empty files. Returns how many files were sealed."""
    if fcntl is None:
        return 0
    try:
        names = os.listdir(directory)
    except OSError:
        return 0
    sealed = 0
    for name in names:
        if name.startswith("." + PREFIX) and name.endswith(TMP_SUFFIX):
            _remove_if_unlocked(os.path.join(directory, name))
            continue
        if not (name.startswith(PREFIX) and name.endswith(OPEN_SUFFIX)):
            continue
        path = os.path.join(directory, name)
        try:
            fd = os.open(path, os.O_RDWR | getattr(os, "O_CLOEXEC", 0))
        except OSError:
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # its writer is alive
            if not os.path.exists(path):
                continue  # sealed by its writer meanwhile
            size = _whole_lines(fd)
            if size == 0:
                os.unlink(path)
                continue
            os.ftruncate(fd, size)
            os.rename(path, path[: -len(OPEN_SUFFIX)] + SEALED_SUFFIX)
            sealed += 1
            log.info("unitrack: sealed spool file %s left by a process that stopped", name)
        except OSError as e:
            log.warning("unitrack: cannot recover spool file %s: %s", name, e)
        finally:
            os.close(fd)
    return sealed


def _remove_if_unlocked(path: str) -> None:
    """Removes a writer's not yet renamed (hence empty) file if the writer
    died. Only old ones: a young one may not be locked yet by a live writer."""
    try:
        if time.time() - os.stat(path).st_mtime < 60:
            return
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        if os.path.exists(path) and os.fstat(fd).st_size == 0:
            os.unlink(path)
    except OSError:
        pass
    finally:
        os.close(fd)


def _whole_lines(fd: int) -> int:
    """The length of the file up to and including its last newline."""
    end = os.lseek(fd, 0, os.SEEK_END)
    pos = end
    while pos > 0:
        step = min(65536, pos)
        pos -= step
        chunk = os.pread(fd, step, pos)
        i = chunk.rfind(b"\n")
        if i >= 0:
            return pos + i + 1
    return 0
