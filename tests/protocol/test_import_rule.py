"""The protocol library stands alone: no I/O frameworks, nothing from the node."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import hotline_protocol

PACKAGE = Path(hotline_protocol.__file__).parent
ALLOWED_THIRD_PARTY = {
    "pydantic",
    "pydantic_core",
    "cryptography",
    "rfc8785",
    "orjson",
    "shapely",
    "pyproj",
    "numpy",
}
FORBIDDEN_STDLIB = {"socket", "asyncio", "subprocess", "sqlite3", "http", "urllib", "os", "io"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_protocol_imports_only_its_declared_dependencies() -> None:
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 10
    stdlib = set(sys.stdlib_module_names)
    for module in modules:
        for name in _imports(module):
            if name in stdlib or name == "__future__":
                assert name not in FORBIDDEN_STDLIB, f"{module.name} imports {name}"
                continue
            assert name in ALLOWED_THIRD_PARTY, f"{module.name} imports {name}"


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
    assert deps == {"pydantic", "cryptography", "rfc8785", "orjson", "shapely", "pyproj", "numpy"}
