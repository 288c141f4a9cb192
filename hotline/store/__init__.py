"""Durable storage for a node: the :class:`Store` protocol and its SQLite and Redis stores.

Pick one by URL with :func:`open_store`, then ``await store.open()``::

    sqlite:///node.db            a file relative to the working directory
    sqlite:////var/lib/hotline/node.db
    redis://127.0.0.1:6379/0     a Redis with appendonly yes and appendfsync always
    rediss://user:pass@host:6380/0
"""

from __future__ import annotations

from hotline.errors import StoreError
from hotline.store.base import (
    CheckpointRecord,
    CosignatureRecord,
    EvidenceRecord,
    Store,
    UserRecord,
)
from hotline.store.redis import RedisStore, redact
from hotline.store.sqlite import SqliteStore

__all__ = [
    "CheckpointRecord",
    "CosignatureRecord",
    "EvidenceRecord",
    "RedisStore",
    "SqliteStore",
    "Store",
    "UserRecord",
    "open_store",
]


def open_store(url: str, *, allow_unsafe: bool = False, key_prefix: str = "hotline:") -> Store:
    """The store for ``url``, not yet opened. ``allow_unsafe`` and ``key_prefix`` are for Redis:
    run on a Redis that is not durable (with a warning), and the prefix of every key."""
    scheme = url.partition(":")[0].lower() if ":" in url else ""
    if scheme == "sqlite":
        return SqliteStore(url)
    if scheme in ("redis", "rediss"):
        return RedisStore(url, allow_unsafe=allow_unsafe, key_prefix=key_prefix)
    raise StoreError(
        f"unknown store URL {redact(url)!r}: use sqlite:///path/to/node.db or redis://host:port/db"
    )
