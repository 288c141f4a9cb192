"""Fixtures shared by every test suite."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from pathlib import Path

import hypothesis  # noqa: F401 - see below
import pytest

from tests.helpers.redis_server import RedisServer, redis_server_binary

# hypothesis is imported here, before any test starts a thread: its pytest plugin would
# otherwise import it in the terminal summary, and CPython 3.11.7 can fail to compile a module
# ("AST constructor recursion depth mismatch", a counter shared between threads) when a thread
# left over from the tests touches the AST at the same moment.


NODE_THREAD = "nodes"  # the browser tests' two nodes, served on a loop in this thread


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A Hypothesis test never runs beside the browser tests' node thread.

    The nodes' keepalive pings draw from the global random; Hypothesis reports a strategy that
    moves that state as a flaky failure of whatever test happens to be drawing.
    """
    test = getattr(item, "obj", None)
    if getattr(test, "is_hypothesis_test", False) and any(
        t.name == NODE_THREAD and t.is_alive() for t in threading.enumerate()
    ):
        pytest.fail(
            f"{item.nodeid}: a Hypothesis test started while the browser tests' nodes still run",
            pytrace=False,
        )


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


@pytest.fixture
def collector_off() -> Iterator[None]:
    """The cyclic collector off for the test (after a full collection): what is freed meanwhile
    is freed by reference counting alone."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
