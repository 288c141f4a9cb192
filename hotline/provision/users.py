"""A node's users, managed in its store directly.

Works whether or not the node runs: the store is opened for the one operation (SQLite waits for
the node's writes; Redis serves both). A revoked token is refused by the node's next request.
These functions are synchronous; called from a running event loop (as tests do), the store's
work runs on a loop of its own in a worker thread.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from ..auth.users import add_user
from ..settings import load_settings
from ..store import open_store
from ..store.base import Store, UserRecord
from .errors import UnknownUserError

T = TypeVar("T")


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def with_store(directory: Path, work: Callable[[Store], Awaitable[T]]) -> T:
    """Open the node's store, run ``work`` on it and close it."""
    settings = load_settings(directory)

    async def go() -> T:
        store = open_store(
            settings.store_url, allow_unsafe=settings.store_unsafe, key_prefix=settings.store_prefix
        )
        await store.open()
        try:
            return await work(store)
        finally:
            await store.close()

    return _run(go())


def create_user(
    directory: Path, name: str, role: str, nation: str | None = None, unit: str | None = None
) -> str:
    """Add a user to the node's store, posting as ``unit`` of ``nation`` (None: the node's);
    its one-time token (the store keeps only its hash)."""

    async def work(store: Store) -> str:
        _, token = await add_user(store, name, role, now_ms(), nation=nation, unit=unit)
        return token

    return with_store(directory, work)


def list_users(directory: Path) -> list[UserRecord]:
    """Every user of the node, revoked ones included."""

    async def work(store: Store) -> list[UserRecord]:
        return await store.list_users()

    return with_store(directory, work)


def revoke_user(directory: Path, name: str) -> tuple[bool, UserRecord]:
    """Revoke the user's token: whether this call revoked it (False: it was already) and the
    user as stored now. UnknownUserError when there is no such user."""

    async def work(store: Store) -> tuple[bool, UserRecord | None]:
        revoked = await store.revoke_user(name, now_ms())
        return revoked, await store.get_user(name)

    revoked, user = with_store(directory, work)
    if user is None:
        raise UnknownUserError(f"no user {name!r}")
    return revoked, user


def _run(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion; in a thread of its own when an event loop already runs here."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()
