"""Fixtures shared by every test suite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.redis_server import RedisServer, redis_server_binary


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A running, durable ``redis-server`` of its own; stopped at teardown whatever happened."""
    try:
        redis_server_binary()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    server = RedisServer(tmp_path / "redis")
    try:
        yield server.start()
    finally:
        server.stop()
