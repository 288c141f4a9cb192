"""Fixtures for the CLI tests: a node directory with a user per role, and that node running."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers.node_process import NodeProcess, make_node_dir


@dataclass(frozen=True)
class NodeDir:
    path: Path
    tokens: dict[str, str]


@pytest.fixture
def node_dir(tmp_path: Path) -> NodeDir:
    """An initialised node ``alpha`` (SQLite) with users operator, automation, auditor, admin."""
    path, tokens = make_node_dir(tmp_path, "alpha", "hotline.example/alpha")
    return NodeDir(path, tokens)


@pytest.fixture
def running_node(node_dir: NodeDir) -> Iterator[NodeProcess]:
    """``node_dir`` served by a real ``hotline serve`` process; stopped at teardown."""
    node = NodeProcess(node_dir.path)
    try:
        yield node.start()
    finally:
        node.stop()
