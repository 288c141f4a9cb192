"""Listing pages kept as the JSON they were sent as, while nothing they show has changed.

A page of ``GET /v1/notices`` shows records of the feed index and states derived from them and
from the clock. The index counts its changes (:attr:`FeedIndex.version`: a record added, which
is also how an ack, a cancel or an update reaches the record it names; a delivery), so a page
built at one version is the page that would be built again while the version is the same, until
the clock reaches the first deadline on it (a notice turning overdue). A page whose build saw
the version move (it awaits the store) is not kept.

Pages filtered by state are not kept: a record off the page may enter it when its deadline
passes. The cache is bounded by the bytes it holds; the least recently used page goes first.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

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
        self.hits = 0
        self.misses = 0

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
            self.misses += 1
            return None
        self._pages.move_to_end(key)
        self.hits += 1
        return page.body

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
