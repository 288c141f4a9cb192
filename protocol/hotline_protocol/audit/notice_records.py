"""The record of each notice in the report of a dispute: what it says, its witnessed append
and delivery, its acks (each in time, late or undecided), the updates and cancels that touch
it, and a claimed time outside its bracket (see :mod:`.dispute`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..errors import ProtocolError
from ..notices import Ack, Cancel, Notice, requires_ack
from .describe import fields, phrase
from .report import b64
from .story import AckOf, Options, Story
from .timeline import Bracket

InTime = bool | str  # True, False or "undecided"


class NoticeRecords:
    """Tells the notices of a dispute's stories (:meth:`tell`), a chunk of a feed at a time."""

    stories: dict[str, Story]
    options: Options
    as_of: int
    implausible: list[dict[str, Any]]  # filled while the notices are written

    @staticmethod
    def _refs_at(
        story: Story, refs: Iterator[tuple[Any, ...]], head: list[Any], index: int
    ) -> None:
        """Set the story's acks, updates and cancels to those of entry ``index`` (entries are
        read in order; ``head`` holds the next record of ``refs``)."""
        if head[0] is None or head[0][0] > index:  # nothing refers to it (most entries): what
            return  # the story holds is of an earlier index, and read by index
        acks: list[tuple[str, AckOf]] = []
        updates: list[int] = []
        cancels: list[int] = []
        while head[0] is not None and head[0][0] <= index:
            rec, head[0] = head[0], next(refs, None)
            if rec[0] < index:
                continue
            kind, source, at = rec[3], rec[4], rec[5]
            if kind == "ack":
                acks.append((source, AckOf(at, *rec[9:])))
            elif kind == "update":
                updates.append(at)
            else:
                cancels.append(at)
        story.acks = {index: acks} if acks else {}
        story.updates = {index: updates} if updates else {}
        story.cancels = {index: cancels} if cancels else {}

    def _undecoded(
        self, story: Story, index: int, leaf: bytes, bracket: Bracket, exc: ProtocolError
    ) -> dict[str, Any]:
        return {
            "side": story.name,
            "index": index,
            "leaf_hash": b64(leaf),
            "kind": None,
            "error": str(exc),
            "appended": bracket.json(),
        }

    def _record(
        self, story: Story, index: int, leaf: bytes, bracket: Bracket, notice: Notice
    ) -> dict[str, Any]:
        precedence = str(notice.precedence)
        needs = requires_ack(notice)
        author = notice.author
        due = story.deadlines.of(precedence) if needs else None  # what an ack is due within
        acks = [self._ack(bracket, due, s, link) for s, link in self._acks(story, index)]
        record: dict[str, Any] = {
            "side": story.name,
            "index": index,
            "leaf_hash": b64(leaf),
            "id": str(notice.id),
            "kind": str(notice.kind),
            "precedence": precedence,
            "status": str(notice.status),
            "author": {"id": author.id, "unit": author.unit, "nation": author.nation},
            "time": notice.time,
            "summary": phrase(notice),
            "fields": fields(notice),
            "appended": bracket.json(),
            "delivered": self._delivered(story, bracket),
            "needs_ack": needs,
            "deadline": (
                {
                    "precedence": precedence,
                    "seconds": due / 1000,
                    "from": story.deadlines_from,
                }
                if due is not None
                else None
            ),
            "acks": acks,
            "ack_state": self._ack_state(story, index, due, bracket, acks),
            "supersedes": notice.supersedes.index if notice.supersedes is not None else None,
            "superseded_by": story.updates.get(index, []),
            "cancels": notice.ref.index if isinstance(notice, Cancel) else None,
            "cancelled_by": story.cancels.get(index, []),
            "acknowledges": (
                {"side": story.other, "index": notice.ref.index, "response": str(notice.response)}
                if isinstance(notice, Ack)
                else None
            ),
        }
        self._check_time(record, notice.time, bracket)
        return record

    def _acks(self, story: Story, index: int) -> list[tuple[Story, AckOf]]:
        return [(self.stories[s], link) for s, link in story.acks.get(index, [])]

    def _ack(self, notice: Bracket, deadline: int | None, by: Story, link: AckOf) -> dict[str, Any]:
        bracket = by.timeline.bracket(link.at)
        out: dict[str, Any] = {
            "side": by.name,
            "index": link.at,
            "response": link.response,
            "author": link.author,
            "appended": bracket.json(),
            "delivered": self._delivered(by, bracket),
            "in_time": None if deadline is None else in_time(notice, bracket, deadline),
        }
        out |= {k: v for k, v in (("reason", link.reason), ("remark", link.remark)) if v}
        return out

    def _delivered(self, story: Story, bracket: Bracket) -> dict[str, Any] | None:
        if bracket.delivered is None:
            return None
        return {"at": bracket.delivered, "by": story.timeline.witness}

    def _ack_state(
        self,
        story: Story,
        index: int,
        due: int | None,
        bracket: Bracket,
        acks: list[dict[str, Any]],
    ) -> str:
        """``not_required``; with acks ``in_time`` (one is), ``late`` (all are) or
        ``undecided``; without: ``withdrawn`` (superseded or cancelled), ``undelivered`` (the
        other side never had it), ``overdue`` (the deadline passed, as of the report's time,
        whatever the bracket), ``pending`` (it had not) or ``undecided``. ``due``: the
        deadline in ms, None for a notice that needs no ack."""
        if due is None:
            return "not_required"
        if acks:
            verdicts = [a["in_time"] for a in acks]
            if True in verdicts:
                return "in_time"
            return "late" if all(v is False for v in verdicts) else "undecided"
        if story.updates.get(index) or story.cancels.get(index):
            return "withdrawn"
        if bracket.before is None:
            return "undelivered"
        if self.as_of > bracket.before + due:
            return "overdue"
        if bracket.after is not None and self.as_of <= bracket.after + due:
            return "pending"
        return "undecided"

    def _check_time(self, record: dict[str, Any], claimed: int, bracket: Bracket) -> None:
        tolerance = self.options.tolerance_ms
        issue = None
        if bracket.before is not None and claimed > bracket.before + tolerance:
            issue, by = "ahead", claimed - bracket.before
        elif bracket.after is not None and claimed < bracket.after - tolerance:
            issue, by = "late", bracket.after - claimed
        if issue is None:
            return
        self.implausible.append(
            {
                "side": record["side"],
                "index": record["index"],
                "kind": record["kind"],
                "time": claimed,
                "appended": bracket.json(),
                "issue": issue,
                "by_ms": by,
            }
        )


def in_time(notice: Bracket, ack: Bracket, deadline: int) -> InTime:
    """True when the ack was surely within ``deadline`` of the notice's witnessed append,
    False when surely not, else "undecided" (see the module's notes)."""
    if (
        ack.before is not None
        and notice.after is not None
        and ack.before <= notice.after + deadline
    ):
        return True
    if ack.after is not None and notice.before is not None and ack.after > notice.before + deadline:
        return False
    return "undecided"
