"""Records read from the store: what :class:`~hotline.feeds.index.FeedIndex` does not cache.

A record is made from what the store keeps with its entry (:meth:`Store.notice_states`): the
entry's notice gives the record's own fields, exactly as when the entry was added; the links to
it that name its leaf hash give its acks (read with the ack entries, in two store reads in all
for any number of records), its cancel and its update; the references it makes are resolved
against the leaf hashes of the entries they name. Only entries the index holds count (an entry
stored and not yet recorded shows once it is).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence

import orjson

from hotline_protocol.notices import Notice, reference_of, validate_notice

from ..store.base import NoticeState, Store
from .index import Delivery, FeedIndex, Key, _Row, ack_of, row_of, with_links
from .records import linked


class StoreRecall:
    """The index's reads of ``store``: records it does not cache, where ids are held."""

    def __init__(self, store: Store, origins: dict[str, str]) -> None:
        self._store = store
        self._origins = dict(origins)  # origin -> side

    async def rows(self, index: FeedIndex, keys: list[Key]) -> dict[Key, _Row]:
        return await read_records(self._store, index, keys)

    async def deliveries(self, index: FeedIndex, keys: list[Key]) -> dict[Key, Delivery]:
        found: dict[Key, Delivery] = {}
        for side in {side for side, _ in keys}:
            witness = index.delivery_witness(side)
            if witness is None:
                continue
            origin, last = index.sides[side], None
            for i in sorted(i for s, i in keys if s == side):
                if last is None or last.size <= i:  # else the one before covers it too
                    cos = await self._store.cosignatures_from(origin, witness, i + 1, 1)
                    if not cos:
                        break
                    last = Delivery(cos[0].size, cos[0].received_ms, witness)
                found[(side, i)] = last
        return found

    async def deliveries_after(
        self, index: FeedIndex, side: str, low: int, high: int, limit: int
    ) -> list[Delivery]:
        witness = index.delivery_witness(side)
        if witness is None:
            return []
        found = await self._store.cosignatures_from(index.sides[side], witness, low + 1, limit)
        return [Delivery(c.size, c.received_ms, witness) for c in found if c.size <= high]

    async def ids(self, notice_ids: Sequence[str]) -> dict[str, list[Key]]:
        found = await self._store.notice_ids(notice_ids)
        out: dict[str, list[Key]] = {}
        for notice_id, held in found.items():
            keys = [(side, i) for origin, i in held if (side := self._origins.get(origin))]
            if keys:
                out[notice_id] = keys
        return out


async def read_records(store: Store, index: FeedIndex, keys: list[Key]) -> dict[Key, _Row]:
    """The rows of ``keys`` (held by ``index``) made from the store."""
    states = await _states(store, index, keys)
    notices = {key: notice_of(state) for key, state in states.items()}
    # what the records refer to (their leaf hashes) and the acks that answer them
    named: set[Key] = set()
    for notice in notices.values():
        for origin, i in linked(notice):
            side = index.origins.get(origin)
            if side is not None and 0 <= i < index.size(side):
                named.add((side, i))
    answering: set[Key] = set()
    for state in states.values():
        for link in state.links:
            side = index.origins.get(link.origin)
            if (
                link.how == "ack"
                and link.leaf_hash == state.leaf_hash
                and side is not None
                and link.index < index.size(side)
            ):
                answering.add((side, link.index))
    leaves = await _leaves(store, index, named)
    acks = await _states(store, index, answering - states.keys())
    acks.update((k, v) for k, v in states.items() if k in answering)
    ack_rows = {key: _row(index, key, state, notice_of(state)) for key, state in acks.items()}
    out: dict[Key, _Row] = {}
    for key, state in states.items():
        notice = notices[key]
        row = _row(index, key, state, notice)
        changes: dict[str, object] = {}
        target = reference_of(notice)
        if target is not None:
            changes["target"] = _resolved(
                index, leaves, target.origin, target.index, target.leaf_hash
            )
        old = notice.supersedes
        if old is not None:
            changes["supersedes"] = _resolved(index, leaves, old.origin, old.index, old.leaf_hash)
        answers = []
        for link in state.links:
            side = index.origins.get(link.origin)
            if side is None or link.leaf_hash != state.leaf_hash:
                continue
            by = (side, link.index)
            if link.how == "ack" and by in ack_rows:
                answers.append(ack_of(ack_rows[by]))
            elif link.how == "cancel" and by[1] < index.size(side):
                changes.setdefault("cancelled_by", by)
            elif link.how == "supersedes" and by[1] < index.size(side):
                changes.setdefault("superseded_by", by)
        if answers:
            changes["acks"] = tuple(sorted(answers, key=lambda a: (a[4], a[0], a[1])))
        out[key] = with_links(row, **changes) if changes else row
    return out


async def _states(store: Store, index: FeedIndex, keys: Iterable[Key]) -> dict[Key, NoticeState]:
    by_side: dict[str, list[int]] = {}
    for side, i in keys:
        by_side.setdefault(side, []).append(i)
    found: dict[Key, NoticeState] = {}
    for side, indexes in by_side.items():
        states = await store.notice_states(index.sides[side], indexes)
        found.update(((side, s.index), s) for s in states if s is not None)
    return found


async def _leaves(store: Store, index: FeedIndex, keys: set[Key]) -> dict[Key, bytes]:
    by_side: dict[str, list[int]] = {}
    for side, i in keys:
        by_side.setdefault(side, []).append(i)
    found: dict[Key, bytes] = {}
    for side, indexes in by_side.items():
        hashes = await store.tree_hashes(index.sides[side], [(0, i) for i in indexes])
        found.update(((side, i), h) for i, h in zip(indexes, hashes, strict=True))
    return found


def notice_of(state: NoticeState) -> Notice:
    """The notice a stored notice entry holds (verified when it was appended)."""
    return validate_notice(orjson.loads(state.raw)["notice"])


def _row(index: FeedIndex, key: Key, state: NoticeState, notice: Notice) -> _Row:
    side, i = key
    origin = index.sides[side]
    return row_of(side, origin, i, state.leaf_hash, notice, state.appended_ms, state.implausible)


def _resolved(
    index: FeedIndex, leaves: dict[Key, bytes], origin: str, i: int, leaf_b64: str
) -> Key | None:
    side = index.origins.get(origin)
    if side is None:
        return None
    leaf = leaves.get((side, i))
    return (side, i) if leaf is not None and base64.b64encode(leaf).decode() == leaf_b64 else None
