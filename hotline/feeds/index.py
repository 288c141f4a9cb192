"""The node's in-memory view of both feeds: one record per entry and its derived state.

Everything here is derived from durable data (entries, cosignatures) and rebuilt at start.
State of a notice: appended → delivered (the receiving side cosigned a checkpoint covering it)
→ acknowledged (an ack entry in the other feed refers to it) or overdue (its deadline passed).

The index keeps each record as a plain tuple of plain values (strings, numbers, bytes, None and
tuples of them), and each delivery too. CPython's collector stops tracking such a tuple the
first time it survives a collection, so the records of a long history are never walked again:
a collection's pause does not grow with the feeds. (Objects of a class, a named tuple included,
stay tracked for ever: a million records would make each full collection walk a million more
objects, a pause of about 0.6 s on a 2-core VM.) Readers get :class:`NoticeRecord` and
:class:`Delivery` views made from the tuples; a change (an ack, a cancel, an update) replaces a
record's tuple, so a view is the state when it was read.
"""

from __future__ import annotations

import base64
import bisect
import sys
from collections.abc import Iterator
from typing import Any, NamedTuple

from hotline_protocol.notices import Notice, reference_of, requires_ack

Key = tuple[str, int]  # (side, index)
_Row = tuple[Any, ...]  # a record as kept: the fields of NoticeRecord, acks as plain tuples


class Delivery(NamedTuple):
    size: int  # entries [0, size) are covered
    time_ms: int
    witness: str


class AckInfo(NamedTuple):
    side: str
    index: int  # type: ignore[assignment]  # the entry's index (a tuple's index() is hidden)
    response: str
    by: str
    time_ms: int
    remark: str | None = None
    reason: str | None = None
    reason_code: str | None = None


class NoticeRecord(NamedTuple):
    side: str
    origin: str
    index: int  # type: ignore[assignment]  # the entry's index (a tuple's index() is hidden)
    leaf_hash: bytes
    id: str
    kind: str
    precedence: str
    status: str
    time_ms: int
    author: str
    appended_ms: int
    needs_ack: bool
    target: Key | None = None  # what an ack or cancel refers to
    supersedes: Key | None = None
    response: str | None = None  # for acks
    remark: str | None = None
    reason: str | None = None
    reason_code: str | None = None
    # oldest first; empty until the first ack (most records never get one)
    acks: tuple[AckInfo, ...] = ()
    cancelled_by: Key | None = None
    superseded_by: Key | None = None
    # for a peer entry whose claimed time lies outside the bracket this node witnessed its
    # append in (by more than the tolerance): that bracket, (after, before) in unix ms
    implausible: tuple[int, int] | None = None

    def ref(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "index": self.index,
            "leaf_hash": base64.b64encode(self.leaf_hash).decode(),
        }


_FIELD = {name: i for i, name in enumerate(NoticeRecord._fields)}
_ACKS = _FIELD["acks"]
_LEAF_HASH = _FIELD["leaf_hash"]


def _view(row: _Row) -> NoticeRecord:
    rec = NoticeRecord._make(row)
    acks = row[_ACKS]
    return rec._replace(acks=tuple(map(AckInfo._make, acks))) if acks else rec


