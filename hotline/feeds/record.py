"""Recording durable entries and deliveries of either feed: the index, then the events.

The own feed (after each durable write of the sequencer), the replica (after each verified,
stored and cosigned run) and the start-up loader all go through a :class:`Recorder`, so that a
notice's state and the events published about it are made in one place. The replay of a
subscription builds its events with the same functions (:func:`appended_event`,
:func:`acknowledged_event`).
"""

from __future__ import annotations

import base64
from collections.abc import Callable

from hotline_protocol.entries import Entry

from ..events import (
    AcknowledgedEvent,
    AlarmEvent,
    AppendedEvent,
    DeliveredEvent,
    FlashEvent,
    Notice,
    Publish,
)
from ..jsontext import JsonText
from ..types import Clock
from .index import Delivery, FeedIndex, Key, NoticeRecord
from .rules import references


def appended_event(rec: NoticeRecord, notice: Notice) -> AppendedEvent:
    """The ``appended`` event of an entry (``notice``: its notice, as text or parsed)."""
    return AppendedEvent(
        side=rec.side,
        origin=rec.origin,
        index=rec.index,
        leaf_hash=base64.b64encode(rec.leaf_hash).decode(),
        id=rec.id,
        kind=rec.kind,
        precedence=rec.precedence,
        notice=notice,
        time=rec.time_ms,
    )


def acknowledged_event(ack: NoticeRecord, target: NoticeRecord) -> AcknowledgedEvent:
    """The ``acknowledged`` event of an ack entry that refers to ``target``."""
    return AcknowledgedEvent(
        side=target.side,
        index=target.index,
        response=ack.response,
        by=f"{ack.side}/{ack.author}",
        at=ack.appended_ms,
        ack_side=ack.side,
        ack_index=ack.index,
    )


class Recorder:
    """Indexes durable entries and deliveries of both feeds and publishes what they mean."""

    def __init__(self, index: FeedIndex, publish: Publish, own_side: str, clock_ms: Clock) -> None:
        self.index = index
        self._publish = publish
        self._own = own_side
        self._clock_ms = clock_ms
        # told of every entry recorded, after its events (deconfliction follows both feeds)
        self.listeners: list[Callable[[str, Entry], None]] = []

    def entry(
        self,
        side: str,
        entry: Entry,
        now_ms: int,
        alarm: bool = True,
        implausible: tuple[int, int] | None = None,
    ) -> NoticeRecord:
        """Index a durable entry and publish its events; a FLASH from the peer raises the
        alarm unless ``alarm`` is False (it was raised when the entry came early). An entry
        whose claimed time lies outside the bracket this node witnessed (``implausible``:
        after, before) is flagged and raises the alarm ``time_implausible``."""
        rec = self.index.add(
            side, entry.index, entry.leaf_hash, entry.notice, now_ms, implausible=implausible
        )
        self._publish(appended_event(rec, JsonText(entry.notice_json)))
        if implausible is not None:
            after, before = implausible
            self.alarm(
                "time_implausible",
                side=side,
                index=rec.index,
                kind=rec.kind,
                detail=f"claims {rec.time_ms}, witnessed appended between {after} and {before}",
            )
        if alarm and side != self._own and rec.precedence == "FLASH" and rec.kind != "ack":
            self.alarm("flash", side=side, index=rec.index, kind=rec.kind)
        if rec.kind == "ack" and rec.target is not None:
            target = self.index.cached(*rec.target)  # cached: its caller held it
            if target is not None:
                self._publish(acknowledged_event(rec, target))
        for listener in self.listeners:
            listener(side, entry)
        return rec

    async def hold(self, entries: list[Entry]) -> list[Key]:
        """Read and keep cached the records ``entries`` refer to, until :meth:`release`: an
        ack is attached to the record it answers as it is recorded."""
        index = self.index
        keys = [
            (side, i)
            for e in entries
            for origin, i in references(e.notice)
            if (side := index.origins.get(origin)) is not None
        ]
        await index.fetch(keys)
        index.pin(keys)
        return keys

    def release(self, keys: list[Key]) -> None:
        self.index.unpin(keys)

    def delivery(self, side: str, size: int, witness: str, time_ms: int) -> None:
        """``side``'s entries below ``size`` were cosigned by ``witness`` (once per size)."""
        if self.index.add_delivery(side, Delivery(size, time_ms, witness)):
            self._publish(DeliveredEvent(side, size, witness, time_ms))

    def early_flash(self, side: str, entry: Entry) -> None:
        """A FLASH entry of the peer arrived ahead of its backlog, verified."""
        notice = entry.notice
        self._publish(
            FlashEvent(
                side,
                entry.index,
                entry.origin,
                notice.kind,
                str(notice.id),
                JsonText(entry.notice_json),
            )
        )
        if notice.kind != "ack":  # a FLASH ack is news, not an alarm
            self.alarm("flash", side=side, index=entry.index, kind=notice.kind, early=True)

    async def flash_repeated(self, side: str, index: int) -> None:
        """The peer announced a FLASH entry again: an alarm while it is not acknowledged."""
        (rec,) = await self.index.records([(side, index)])
        if rec is not None and not rec.acks:
            self.alarm("flash_repeated", side=side, index=index, kind=rec.kind)

    def alarm(
        self,
        reason: str,
        *,
        side: str | None = None,
        index: int | None = None,
        kind: str | None = None,
        early: bool | None = None,
        code: str | None = None,
        detail: str | None = None,
        evidence: int | None = None,
        repeated: bool | None = None,
    ) -> None:
        self._publish(
            AlarmEvent(
                reason,
                self._clock_ms(),
                side=side,
                index=index,
                kind=kind,
                early=early,
                code=code,
                detail=detail,
                evidence=evidence,
                repeated=repeated,
            )
        )
