"""Fixtures shared by every test suite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import hypothesis  # noqa: F401 - see below
import pytest

from tests.helpers.redis_server import RedisServer, redis_server_binary

# hypothesis is imported here, before any test starts a thread: its pytest plugin would
# otherwise import it in the terminal summary, and CPython 3.11.7 can fail to compile a module
# ("AST constructor recursion depth mismatch", a counter shared between threads) when a thread
# left over from the tests touches the AST at the same moment.


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
