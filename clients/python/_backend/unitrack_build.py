"""A minimal PEP 517 build backend (stdlib only) for the unitrack package.

setuptools is not needed, and pip's isolated build environment has nothing to
fetch, so `pip install ./clients/python` works on a machine without network.
It builds a pure-Python wheel of src/unitrack (and an sdist); metadata comes
from pyproject.toml's [project] table (tomllib on 3.11+, else a reader for the
few flat keys this file uses).
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import tarfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "unitrack"


def _project() -> dict:
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        data = f.read()
    try:
        import tomllib
        return tomllib.loads(data.decode("utf-8"))["project"]
    except ImportError:
        out: dict = {}
        section = ""
        for line in data.decode("utf-8").splitlines():
            line = line.strip()
            if line.startswith("["):
                section = line.strip("[]")
            elif section == "project" and "=" in line:
                k, v = (x.strip() for x in line.split("=", 1))
                if v.startswith('"'):
                    out[k] = v.strip('"')
        return out


def _metadata() -> str:
    p = _project()
    lines = ["Metadata-Version: 2.1", f"Name: {p['name']}", f"Version: {p['version']}",
             f"Summary: {p.get('description', '')}", f"Requires-Python: {p.get('requires-python', '>=3.9')}",
             "License: Apache-2.0"]
    for c in p.get("classifiers", []):
        lines.append(f"Classifier: {c}")
    readme = os.path.join(ROOT, "README.md")
    body = ""
    if os.path.exists(readme):
        lines.append("Description-Content-Type: text/markdown")
        with open(readme, encoding="utf-8") as f:
            body = f.read()
    return "\n".join(lines) + "\n\n" + body


def _files():
    src = os.path.join(ROOT, "src", PACKAGE)
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        for name in sorted(filenames):
            if name.endswith((".py", ".typed")):
                full = os.path.join(dirpath, name)
                yield full, os.path.relpath(full, os.path.join(ROOT, "src")).replace(os.sep, "/")


def _record_line(arc: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{arc},sha256={digest},{len(data)}"


def _wheel(wheel_directory: str, entries) -> str:
    p = _project()
    name = re.sub(r"[-.]+", "_", p["name"])
    dist_info = f"{name}-{p['version']}.dist-info"
    filename = f"{name}-{p['version']}-py3-none-any.whl"
    records = []
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w", zipfile.ZIP_DEFLATED) as z:
        def add(arc: str, data: bytes) -> None:
            z.writestr(arc, data)
            records.append(_record_line(arc, data))
        for arc, data in entries:
            add(arc, data)
        add(f"{dist_info}/METADATA", _metadata().encode("utf-8"))
        add(f"{dist_info}/WHEEL", b"Wheel-Version: 1.0\nGenerator: unitrack_build\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        records.append(f"{dist_info}/RECORD,,")
        z.writestr(f"{dist_info}/RECORD", "\n".join(records) + "\n")
    return filename


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    entries = []
    for full, arc in _files():
        with open(full, "rb") as f:
            entries.append((arc, f.read()))
    return _wheel(wheel_directory, entries)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    # PEP 660: a .pth file that puts src/ on sys.path.
    return _wheel(wheel_directory, [(f"__editable__.{PACKAGE}.pth", (os.path.join(ROOT, "src") + "\n").encode())])


def build_sdist(sdist_directory, config_settings=None):
    p = _project()
    base = f"{p['name']}-{p['version']}"
    filename = base + ".tar.gz"
    with tarfile.open(os.path.join(sdist_directory, filename), "w:gz") as t:
        for rel in ("pyproject.toml", "README.md", "_backend/unitrack_build.py"):
            full = os.path.join(ROOT, rel)
            if os.path.exists(full):
                t.add(full, f"{base}/{rel}")
        for full, arc in _files():
            t.add(full, f"{base}/src/{arc}")
        info = tarfile.TarInfo(f"{base}/PKG-INFO")
        data = _metadata().encode("utf-8")
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    return filename


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []
