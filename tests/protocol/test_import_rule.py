"""The protocol library stands alone: no I/O frameworks, nothing from the node (what it may
import is an import-linter contract in pyproject.toml, checked in scripts/check and in
tests/test_layers.py; here: what importing it loads, and what it declares)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import hotline_protocol

PACKAGE = Path(hotline_protocol.__file__).parent


def test_importing_the_protocol_loads_no_node_or_server_modules() -> None:
    code = (
        "import sys, hotline_protocol, hotline_protocol.entries, hotline_protocol.proof, "
        "hotline_protocol.witness, hotline_protocol.notices\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "{'hotline', 'fastapi', 'starlette', 'redis', 'uvicorn', 'websockets', 'httpx'}]\n"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_the_distribution_declares_only_those_dependencies() -> None:
    import tomllib

    meta = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())
    deps = {
        d.split(">")[0].split("=")[0].split("<")[0].strip() for d in meta["project"]["dependencies"]
    }
    assert deps == {
        "pydantic",
        "cryptography",
        "rfc8785",
        "orjson",
        "shapely",
        "pyproj",
        "numpy",
        "ijson",
        "pybase64",
    }
