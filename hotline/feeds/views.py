"""How notices and their state are shown to clients (REST, stream, console, export)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from ..events import AppendedEvent, Event
from ..jsontext import JsonText
from ..settings import Deadlines
from .index import FeedIndex, NoticeRecord

STATES = ("appended", "delivered", "acknowledged", "overdue")


def deadline_ms(rec: NoticeRecord, deadlines: Deadlines) -> int | None:
    """When the other side's acknowledgement is due, or None if none is needed."""
    if not rec.needs_ack:
        return None
    return rec.time_ms + deadline_of(rec.precedence, deadlines)


def deadline_of(precedence: str, deadlines: Deadlines) -> int:
    """How long after its time a notice of this precedence is to be acknowledged, in ms."""
    seconds: float = getattr(deadlines, precedence)
    return int(seconds * 1000)


def due_unanswered(rec: NoticeRecord, deadlines: Deadlines) -> int | None:
    """The deadline of a notice still awaiting its answer: when it turns overdue (None if it
    needs no answer, or has one: an ack, a cancel or an update)."""
    if rec.acks or rec.cancelled_by is not None or rec.superseded_by is not None:
        return None
    return deadline_ms(rec, deadlines)


def is_overdue(rec: NoticeRecord, deadlines: Deadlines, now_ms: int) -> bool:
    due = due_unanswered(rec, deadlines)
    return due is not None and now_ms >= due


def state_of(
    rec: NoticeRecord, index: FeedIndex, deadlines: Deadlines, now_ms: int
) -> dict[str, Any]:
    delivery = index.delivery_of(rec.side, rec.index)
    ack = index.latest_ack(rec)
    overdue = is_overdue(rec, deadlines, now_ms)
    if ack is not None:
        status = "acknowledged"
    elif overdue:
        status = "overdue"
    elif delivery is not None:
        status = "delivered"
    else:
        status = "appended"
    return {
        "status": status,
        "appended_at": rec.appended_ms,
        "delivered": None
        if delivery is None
        else {
            "at": delivery.time_ms,
            "by": delivery.witness,
            "size": delivery.size,
        },
        "acknowledged": None
        if ack is None
        else {
            "response": ack.response,
            "by": f"{ack.side}/{ack.by}",
            "at": ack.time_ms,
            "remark": ack.remark,
            "reason": ack.reason,
            "reason_code": ack.reason_code,
            "entry": {"side": ack.side, "index": ack.index},
        },
        "needs_ack": rec.needs_ack,
        "deadline": deadline_ms(rec, deadlines),
        "overdue": overdue,
        "cancelled_by": _key(rec.cancelled_by),
        "superseded_by": _key(rec.superseded_by),
        "supersedes": _key(rec.supersedes),
        "refers_to": _key(rec.target),
        "time_implausible": None
        if rec.implausible is None
        else {"claimed": rec.time_ms, "after": rec.implausible[0], "before": rec.implausible[1]},
    }


def notice_view(
    rec: NoticeRecord, notice: dict[str, Any] | JsonText, state: dict[str, Any]
) -> dict[str, Any]:
    return {
        "side": rec.side,
        "origin": rec.origin,
        "index": rec.index,
        "leaf_hash": base64.b64encode(rec.leaf_hash).decode(),
        "id": rec.id,
        "kind": rec.kind,
        "precedence": rec.precedence,
        "notice": notice,
        "state": state,
    }


@dataclass(frozen=True)
class Filters:
    kind: str | None = None
    side: str | None = None
    precedence: str | None = None
    state: str | None = None
    since: int | None = None  # notice time, unix ms

    def match(self, rec: NoticeRecord, status: str) -> bool:
        return (
            (self.kind is None or rec.kind == self.kind)
            and (self.side is None or rec.side == self.side)
            and (self.precedence is None or rec.precedence == self.precedence)
            and (self.state is None or status == self.state)
            and (self.since is None or rec.time_ms >= self.since)
        )

    def match_event(self, event: Event) -> bool:
        """For stream subscriptions: filters apply to appended events; others pass by side."""
        if self.side is not None and getattr(event, "side", None) not in (None, self.side):
            return False
        if not isinstance(event, AppendedEvent):
            return True
        return (
            (self.kind is None or event.kind == self.kind)
            and (self.precedence is None or event.precedence == self.precedence)
            and (self.since is None or event.time >= self.since)
        )


def _key(key: tuple[str, int] | None) -> dict[str, Any] | None:
    return None if key is None else {"side": key[0], "index": key[1]}
