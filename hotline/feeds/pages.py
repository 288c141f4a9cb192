"""Listing pages kept as the JSON they were sent as, while nothing they show has changed.

A page of ``GET /v1/notices`` shows records of the feed index and states derived from them and
from the clock. The index counts its changes (:attr:`FeedIndex.version`: a record added, which
is also how an ack, a cancel or an update reaches the record it names; a delivery), so a page
built at one version is the page that would be built again while the version is the same, until
the clock reaches the first deadline on it (a notice turning overdue). A page whose build saw
the version move (it awaits the store) is not kept.

Pages filtered by state are not kept: a record off the page may enter it when its deadline
passes. The cache is bounded by the bytes it holds; the least recently used page goes first.

Requests for a page that is being built wait for that build (:meth:`PageCache.shared`): when a
notice arrives and thirty consoles ask for the first page again, it is built once, not thirty
times side by side.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial

PAGE_CACHE_BYTES = 16 * 2**20

PageKey = tuple[object, ...]


@dataclass(frozen=True, slots=True)
class Page:
    version: int
    until_ms: int | None  # the first deadline on the page still ahead; None: no deadline
    body: bytes


class PageCache:
    def __init__(self, max_bytes: int = PAGE_CACHE_BYTES) -> None:
        self._max = max_bytes
        self._pages: OrderedDict[PageKey, Page] = OrderedDict()
        self._bytes = 0
        self._building: dict[PageKey, tuple[int, asyncio.Future[bytes]]] = {}
        self.hits = 0
        self.builds = 0

    def __len__(self) -> int:
        return len(self._pages)

    def get(self, key: PageKey, version: int, now_ms: int) -> bytes | None:
        """The page kept for ``key`` if it is still what a build would give; else None."""
        page = self._pages.get(key)
        if (
            page is None
            or page.version != version
            or (page.until_ms is not None and now_ms >= page.until_ms)
        ):
            if page is not None:
                self._drop(key)
            return None
        self._pages.move_to_end(key)
        self.hits += 1
        return page.body

    async def shared(
        self, key: PageKey, version: int, build: Callable[[], Awaitable[bytes]]
    ) -> bytes:
        """What ``build`` makes of the page ``key``, built once for every request of it at the
        same version that comes while it is being built (a request that goes away does not
        stop the build for the others)."""
        found = self._building.get(key)
        if found is None or found[0] != version:
            found = (version, asyncio.ensure_future(build()))
            self._building[key] = found
            self.builds += 1
            found[1].add_done_callback(partial(self._built, key, found))
        return await asyncio.shield(found[1])

    def _built(
        self, key: PageKey, building: tuple[int, asyncio.Future[bytes]], done: asyncio.Future[bytes]
    ) -> None:
        if self._building.get(key) is building:
            del self._building[key]
        if not done.cancelled():
            done.exception()  # each request it was built for was given its error

    def put(self, key: PageKey, version: int, until_ms: int | None, body: bytes) -> None:
        if len(body) > self._max:
            return
        if key in self._pages:
            self._drop(key)
        self._pages[key] = Page(version, until_ms, body)
        self._bytes += len(body)
        while self._bytes > self._max:
            self._drop(next(iter(self._pages)))

    def _drop(self, key: PageKey) -> None:
        self._bytes -= len(self._pages.pop(key).body)
