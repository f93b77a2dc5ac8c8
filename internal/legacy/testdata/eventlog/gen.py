"""Writes python_lines.jsonl: json_events lines as the legacy Python writer
(json.dumps with default settings) writes them. Stdlib only, deterministic:
TestPythonLinesAreCurrent runs it and compares with the committed file.

    python3 gen.py > python_lines.jsonl
"""
import json
import random
import struct
import sys

T = 1764331200.123
lines = []


def add(record):
    lines.append(json.dumps(record))


# The contract's example, and what the agent-runner writes every day.
add({"ts": T, "level": "ERROR", "event": "task_failed", "component": "background_tasks",
     "msg": "Task nightly_summary failed", "data": {"task": "nightly_summary"}, "pid": 4121, "host": "box1"})
add({"ts": 1764331200.1234567, "level": "INFO", "event": "agent.started", "component": "agent_runner",
     "msg": "Agent runner started", "data": {"version": "2.4.1", "models": ["llama3", "qwen2.5"], "workers": 4}})
add({"ts": 1764331201.9876543, "level": "WARNING", "event": "mcp.server.slow", "component": "mcp",
     "msg": "MCP server filesystem answered in 4.2 s", "data": {"server": "filesystem", "latency_s": 4.2,
                                                               "threshold_s": 2.0, "ratio": 2.1}})
# time.time()-like values of every length, as floats.
for ts in (1764331200.0, 1764331200.5, 1764331200.25, 1764331200.1, 1764331200.999999,
           1764331202.0000002, 1764331203.4567891, 1.0, 0.5, 1e-05):
    add({"ts": ts, "level": "DEBUG", "event": "tick", "msg": "tick", "data": {"t": ts}})
# Non-ASCII: Latin, Cyrillic, CJK, emoji (surrogate pairs), RTL.
add({"ts": T, "level": "ERROR", "event": "chat.reply_failed", "component": "chat",
     "msg": "Réponse échouée — ошибка 😀 模型超时 مرحبا",
     "data": {"user": "José Müller", "prompt": "Qu'est-ce que c'est ? 🤔", "emoji": "👩‍💻🏳️‍🌈", "kanji": "漢字"}})
# Nested data, empty containers, every JSON type.
add({"ts": T, "level": "INFO", "event": "memory.consolidated", "component": "memory",
     "msg": "Consolidated 3 facts",
     "data": {"facts": [{"id": 1, "text": "likes tea", "score": 0.93, "tags": []},
                        {"id": 2, "text": "lives in Lyon", "score": 1.0, "meta": {}},
                        {"id": 3, "text": None, "score": -0.0, "ok": False}],
              "stats": {"before": 120, "after": 117, "took_s": 0.012, "nested": {"deep": {"deeper": [1, [2, [3, []]]]}}},
              "done": True}})
# Floats in every spelling repr has.
add({"ts": T, "level": "INFO", "event": "metrics", "msg": "metrics",
     "data": {"small": 1e-05, "tiny": 5e-324, "e16": 1e+16, "big": 1.5e+300, "max": 1.7976931348623157e+308,
              "neg": -2.5e-07, "int_float": 3.0, "third": 1 / 3, "pi": 3.141592653589793, "k": 1234567890123456.0,
              "k2": 12345678901234567.0, "cents": 0.1 + 0.2, "negzero": -0.0}})
# Integers beyond int64.
add({"ts": T, "level": "INFO", "event": "bigint", "msg": "big ints",
     "data": {"u64": 2 ** 64, "i64max": 2 ** 63 - 1, "i64min": -2 ** 63, "under": -2 ** 63 - 1,
              "googol": 10 ** 100, "list": [2 ** 70, -3 ** 50, 7]}})
# Escapes.
add({"ts": T, "level": "ERROR", "event": "escape", "msg": "quote \" backslash \\ slash / tab \t nl \n cr \r",
     "data": {"ctl": "\x00\x01\x08\x0c\x1f", "del": "\x7f", "ls": "\u2028\u2029", "html": "<script>&amp;</script>",
              "bom": "\ufeff", "replacement": "\ufffd", "path": "C:\\Users\\a\\b.txt", "quote'": "it's"}})
# Key orders: data in reverse, top-level shuffled, extra top-level fields.
add({"ts": T, "level": "INFO", "event": "order", "msg": "m", "data": {"z": 1, "y": 2, "a": 3, "m": 4}})
add({"event": "order.top", "msg": "msg first", "level": "INFO", "ts": T, "data": {"b": 1, "a": 2}, "component": "c"})
add({"ts": T, "level": "INFO", "event": "extra", "msg": "m", "data": {"a": 1}, "request_id": "r-77", "user": {"id": 7},
     "elapsed": 0.25})
