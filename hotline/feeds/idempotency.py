"""Idempotency keys (``client_ref``): a retried post returns the entry its first try appended
instead of appending twice.

The latest :data:`REFS_KEPT` keys are kept at hand (a retry comes soon after its first try);
the store has every key, so an older one costs one read.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator

from hotline_protocol.entries import decode_entry

from ..store.base import Store
from .own import OwnFeed
from .postqueue import Appended

REFS_KEPT = 65_536  # idempotency keys kept in memory; the store has every one


class Idempotency:
    def __init__(self, store: Store, feed: OwnFeed) -> None:
        self._store = store
        self._feed = feed
        self._kept: OrderedDict[str, int] = OrderedDict()  # key -> index of its entry

    def __iter__(self) -> Iterator[str]:
        """The keys at hand, oldest first."""
        return iter(self._kept)

    def known(self, key: str, batch: dict[str, int]) -> int | None:
        """The index of the entry of ``key`` if it is at hand or in ``batch`` (keys of the
        batch being written), else None (the caller looked in the store before queueing)."""
        index = self._kept.get(key)
        return batch.get(key) if index is None else index

    def remember(self, refs: dict[str, int]) -> None:
        """Keep the keys of a batch just written, letting the oldest go beyond the bound."""
        kept = self._kept
        kept.update(refs)
        while len(kept) > REFS_KEPT:
            kept.popitem(last=False)

    async def earlier(self, key: str) -> Appended | None:
        """The entry ``key`` appended, replayed, or None if it appended none."""
        index = self._kept.get(key)
        if index is None:
            found = await self._store.lookup_ref(key)
            if found is None:
                return None
            index = found[1]
        if index >= self._feed.size:
            return None
        return await self.replay(index)

    async def replay(self, index: int) -> Appended:
        """The own feed's entry ``index`` read from the store, as a replayed append."""
        origin = self._feed.origin
        raw = (await self._store.entries(origin, index, index + 1))[0]
        prev = await self._feed.tree.leaf(index - 1) if index else b""
        return Appended(decode_entry(raw, origin=origin, index=index, prev=prev), True)
