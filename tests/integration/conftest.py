"""Fixtures for the integration tests: the store both nodes use, and paired node processes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.peer_pair import Pair, make_pair


@pytest.fixture(params=["sqlite", "redis"])
def store_url(request: pytest.FixtureRequest) -> str | None:
    """None for SQLite (each node its own file); a Redis URL for both nodes (own prefixes)."""
    if request.param == "sqlite":
        return None
    url: str = request.getfixturevalue("redis_server").url
    return url


@pytest.fixture
def pairs(tmp_path: Path, store_url: str | None) -> Iterator[Callable[..., Pair]]:
    """``pairs(**options)``: a paired alpha and bravo, started (see make_pair); all stopped at
    teardown, whatever happened."""
    made: list[Pair] = []

    def make(**options: Any) -> Pair:
        pair = make_pair(tmp_path / f"pair{len(made)}", store_url, **options)
        made.append(pair)
        return pair.start()

    try:
        yield make
    finally:
        for pair in made:
            pair.stop()
