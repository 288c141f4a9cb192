"""The store every contract test runs against: SQLite in a temporary file, and a real Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hotline.store import RedisStore, SqliteStore, Store


@pytest.fixture(params=["sqlite", "redis"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "sqlite":
        store: Store = SqliteStore(f"sqlite:///{tmp_path / 'node.db'}")
    else:
        store = RedisStore(request.getfixturevalue("redis_server").url)
    await store.open()
    try:
        yield store
    finally:
        await store.close()