# Optional keys left out or spelled otherwise.
add({"ts": T, "event": "no.level"})
add({"ts": T, "level": "info", "event": "lower.level", "msg": "m", "data": {}})
add({"ts": T, "level": "Critical", "event": "mixed.level", "msg": "m", "data": {}})
add({"ts": 1764331200, "level": "INFO", "event": "int.ts", "msg": "m", "data": {}})
add({"ts": 1764331200123, "level": "INFO", "event": "ms.ts", "msg": "m", "data": {}})
add({"ts": "2026-11-28T12:00:00.123456+00:00", "level": "INFO", "event": "iso.ts", "msg": "m", "data": {}})
add({"ts": T, "level": "INFO", "event": "nulls", "component": None, "msg": None, "data": None, "host": None})
add({"ts": T, "level": "INFO", "event": "pid.string", "msg": "m", "data": {}, "pid": "4121", "host": ""})
add({"ts": T, "level": "INFO", "event": "service", "msg": "m", "data": {}, "service": "agent-runner"})
add({"ts": T, "level": "INFO", "event": "service.other", "msg": "m", "data": {}, "pid": 1, "host": "h",
     "service": "scheduler", "trace_id": "0af7651916cd43dd8448eb211c80319c", "span_id": "b7ad6b7169203331"})
add({"ts": T, "level": "INFO", "event": "ids.upper", "msg": "m", "data": {}, "trace_id": "0AF7651916CD43DD8448EB211C80319C",
     "event_id": 12345})
add({"ts": T, "level": "INFO", "event": "event.id", "msg": "m", "data": {}, "event_id": "01JDX3K9Q8ZJ5V7M2N4P6R8T0W"})
# data with track.* keys (a line an earlier unitrack wrote) and a top-level
# field whose name data also uses.
add({"ts": T, "level": "ERROR", "event": "reread", "msg": "m",
     "data": {"task": "x", "track.source": "json_events", "track.category": "task", "track.event_id": "01JDX3K9Q8ZJ5V7M2N4P6R8T0W",
              "track.routes": ["dashboard", "eventlog"]}})
add({"ts": T, "level": "INFO", "event": "collide", "msg": "m", "data": {"x": 1, "y": 2}, "x": "top"})
add({"ts": T, "level": "INFO", "event": "category", "msg": "m", "data": {"category": "mcp", "server": "filesystem"}})

# Random records: shapes and values the fixed cases do not think of.
rng = random.Random(20261128)


def rand_str():
    out = []
    for _ in range(rng.randrange(0, 10)):
        r = rng.choice((rng.randrange(0x20, 0x7f), rng.randrange(0, 0x80), rng.randrange(0x80, 0x800),
                        rng.randrange(0x800, 0x10000), rng.randrange(0x10000, 0x110000)))
        if 0xD800 <= r <= 0xDFFF:  # lone surrogates: see README
            r = 0x41
        out.append(chr(r))
    return "".join(out)


def rand_float():
    while True:
        f = rng.choice((struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0],
                        rng.uniform(-1e6, 1e6), rng.random() * 10 ** rng.randrange(-30, 30), float(rng.randrange(-1000, 1000))))
        if f == f and f not in (float("inf"), float("-inf")):
            return f


def rand_value(depth):
    kind = rng.randrange(9 if depth < 3 else 6)
    if kind == 0:
        return rand_str()
    if kind == 1:
        return rng.randrange(-2 ** 63, 2 ** 63)
    if kind == 2:
        return rng.randrange(-10 ** 30, 10 ** 30)
    if kind == 3:
        return rand_float()
    if kind == 4:
        return rng.choice((True, False, None))
    if kind == 5:
        return rng.randrange(-100, 100)
    if kind in (6, 7):
        return {rand_str(): rand_value(depth + 1) for _ in range(rng.randrange(0, 5))}
    return [rand_value(depth + 1) for _ in range(rng.randrange(0, 5))]


for i in range(150):
    rec = {"ts": rng.choice((1764331200 + rng.random() * 1e6, float(1764331200 + i), 1764331200 + i)),
           "level": rng.choice(("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", "warning", "Error")),
           "event": "random." + str(i) + rand_str(),
           "component": rand_str(),
           "msg": rand_str(),
           "data": {("k%d" % j) + rand_str(): rand_value(0) for j in range(rng.randrange(0, 8))}}
    if rng.random() < 0.3:
        rec["pid"] = rng.randrange(1, 100000)
    if rng.random() < 0.3:
        rec["host"] = "host-" + rand_str()
    if rng.random() < 0.2:
        rec["extra" + str(i)] = rand_value(1)
    if rng.random() < 0.2:
        del rec["component"]
    if rng.random() < 0.2:
        items = list(rec.items())
        rng.shuffle(items)
        rec = dict(items)
    add(rec)

sys.stdout.write("\n".join(lines) + "\n")
