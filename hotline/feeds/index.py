"""The node's in-memory view of both feeds: one record per entry and its derived state.

Everything here is derived from durable data (entries, cosignatures) and rebuilt at start.
State of a notice: appended → delivered (the receiving side cosigned a checkpoint covering it)
→ acknowledged (an ack entry in the other feed refers to it) or overdue (its deadline passed).
"""

from __future__ import annotations

import base64
import bisect
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from hotline_protocol.notices import Notice, reference_of, requires_ack

Key = tuple[str, int]  # (side, index)


@dataclass(slots=True)
class Delivery:
    size: int  # entries [0, size) are covered
    time_ms: int
    witness: str


@dataclass(slots=True)
class AckInfo:
    side: str
    index: int
    response: str
    by: str
    time_ms: int
    remark: str | None = None
    reason: str | None = None
    reason_code: str | None = None


@dataclass(slots=True)
class NoticeRecord:
    side: str
    origin: str
    index: int
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
    # oldest first; a shared empty tuple until the first ack (most records never get one)
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


class FeedIndex:
    """Per-side lists of records plus delivery history; lookups by (side, index) and origin."""

    def __init__(self, sides: dict[str, str]) -> None:
        self.sides = dict(sides)  # side -> origin
        self.origins = {origin: side for side, origin in sides.items()}
        self.records: dict[str, list[NoticeRecord]] = {side: [] for side in sides}
        self.deliveries: dict[str, list[Delivery]] = {side: [] for side in sides}
        self._delivered_sizes: dict[str, list[int]] = {side: [] for side in sides}
        self._ids: dict[str, Key] = {}
        self._pending: dict[tuple[str, int, str], list[tuple[NoticeRecord, str]]] = {}

    def size(self, side: str) -> int:
        return len(self.records[side])

    def get(self, side: str, index: int) -> NoticeRecord | None:
        recs = self.records.get(side)
        if recs is None or not 0 <= index < len(recs):
            return None
        return recs[index]

    def by_id(self, notice_id: str) -> NoticeRecord | None:
        key = self._ids.get(notice_id)
        return None if key is None else self.get(*key)

    def resolve(self, origin: str, index: int, leaf_hash_b64: str) -> NoticeRecord | None:
        """The record a protocol reference names, if it exists with that exact leaf hash."""
        side = self.origins.get(origin)
        rec = None if side is None else self.get(side, index)
        if rec is None or _b64(rec.leaf_hash) != leaf_hash_b64:
            return None
        return rec

    def add(
        self, side: str, index: int, leaf_hash: bytes, notice: Notice, appended_ms: int
    ) -> NoticeRecord:
        recs = self.records[side]
        if index != len(recs):
            raise ValueError(f"index {index} out of sequence for {side} (size {len(recs)})")
        author = sys.intern(notice.author.id)  # a few authors, kinds: one string each
        rec = NoticeRecord(
            side=side,
            origin=self.sides[side],
            index=index,
            leaf_hash=leaf_hash,
            id=str(notice.id),
            kind=notice.kind,
            precedence=str(notice.precedence.value),
            status=str(notice.status.value),
            time_ms=notice.time,
            author=author,
            appended_ms=appended_ms,
            needs_ack=requires_ack(notice),
        )
        if notice.kind == "ack":
            rec.response = str(notice.response.value)  # type: ignore[union-attr]
            rec.remark = getattr(notice, "remark", None)
            rec.reason = getattr(notice, "reason", None)
            code = getattr(notice, "reason_code", None)
            rec.reason_code = None if code is None else str(code.value)
        recs.append(rec)
        self._ids[rec.id] = (side, index)
        target = reference_of(notice)
        if target is not None:
            self._link(rec, (target.origin, target.index, target.leaf_hash), "target")
        if notice.supersedes is not None:
            ref = notice.supersedes
            self._link(rec, (ref.origin, ref.index, ref.leaf_hash), "supersedes")
        # references that arrived before this entry (e.g. an ack of an early FLASH)
        if self._pending:
            for waiting, how in self._pending.pop((rec.origin, index, _b64(leaf_hash)), []):
                self._attach(waiting, rec, how)
        return rec

    def _link(self, rec: NoticeRecord, ref: tuple[str, int, str], how: str) -> None:
        found = self.resolve(*ref)
        if found is None:
            self._pending.setdefault(ref, []).append((rec, how))
        else:
            self._attach(rec, found, how)

    @staticmethod
    def _attach(rec: NoticeRecord, found: NoticeRecord, how: str) -> None:
        key = (rec.side, rec.index)
        if how == "supersedes":
            rec.supersedes = (found.side, found.index)
            found.superseded_by = key
            return
        rec.target = (found.side, found.index)
        if rec.kind == "ack" and rec.response is not None:
            ack = AckInfo(
                rec.side,
                rec.index,
                rec.response,
                rec.author,
                rec.appended_ms,
                rec.remark,
                rec.reason,
                rec.reason_code,
            )
            found.acks = _with_ack(found.acks, ack)
        elif rec.kind == "cancel":
            found.cancelled_by = key

    def add_delivery(self, side: str, delivery: Delivery) -> bool:
        """Record that ``side``'s entries below ``delivery.size`` are cosigned; False if known."""
        hist = self.deliveries[side]
        if hist and hist[-1].size >= delivery.size:
            return False
        hist.append(delivery)
        self._delivered_sizes[side].append(delivery.size)
        return True

    def delivery_of(self, side: str, index: int) -> Delivery | None:
        """The first cosignature that covers entry ``index`` of ``side``."""
        hist = self.deliveries[side]
        pos = bisect.bisect_right(self._delivered_sizes[side], index)
        return hist[pos] if pos < len(hist) else None

    def delivered_size(self, side: str) -> int:
        hist = self.deliveries[side]
        return hist[-1].size if hist else 0

    def latest_ack(self, rec: NoticeRecord) -> AckInfo | None:
        """The ack that counts: the latest one, in the other side's feed."""
        return rec.acks[-1] if rec.acks else None

    def iter_all(self) -> Iterator[NoticeRecord]:
        for recs in self.records.values():
            yield from recs


def _ack_order(ack: AckInfo) -> tuple[int, str, int]:
    return ack.time_ms, ack.side, ack.index


def _with_ack(acks: tuple[AckInfo, ...], ack: AckInfo) -> tuple[AckInfo, ...]:
    """``acks`` with ``ack`` in its place (oldest first): acks mostly come in order, so the new
    one usually goes last, and a notice with many acks is not sorted again at each one."""
    if not acks or _ack_order(acks[-1]) <= _ack_order(ack):
        return (*acks, ack)
    at = bisect.bisect_right(acks, _ack_order(ack), key=_ack_order)
    return (*acks[:at], ack, *acks[at:])


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
