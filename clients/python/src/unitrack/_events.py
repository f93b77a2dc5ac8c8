"""The legacy formats the client posts, and their json_events spool lines.

A spooled event is read back by the collector's eventlog receiver as a
json_events line, so each line must say what trackreceiver would have made of
the original: the same event name, severity word, body, category and
attributes (docs/legacy-formats.md), with track.source naming the original
format and the event's own id. The mapping below follows internal/legacy
(formats.go); tests/test_collector.py checks on the built binary that a spooled
event and the same event posted over HTTP are stored alike.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any, Callable, Dict, Optional

# The trackreceiver path of each format (docs/legacy-formats.md).
TRACK = "/v1/track"
CIRCUIT_BREAKER = "/v1/legacy/circuit-breaker"
HEALTH = "/v1/legacy/health"
TASKS = "/v1/legacy/tasks"
NOTIFY = "/v1/legacy/notify"
BLOG = "/v1/legacy/blog"

SOURCE = {
    TRACK: "track_event",
    CIRCUIT_BREAKER: "circuit_breaker",
    HEALTH: "health_monitor",
    TASKS: "background_tasks",
    NOTIFY: "notification",
    BLOG: "blog",
}

SEVERITY_WORDS = {
    "trace": 1, "debug": 5, "info": 9, "notice": 9, "warn": 13, "warning": 13,
    "error": 17, "err": 17, "critical": 21, "crit": 21, "fatal": 21, "alert": 21,
    "emergency": 21,
}
_SEVERITY_EXPECTED = ("one of trace, debug, info, notice, warn, warning, error, err, "
                      "critical, crit, fatal, alert, emergency (any case)")

# internal/legacy.LevelWord for the numbers the table formats use.
_LEVEL = {1: "TRACE", 5: "DEBUG", 9: "INFO", 13: "WARNING", 17: "ERROR", 21: "CRITICAL"}

# The fields every format reads besides its own (internal/legacy commonFields).
_COMMON = ("event_id", "pid", "host", "service", "trace_id", "span_id")


class EventError(ValueError):
    """An event that breaks the contract; the message names the field."""


def _fail(field: str, expected: str, got: Any = None) -> EventError:
    if got is None:
        return EventError(f'field "{field}": expected {expected}, got nothing (the field is required)')
    return EventError(f'field "{field}": expected {expected}, got {got!r}')


def _req_str(ev: Dict[str, Any], field: str) -> str:
    v = ev.get(field)
    if not isinstance(v, str) or v == "":
        raise _fail(field, "a non-empty string", v)
    return v


def _opt_str(ev: Dict[str, Any], field: str) -> Optional[str]:
    v = ev.get(field)
    if v is not None and not isinstance(v, str):
        raise _fail(field, "a string", v)
    return v


def _enum(ev: Dict[str, Any], field: str, allowed, required: bool = True) -> Optional[str]:
    v = ev.get(field)
    if v is None:
        if required:
            raise _fail(field, "one of " + ", ".join(allowed))
        return None
    if isinstance(v, str) and v.lower() in allowed:
        return v.lower()
    raise _fail(field, "one of " + ", ".join(allowed), v)


def _num(ev: Dict[str, Any], field: str):
    v = ev.get(field)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)) or (isinstance(v, float) and not math.isfinite(v)):
        raise _fail(field, "a number", v)
    return v


def go_number(v) -> str:
    """strconv.FormatFloat(float64(v), 'f', -1, 64): 5 -> "5", 2.5 -> "2.5"."""
    f = float(v)
    if f.is_integer():
        return str(int(f))
    return format(Decimal(repr(f)), "f")


def _track_event(ev, data):
    name = _req_str(ev, "event_type")
    body = _req_str(ev, "message")
    word = ev.get("severity")
    level = "info"
    if word is not None:
        if not isinstance(word, str) or word.strip().lower() not in SEVERITY_WORDS:
            raise _fail("severity", _SEVERITY_EXPECTED, word)
        level = word
    category = _opt_str(ev, "category") or "system"
    meta = ev.get("metadata")
    if meta is not None:
        if not isinstance(meta, dict):
            raise _fail("metadata", "an object", meta)
        data.update(meta)
    return name, level, body, category


_CB_EVENTS = ("failure", "success", "opened", "half_open", "closed")
_CB_SEVERITY = {"failure": 13, "half_open": 13, "success": 5, "opened": 17, "closed": 9}


def _circuit_breaker(ev, data):
    server = _req_str(ev, "server")
    event = _enum(ev, "event", _CB_EVENTS)
    state = _opt_str(ev, "state")
    err = _opt_str(ev, "error")
    fc = _num(ev, "failure_count")
    th = _num(ev, "threshold")
    cooldown = _num(ev, "cooldown_seconds")
    data["mcp.server.name"] = server
    if state is not None:
        data["circuit_breaker.state"] = state
    if fc is not None:
        data["circuit_breaker.failure_count"] = fc
    if th is not None:
        data["circuit_breaker.threshold"] = th
    if cooldown is not None:
        data["circuit_breaker.cooldown_s"] = cooldown
    if err is not None:
        data["exception.message"] = err
    body = f"MCP server {server} circuit breaker {event.replace('_', '-')}"
    if fc is not None:
        body += " (" + go_number(fc)
        if th is not None:
            body += "/" + go_number(th)
        body += " failures)"
    if err:
        body += ": " + err
    return "mcp.circuit_breaker." + event, _LEVEL[_CB_SEVERITY[event]], body, "mcp"


_HEALTH = ("healthy", "degraded", "unhealthy")
_HEALTH_SEVERITY = {"healthy": 9, "degraded": 13, "unhealthy": 17}


def _health(ev, data):
    check = _req_str(ev, "check")
    status = _enum(ev, "status", _HEALTH)
    prev = _enum(ev, "previous_status", _HEALTH, required=False)
    err = _opt_str(ev, "error")
    latency = _num(ev, "latency_ms")
    if prev and prev != status:
        name = "health.status_changed"
        body = f"{check}: {prev} -> {status}"
    else:
        name = "health.check"
        body = f"{check}: {status}"
    if err:
        body += f" ({err})"
    data["health.check"] = check
    data["health.status"] = status
    if prev:
        data["health.previous_status"] = prev
    if latency is not None:
        data["health.latency_ms"] = latency
    if err is not None:
        data["exception.message"] = err
    return name, _LEVEL[_HEALTH_SEVERITY[status]], body, "health"


_TASK = ("started", "succeeded", "failed", "retrying", "cancelled")
_TASK_SEVERITY = {"started": 5, "succeeded": 9, "retrying": 13, "cancelled": 13, "failed": 17}


def _task(ev, data):
    name = _req_str(ev, "task_name")
    status = _enum(ev, "status", _TASK)
    task_id = ev.get("task_id")
    if task_id is not None:
        if isinstance(task_id, bool) or not isinstance(task_id, (str, int)):
            raise _fail("task_id", "a string or an integer", task_id)
        data["task.id"] = str(task_id)
    data["task.name"] = name
    attempt = _num(ev, "attempt")
    max_attempts = _num(ev, "max_attempts")
    duration = _num(ev, "duration_s")
    if attempt is not None:
        data["task.attempt"] = attempt
    if max_attempts is not None:
        data["task.max_attempts"] = max_attempts
    if duration is not None:
        data["task.duration_s"] = duration
    if status == "failed":
        a = 1 if attempt is None else attempt
        data["task.final"] = max_attempts is None or a >= max_attempts
    err = _opt_str(ev, "error")
    if err is not None:
        i = err.find(": ")
        if i > 0:
            data["exception.type"] = err[:i]
            data["exception.message"] = err[i + 2:]
        else:
            data["exception.message"] = err
    tb = _opt_str(ev, "traceback")
    if tb is not None:
        data["exception.stacktrace"] = tb
    body = f"Task {name} {status}"
    if attempt is not None:
        body += " (attempt " + go_number(attempt)
        if max_attempts is not None:
            body += "/" + go_number(max_attempts)
        body += ")"
    if err:
        body += ": " + err
    return "task." + status, _LEVEL[_TASK_SEVERITY[status]], body, "task"


_PRIORITY = ("low", "normal", "high", "urgent", "critical")
_PRIORITY_SEVERITY = {"low": 9, "normal": 13, "high": 17, "urgent": 21, "critical": 21}


def _tags(ev, data):
    tags = ev.get("tags")
    if tags is not None:
        if not isinstance(tags, list):
            raise _fail("tags", "an array of strings", tags)
        data["track.tags"] = tags


def _notification(ev, data):
    title = _req_str(ev, "title")
    body = _req_str(ev, "message")
    prio = _enum(ev, "priority", _PRIORITY, required=False) or "normal"
    category = _opt_str(ev, "source") or "notification"
    data["notification.title"] = title
    data["notification.priority"] = prio
    _tags(ev, data)
    return "notification", _LEVEL[_PRIORITY_SEVERITY[prio]], body, category


def _blog(ev, data):
    title = _req_str(ev, "title")
    body = _req_str(ev, "content")
    anomaly = ev.get("anomaly")
    if anomaly is not None and not isinstance(anomaly, dict):
        raise _fail("anomaly", "an object", anomaly)
    author = _opt_str(ev, "author")
    data["blog.title"] = title
    if author is not None:
        data["blog.author"] = author
    _tags(ev, data)
    if anomaly is not None:
        for k, v in anomaly.items():
            data.setdefault("anomaly." + str(k), v)
        return "anomaly.detected", "WARNING", body, "anomaly"
    return "blog.post", "INFO", body, "blog"


_BUILDERS: Dict[str, Callable] = {
    TRACK: _track_event,
    CIRCUIT_BREAKER: _circuit_breaker,
    HEALTH: _health,
    TASKS: _task,
    NOTIFY: _notification,
    BLOG: _blog,
}


def to_json_events(path: str, ev: Dict[str, Any]) -> Dict[str, Any]:
    """The json_events line (as a dict) that the collector reads back as the
    record trackreceiver makes of ev posted to path. Raises EventError."""
    free: Dict[str, Any] = {}
    contract: Dict[str, Any] = {}
    build = _BUILDERS[path]
    if path == TRACK:
        name, level, body, category = build(ev, free)
    else:
        name, level, body, category = build(ev, contract)
    # Contract attributes win over the free-form object's keys, as in
    # internal/legacy; the track.* ones are the record's own.
    free.update(contract)
    free["track.source"] = SOURCE[path]
    free["track.category"] = category
    line: Dict[str, Any] = {"ts": ev["timestamp"], "event_id": ev["event_id"], "level": level,
                            "event": name, "msg": body, "data": free}
    for k in _COMMON[1:]:
        v = ev.get(k)
        if v is not None:
            line[k] = v
    return line