class FeedIndex:
    """Per-side lists of records plus delivery history; lookups by (side, index) and origin."""

    def __init__(self, sides: dict[str, str]) -> None:
        self.sides = dict(sides)  # side -> origin
        self.origins = {origin: side for side, origin in sides.items()}
        self._rows: dict[str, list[_Row]] = {side: [] for side in sides}
        self._deliveries: dict[str, list[tuple[int, int, str]]] = {side: [] for side in sides}
        self._delivered_sizes: dict[str, list[int]] = {side: [] for side in sides}
        self._ids: dict[str, Key] = {}
        # references to entries not held yet: (origin, index, leaf hash) -> [(key, how)]
        self._pending: dict[tuple[str, int, str], list[tuple[Key, str]]] = {}

    def size(self, side: str) -> int:
        return len(self._rows[side])

    def get(self, side: str, index: int) -> NoticeRecord | None:
        rows = self._rows.get(side)
        if rows is None or not 0 <= index < len(rows):
            return None
        return _view(rows[index])

    def between(self, side: str, start: int, end: int) -> Iterator[NoticeRecord]:
        """Records ``start`` to ``end`` (excluded) of ``side``, in order."""
        for row in self._rows[side][start:end]:
            yield _view(row)

    def by_id(self, notice_id: str) -> NoticeRecord | None:
        key = self._ids.get(notice_id)
        return None if key is None else self.get(*key)

    def resolve(self, origin: str, index: int, leaf_hash_b64: str) -> NoticeRecord | None:
        """The record a protocol reference names, if it exists with that exact leaf hash."""
        key = self._key_of(origin, index, leaf_hash_b64)
        return None if key is None else self.get(*key)

    def _key_of(self, origin: str, index: int, leaf_hash_b64: str) -> Key | None:
        """:meth:`resolve` without making the record's view (a notice may have many acks)."""
        side = self.origins.get(origin)
        if side is None:
            return None
        rows = self._rows[side]
        if not 0 <= index < len(rows) or _b64(rows[index][_LEAF_HASH]) != leaf_hash_b64:
            return None
        return side, index

    def add(
        self,
        side: str,
        index: int,
        leaf_hash: bytes,
        notice: Notice,
        appended_ms: int,
        implausible: tuple[int, int] | None = None,
    ) -> NoticeRecord:
        """Index an entry; returns its record with the references it makes resolved."""
        rows = self._rows[side]
        if index != len(rows):
            raise ValueError(f"index {index} out of sequence for {side} (size {len(rows)})")
        notice_id = str(notice.id)
        response = remark = reason = reason_code = None
        if notice.kind == "ack":
            response = str(notice.response.value)  # type: ignore[union-attr]
            remark = getattr(notice, "remark", None)
            reason = getattr(notice, "reason", None)
            code = getattr(notice, "reason_code", None)
            reason_code = None if code is None else str(code.value)
        origin = self.sides[side]
        # the row in NoticeRecord's field order, made at once (no view to make and take apart)
        rows.append(
            (
                side,
                origin,
                index,
                leaf_hash,
                notice_id,
                _plain(notice.kind),  # plain strings: an enum member is a tracked object
                _plain(notice.precedence),
                _plain(notice.status),
                notice.time,
                sys.intern(notice.author.id),  # a few authors, kinds: one string each
                appended_ms,
                requires_ack(notice),
                None,  # target, supersedes: set as the references resolve, below
                None,
                response,
                remark,
                reason,
                reason_code,
                (),  # acks
                None,  # cancelled_by, superseded_by
                None,
                implausible,
            )
        )
        self._ids[notice_id] = (side, index)
        key = (side, index)
        target = reference_of(notice)
        if target is not None:
            self._link(key, (target.origin, target.index, target.leaf_hash), "target")
        if notice.supersedes is not None:
            ref = notice.supersedes
            self._link(key, (ref.origin, ref.index, ref.leaf_hash), "supersedes")
        # references that arrived before this entry (e.g. an ack of an early FLASH)
        if self._pending:
            for waiting, how in self._pending.pop((origin, index, _b64(leaf_hash)), []):
                self._attach(waiting, key, how)
        return _view(rows[index])

    def _link(self, key: Key, ref: tuple[str, int, str], how: str) -> None:
        found = self._key_of(*ref)
        if found is None:
            self._pending.setdefault(ref, []).append((key, how))
        else:
            self._attach(key, found, how)

    def _attach(self, key: Key, found_key: Key, how: str) -> None:
        """Record that the entry at ``key`` refers to the one at ``found_key`` (``how``)."""
        if how == "supersedes":
            self._set(key, supersedes=found_key)
            self._set(found_key, superseded_by=key)
            return
        self._set(key, target=found_key)
        rec = self.get(*key)
        assert rec is not None
        if rec.kind == "ack" and rec.response is not None:
            ack = (
                rec.side,
                rec.index,
                rec.response,
                rec.author,
                rec.appended_ms,
                rec.remark,
                rec.reason,
                rec.reason_code,
            )
            found = self._rows[found_key[0]][found_key[1]]
            self._set(found_key, acks=_with_ack(found[_ACKS], ack))
        elif rec.kind == "cancel":
            self._set(found_key, cancelled_by=key)

    def _set(self, key: Key, **changes: Any) -> None:
        rows = self._rows[key[0]]
        row = list(rows[key[1]])
        for name, value in changes.items():
            row[_FIELD[name]] = value
        rows[key[1]] = tuple(row)

    def add_delivery(self, side: str, delivery: Delivery) -> bool:
        """Record that ``side``'s entries below ``delivery.size`` are cosigned; False if known."""
        sizes = self._delivered_sizes[side]
        if sizes and sizes[-1] >= delivery.size:
            return False
        self._deliveries[side].append(tuple(delivery))  # type: ignore[arg-type]
        sizes.append(delivery.size)
        return True

    def delivery_of(self, side: str, index: int) -> Delivery | None:
        """The first cosignature that covers entry ``index`` of ``side``."""
        hist = self._deliveries[side]
        pos = bisect.bisect_right(self._delivered_sizes[side], index)
        return Delivery._make(hist[pos]) if pos < len(hist) else None

    def deliveries_between(self, side: str, low: int, high: int) -> list[Delivery]:
        """The deliveries of ``side`` that cover more than ``low`` entries and at most
        ``high``, oldest first."""
        sizes = self._delivered_sizes[side]
        first, last = bisect.bisect_right(sizes, low), bisect.bisect_right(sizes, high)
        return [Delivery._make(d) for d in self._deliveries[side][first:last]]

    def delivered_size(self, side: str) -> int:
        sizes = self._delivered_sizes[side]
        return sizes[-1] if sizes else 0

    def latest_ack(self, rec: NoticeRecord) -> AckInfo | None:
        """The ack that counts: the latest one, in the other side's feed."""
        return rec.acks[-1] if rec.acks else None

    def iter_all(self) -> Iterator[NoticeRecord]:
        for side in self._rows:
            yield from self.between(side, 0, self.size(side))


def _ack_order(ack: tuple[Any, ...]) -> tuple[int, str, int]:
    return ack[4], ack[0], ack[1]  # time, side, index


def _with_ack(acks: tuple[tuple[Any, ...], ...], ack: tuple[Any, ...]) -> tuple[Any, ...]:
    """``acks`` with ``ack`` in its place (oldest first): acks mostly come in order, so the new
    one usually goes last, and a notice with many acks is not sorted again at each one."""
    if not acks or _ack_order(acks[-1]) <= _ack_order(ack):
        return (*acks, ack)
    at = bisect.bisect_right(acks, _ack_order(ack), key=_ack_order)
    return (*acks[:at], ack, *acks[at:])


def _plain(value: Any) -> str:
    """An enum member's value (or a string) as a plain, interned string."""
    return sys.intern(str(getattr(value, "value", value)))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
