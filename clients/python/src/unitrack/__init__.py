"""unitrack: one tracking call for the agent runner, sent to the unitrack collector.

    import unitrack
    unitrack.track_event("mcp_server_failure", "MCP server filesystem failed: timeout",
                         severity="error", category="mcp", metadata={"server": "filesystem"})

Every call returns at once with the event's id (None when UNITRACK_DISABLED=1)
and never raises; a background thread batches the events to the collector's
trackreceiver, and what it cannot deliver in time is spooled to a json_events
file the collector reads. The module-level functions use one default Client
configured from the environment (UNITRACK_URL, UNITRACK_SPOOL_DIR,
UNITRACK_TOKEN, UNITRACK_DISABLED); create a Client for other settings.
"""

from __future__ import annotations

import threading
from typing import Any, Dict, Mapping, Optional, Sequence

from ._client import Client
from ._events import EventError

__version__ = "0.1.0"
__all__ = [
    "Client", "EventError", "track_event", "track_mcp_failure", "track_mcp_success",
    "track_circuit_breaker", "track_health", "track_task", "notify", "blog_post", "flush",
    "close", "stats", "default_client",
]

_default: Optional[Client] = None
_default_lock = threading.Lock()


def default_client() -> Client:
    """The Client behind the module-level functions, created at first use."""
    global _default
    c = _default
    if c is None:
        with _default_lock:
            if _default is None:
                _default = Client()
            c = _default
    return c


def track_event(event_type: str, message: Any, severity: str = "info", category: Optional[str] = None,
                metadata: Optional[Mapping[str, Any]] = None, event_id: Optional[str] = None) -> Optional[str]:
    """The unified tracking call (POST /v1/track). Returns the event's id."""
    return (_default or default_client()).track_event(event_type, message, severity, category, metadata, event_id)


def track_mcp_failure(server: str, error: Any, failure_count: Optional[int] = None, *,
                      event_id: Optional[str] = None) -> Optional[str]:
    """An MCP server failure (circuit breaker event "failure")."""
    return (_default or default_client()).track_mcp_failure(server, error, failure_count, event_id=event_id)


def track_mcp_success(server: str, *, event_id: Optional[str] = None) -> Optional[str]:
    """An MCP server success after failures (circuit breaker event "success")."""
    return (_default or default_client()).track_mcp_success(server, event_id=event_id)


def track_circuit_breaker(server: str, event: str, state: Optional[str] = None,
                          failure_count: Optional[int] = None, threshold: Optional[int] = None,
                          error: Any = None, cooldown_seconds: Optional[float] = None, *,
                          event_id: Optional[str] = None) -> Optional[str]:
    """An MCP circuit breaker event: failure, success, opened, half_open, closed."""
    return (_default or default_client()).track_circuit_breaker(
        server, event, state, failure_count, threshold, error, cooldown_seconds, event_id=event_id)


def track_health(check: str, status: str, previous_status: Optional[str] = None,
                 latency_ms: Optional[float] = None, error: Any = None, *,
                 event_id: Optional[str] = None) -> Optional[str]:
    """A health check result: healthy, degraded or unhealthy."""
    return (_default or default_client()).track_health(check, status, previous_status, latency_ms, error,
                                                       event_id=event_id)


def track_task(task_name: str, status: str, task_id: Any = None, attempt: Optional[int] = None,
               max_attempts: Optional[int] = None, error: Any = None, duration_ms: Optional[float] = None, *,
               event_id: Optional[str] = None) -> Optional[str]:
    """A background task event: started, succeeded, failed, retrying, cancelled."""
    return (_default or default_client()).track_task(task_name, status, task_id, attempt, max_attempts, error,
                                                     duration_ms, event_id=event_id)


def notify(title: str, message: Any, priority: str = "normal", tags: Sequence[str] = (),
           source: Optional[str] = None, *, event_id: Optional[str] = None) -> Optional[str]:
    """The old notify() call: priority low, normal, high, urgent or critical."""
    return (_default or default_client()).notify(title, message, priority, tags, source, event_id=event_id)


def blog_post(title: str, content: str, tags: Sequence[str] = (), author: Optional[str] = None,
              anomaly: Optional[Mapping[str, Any]] = None, *, event_id: Optional[str] = None) -> Optional[str]:
    """The old system blog post; an anomaly makes it an anomaly.detected event."""
    return (_default or default_client()).blog_post(title, content, tags, author, anomaly, event_id=event_id)


def flush(timeout: float = 5.0) -> bool:
    """Waits until every event so far was sent or spooled; False on timeout."""
    return _default.flush(timeout) if _default is not None else True


def close(timeout: float = 5.0) -> bool:
    """Sends or spools what is queued and stops the default client's thread."""
    return _default.close(timeout) if _default is not None else True


def stats() -> Dict[str, int]:
    """The default client's counters: sent, spooled, rejected, spool_failed, queued."""
    return (_default or default_client()).stats()
