"""SQLite store files made to look as an older schema left them, for the tests of upgrades."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hotline.store import SqliteStore


@contextmanager
def older(path: Path, version: int) -> Iterator[sqlite3.Connection]:
    """A connection to the store file at ``path``, for the caller to change the file as schema
    ``version`` had it; on leaving, the file says it is of that version (committed, closed)."""
    conn = sqlite3.connect(path)
    try:
        with conn:
            yield conn
            conn.execute(
                "UPDATE store_info SET value = ? WHERE key = 'schema_version'", (str(version),)
            )
    finally:
        conn.close()


async def opened(path: Path) -> SqliteStore:
    """The store of the file at ``path``, open (and so upgraded to this version)."""
    store = SqliteStore(f"sqlite:///{path}")
    await store.open()
    return store
