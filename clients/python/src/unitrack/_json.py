"""One JSON encoder for the HTTP bodies and the spool lines: compact, UTF-8,
and never refusing a value (what JSON cannot hold is sent as text)."""

from __future__ import annotations

import json
import math
from typing import Any, Mapping


def _json_default(o: Any) -> Any:
    # Values JSON has no type for are sent as their text, never refused.
    if isinstance(o, (set, frozenset, tuple)):
        return list(o)
    if isinstance(o, bytes):
        return o.decode("utf-8", "replace")
    return str(o)


_encoder = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"),
                            default=_json_default)
try:
    # The C encoder json.dumps builds on every call, built once: a third
    # cheaper per spooled line. No cycle markers: a cycle ends in
    # RecursionError, and dumps() then sends a sanitized copy.
    from json.encoder import c_make_encoder as _c_make_encoder, encode_basestring as _encode_str
    _c_encode = _c_make_encoder(None, _json_default, _encode_str, None, ":", ",", False, False, False)
except ImportError:  # pragma: no cover - a Python without the C accelerator
    _c_encode = None


def _sanitize(v: Any, depth: int = 0) -> Any:
    """A JSON-safe copy of v: non-finite floats and odd keys as text, cycles cut."""
    if depth > 32:
        return str(v)
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    if isinstance(v, Mapping):
        return {str(k): _sanitize(x, depth + 1) for k, x in list(v.items())}
    if isinstance(v, (list, tuple, set, frozenset)):
        return [_sanitize(x, depth + 1) for x in list(v)]
    if v is None or isinstance(v, (str, int, float, bool)):
        return v
    return _json_default(v)


def dumps(obj: Any) -> str:
    try:
        if _c_encode is not None:
            return "".join(_c_encode(obj, 0))
        return _encoder.encode(obj)
    except (TypeError, ValueError, RecursionError):
        return _encoder.encode(_sanitize(obj))
