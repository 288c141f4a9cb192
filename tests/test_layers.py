"""The layers of the code are import-linter contracts (pyproject.toml, ``[tool.importlinter]``):
they hold for the tree as it is, and an import across a layer breaks them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
LINT = Path(sys.executable).with_name("lint-imports")


def lint(root: Path) -> subprocess.CompletedProcess[str]:
    """lint-imports on the packages under ``root`` (they come first on the path)."""
    env = {"PYTHONPATH": f"{root}:{root / 'protocol'}"}
    return subprocess.run(
        [str(LINT), str(root / "pyproject.toml"), "--no-cache"],
        cwd=root,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.fixture
def tree_copy(tmp_path: Path) -> Path:
    """The node and the protocol library copied, with the contracts."""
    shutil.copytree(
        ROOT / "hotline", tmp_path / "hotline", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copytree(
        ROOT / "protocol" / "hotline_protocol", tmp_path / "protocol" / "hotline_protocol"
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_layer_contracts_hold() -> None:
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "violation"),
    [
        (
            "hotline/feeds/index.py",
            "from hotline.node import Node",
            "hotline.feeds is not allowed to import hotline.node",
        ),
        (
            "hotline/store/base.py",
            "from hotline.feeds import index",
            "hotline.store is not allowed to import hotline.feeds",
        ),
        (
            "hotline/acks/webhook.py",
            "from hotline.api import deps",
            "hotline.acks is not allowed to import hotline.api",
        ),
        (
            "hotline/peering/sender.py",
            "from hotline.acks import deadlines",
            "hotline.peering is not allowed to import hotline.acks",
        ),
        (
            "protocol/hotline_protocol/tree.py",
            "import hotline.types",
            "hotline_protocol is not allowed to import hotline",
        ),
        (
            "protocol/hotline_protocol/merkle.py",
            "import asyncio",
            "hotline_protocol is not allowed to import asyncio",
        ),
    ],
)
def test_an_import_across_a_layer_breaks_a_contract(
    tree_copy: Path, module: str, line: str, violation: str
) -> None:
    assert violation not in lint(tree_copy).stdout
    with (tree_copy / module).open("a") as f:
        f.write(f"\n{line}  # noqa\n")
    result = lint(tree_copy)
    assert result.returncode != 0
    assert violation in result.stdout, result.stdout
