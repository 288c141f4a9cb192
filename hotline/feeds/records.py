"""A notice entry's record as the index keeps it: a tuple of plain values, and its views.

Each record is kept as a plain tuple of plain values (strings, numbers, bytes, None and tuples of
them); the deliveries are kept packed in arrays by the index. CPython's collector stops tracking
such a tuple the first time it survives a collection, so a cache of them is never walked again.
Readers get :class:`NoticeRecord` and :class:`Delivery` views made from what is kept; a change
(an ack, a cancel, an update) replaces a record's tuple, so a view is the state when it was
read.
"""

from __future__ import annotations

import base64
import bisect
import sys
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


FIELD = {name: i for i, name in enumerate(NoticeRecord._fields)}


def view(row: _Row) -> NoticeRecord:
    rec = NoticeRecord._make(row)
    acks = row[FIELD["acks"]]
    return rec._replace(acks=tuple(map(AckInfo._make, acks))) if acks else rec


def row_of(
    side: str,
    origin: str,
    index: int,
    leaf_hash: bytes,
    notice: Notice,
    appended_ms: int,
    implausible: tuple[int, int] | None,
) -> _Row:
    """A record's row, its references not resolved yet."""
    response = remark = reason = reason_code = None
    if notice.kind == "ack":
        response = str(notice.response.value)  # type: ignore[union-attr]
        remark = getattr(notice, "remark", None)
        reason = getattr(notice, "reason", None)
        code = getattr(notice, "reason_code", None)
        reason_code = None if code is None else str(code.value)
    # the row in NoticeRecord's field order, made at once (no view to make and take apart)
    return (
        side,
        origin,
        index,
        leaf_hash,
        str(notice.id),
        _plain(notice.kind),  # plain strings: an enum member is a tracked object
        _plain(notice.precedence),
        _plain(notice.status),
        notice.time,
        sys.intern(notice.author.id),  # a few authors, kinds: one string each
        appended_ms,
        requires_ack(notice),
        None,  # target, supersedes: set as the references resolve
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


def linked(notice: Notice) -> list[tuple[str, int]]:
    """(origin, index) of the entries ``notice`` answers: an ack's or cancel's ``ref``, an
    update's ``supersedes`` (what a record's ``target`` and ``supersedes`` resolve)."""
    found = []
    target = reference_of(notice)
    if target is not None:
        found.append((target.origin, target.index))
    if notice.supersedes is not None:
        found.append((notice.supersedes.origin, notice.supersedes.index))
    return found


def ack_of(row: _Row) -> tuple[Any, ...]:
    """The ack an ack entry's row gives the record it answers."""
    f = FIELD
    return (
        row[f["side"]],
        row[f["index"]],
        row[f["response"]],
        row[f["author"]],
        row[f["appended_ms"]],
        row[f["remark"]],
        row[f["reason"]],
        row[f["reason_code"]],
    )


def with_links(row: _Row, **changes: Any) -> _Row:
    """``row`` with these fields set (a record read from the store, its references resolved)."""
    out = list(row)
    for name, value in changes.items():
        out[FIELD[name]] = value
    return tuple(out)


def _ack_order(ack: tuple[Any, ...]) -> tuple[int, str, int]:
    return ack[4], ack[0], ack[1]  # time, side, index


def with_ack(acks: tuple[tuple[Any, ...], ...], ack: tuple[Any, ...]) -> tuple[Any, ...]:
    """``acks`` with ``ack`` in its place (oldest first): acks mostly come in order, so the new
    one usually goes last, and a notice with many acks is not sorted again at each one. An ack
    already there (read from the store as it was recorded) is not added twice."""
    order = _ack_order(ack)
    if not acks or _ack_order(acks[-1]) < order:
        return (*acks, ack)
    at = bisect.bisect_left(acks, order, key=_ack_order)
    if at < len(acks) and _ack_order(acks[at]) == order:
        return acks
    return (*acks[:at], ack, *acks[at:])


def _plain(value: Any) -> str:
    """An enum member's value (or a string) as a plain, interned string."""
    return sys.intern(str(getattr(value, "value", value)))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
