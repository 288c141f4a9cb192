"""The report of a dispute, from one or two verified exports and the sides' cards.

Per notice: what (kind, precedence, main fields), who (side, author), the claimed time, the
witnessed bracket of its append (:mod:`.timeline`), its delivery, every ack with its own bracket
and whether it came in time, and the updates and cancels that touch it. Then the line's outages,
the entries whose claimed time lies outside their bracket, the refused input kept as evidence,
what the exports disagree on, and the verdict (:mod:`.combined`).

Each feed is told from one export, its **primary**: one whose keys (the feed's, and the other
side's witness in that export) no card refutes, whose entries all decoded, that the other side
cosigned furthest, that holds the most entries, the side's own export before the other's.
Cosignatures count from every export that pins the same keys, if their checkpoint's root is the
root of the primary's entries.

**In time.** An ack is due ``D`` after the acknowledged notice's witnessed append, ``D`` being the
deadline of the notice's precedence that the notice's side pinned in its card (else stated in
an export, else the defaults). The notice was appended in ``[Na, Nb]`` and the ack in
``[Aa, Ab]`` (an unknown end is open). The ack is **in time** (``true``) when even its latest
possible time is within the deadline counted from the notice's earliest: ``Ab <= Na + D``; it is
**late** (``false``) when even its earliest is past the deadline counted from the notice's
latest: ``Aa > Nb + D``; otherwise **undecided**: the brackets straddle the deadline.

Memory: the report keeps, per feed, the leaf hashes and what the notices refer to (as the
verifier does) and one number per signed size; notices are decoded a chunk at a time as they are
written (by worker processes forked from this one, a few chunks ahead: :mod:`.telling`),
and the two feeds are merged in the order they were witnessed.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..card import DEFAULT_DEADLINES, Card, Deadlines, fingerprint
from ..entries import decode_entry
from ..errors import ProtocolError
from ..notices import Ack, Cancel, Notice, Reference, requires_ack
from ..spool import SortedSpill
from . import telling
from .across import as_of
from .checks import Feed, Link
from .combined import Audit
from .describe import fields, phrase
from .report import b64
from .telling import Render, Told
from .timeline import Bracket, Outage, Timeline
from .verify import Verified

DEFAULT_OUTAGE_MS = 120_000  # a gap between cosignatures longer than this is an outage
DEFAULT_TOLERANCE_MS = 300_000  # a claimed time further than this outside its bracket
InTime = bool | str  # True, False or "undecided"
DEADLINE_SOURCES = {
    "card": "as its card pins them",
    "card-defaults": "the defaults: its card states none",
    "export": "as an export states them: no card pins them",
    "defaults": "the defaults: no card or export states them",
}


@dataclass(frozen=True, slots=True)
class Options:
    outage_ms: int = DEFAULT_OUTAGE_MS
    tolerance_ms: int = DEFAULT_TOLERANCE_MS
    at: int | None = None  # the state as of this time (unix ms); None: all the exports hold


@dataclass
class Story:
    """One feed as the report tells it: its primary export, witnessed times and deadlines."""

    name: str
    feed: Feed
    source: Verified
    timeline: Timeline
    deadlines: Deadlines
    deadlines_from: str  # "card", "card-defaults" (it states none), "export", "defaults"
    other: str | None  # the other side's name, if known
    refs: SortedSpill = field(default_factory=lambda: SortedSpill(()))  # what refers here
    # of the entry being told: acks of it, updates and cancels of it, by its index
    acks: dict[int, list[tuple[str, Link]]] = field(default_factory=dict)
    updates: dict[int, list[int]] = field(default_factory=dict)
    cancels: dict[int, list[int]] = field(default_factory=dict)


class Dispute:
    """The report's parts; :meth:`notices` decodes and yields them one at a time."""

    def __init__(self, audit: Audit, options: Options = Options()) -> None:
        self.audit = audit
        self.options = options
        self.stories: dict[str, Story] = {}
        for side in dict.fromkeys(s for v in audit.exports for s in v.feeds):
            self.stories[side] = self._story(side)
        for story in self.stories.values():
            self._link(story)
        exported = max((as_of(v) for v in audit.exports if not v.loaded.fatal), default=0)
        self.as_of = options.at if options.at is not None else exported
        self.implausible: list[dict[str, Any]] = []  # filled while the notices are written
        self.hidden = 0  # entries left out: not witnessed by ``at``
        self.tellers = 1  # processes that told the notices last time

    # building -----------------------------------------------------------------------------

    def _story(self, side: str) -> Story:
        views = [(v, v.feeds[side]) for v in self.audit.exports if side in v.feeds]
        source, feed = min(views, key=lambda vf: _rank(side, *vf))
        other = next((n for n in source.feeds if n != side), None)
        witness_key = source.feeds[other].side.witness_vkey if other is not None else None
        cosignatures = [
            cs
            for v, f in views
            if _same_keys(v, f, feed, witness_key, other)
            for cs in f.cosignatures
            if cs.size <= feed.tree.size and feed.tree.root(cs.size) == cs.root
            if self.options.at is None or cs.timestamp * 1000 <= self.options.at
        ]
        witness = source.feeds[other].side.witness.name if other is not None else "-"
        deadlines, origin = self._deadlines(side)
        return Story(side, feed, source, Timeline(cosignatures, witness), deadlines, origin, other)

    def _deadlines(self, side: str) -> tuple[Deadlines, str]:
        card = self._card(side)
        if card is not None:
            return card.ack_deadlines, "card" if card.deadlines is not None else "card-defaults"
        stated = [
            (v.loaded.exported_by != side, v.feeds[side].side.deadlines)
            for v in self.audit.exports
            if side in v.feeds and v.feeds[side].side.deadlines is not None
        ]
        if stated:
            return min(stated, key=lambda s: s[0])[1] or DEFAULT_DEADLINES, "export"
        return DEFAULT_DEADLINES, "defaults"

    def _card(self, side: str) -> Card | None:
        return next((c for c in self.audit.cards if c.side == side), None)

    def _link(self, story: Story) -> None:
        """Index what refers to the story's entries: acks (from the other feed), updates and
        cancels (from its own), each only if it names the entry's leaf hash. The index is
        sorted on disk by the entry referred to, and read alongside the entries."""
        leaves = story.feed.leaves
        origin = story.feed.side.origin

        def records() -> Iterator[tuple[Any, ...]]:
            for order, other in enumerate(self.stories.values()):
                for seq, link in enumerate(other.feed.links):
                    ref = link.ref
                    if ref.origin != origin or ref.index >= len(leaves):
                        continue
                    if link.kind == "ack" and other is not story:
                        pass
                    elif link.kind not in ("update", "cancel") or other is not story:
                        continue
                    if leaves[ref.index] != ref.leaf_hash_bytes or not self._seen(
                        other, link.index
                    ):
                        continue
                    yield (
                        ref.index,
                        order,
                        seq,
                        link.kind,
                        other.name,
                        link.index,
                        ref.origin,
                        ref.index,
                        ref.leaf_hash,
                        link.response,
                        link.author,
                        link.reason,
                        link.remark,
                    )

        story.refs = SortedSpill(records())

    @staticmethod
    def _refs_at(
        story: Story, refs: Iterator[tuple[Any, ...]], head: list[Any], index: int
    ) -> None:
        """Set the story's acks, updates and cancels to those of entry ``index`` (entries are
        read in order; ``head`` holds the next record of ``refs``)."""
        acks: list[tuple[str, Link]] = []
        updates: list[int] = []
        cancels: list[int] = []
        while head[0] is not None and head[0][0] <= index:
            rec, head[0] = head[0], next(refs, None)
            if rec[0] < index:
                continue
            kind, source, at = rec[3], rec[4], rec[5]
            if kind == "ack":
                ref = Reference.model_construct(origin=rec[6], index=rec[7], leaf_hash=rec[8])
                acks.append((source, Link(at, kind, ref, *rec[9:])))
            elif kind == "update":
                updates.append(at)
            else:
                cancels.append(at)
        story.acks = {index: acks} if acks else {}
        story.updates = {index: updates} if updates else {}
        story.cancels = {index: cancels} if cancels else {}

    def _seen(self, story: Story, index: int) -> bool:
        """Part of the report: every entry, or with ``at`` those witnessed by then."""
        return self.options.at is None or story.timeline.bracket(index).before is not None

    # the notices --------------------------------------------------------------------------

    def notices(self) -> Iterator[dict[str, Any]]:
        """Every notice, in the order the witnesses saw them (unwitnessed ones last)."""
        return self.told(lambda record, _dispute: record, workers=1)

    def told(self, render: Render, workers: int | None = None) -> Iterator[Any]:
        """Every notice's record as ``render(record, dispute)`` makes it, in the order the
        witnesses saw them (unwitnessed ones last), told a chunk at a time, by ``workers``
        processes (default: one per core) where this one can fork: :func:`.telling.told`."""
        return telling.told(self, render, workers)

    def tell(
        self,
        name: str,
        start: int,
        count: int,
        refs: list[tuple[Any, ...]],
        prev: bytes,
        render: Render,
        hidden: list[int],
    ) -> Iterator[Told]:
        """The records of entries ``start`` to ``start + count`` of a feed, rendered, each with
        its sort key and what it adds to :attr:`implausible`; those left out are counted in
        ``hidden[0]``."""
        story = self.stories[name]
        side = story.feed.side
        found = iter(refs)
        head: list[Any] = [next(found, None)]
        items = itertools.islice(story.feed.tree.items(start), count)
        for index, (raw, leaf) in enumerate(items, start):
            self._refs_at(story, found, head, index)
            bracket = story.timeline.bracket(index)
            if self.options.at is not None and bracket.before is None:
                hidden[0] += 1
            else:
                flagged = len(self.implausible)
                try:
                    entry = decode_entry(raw, origin=side.origin, index=index, prev=prev, leaf=leaf)
                except ProtocolError as exc:
                    record = self._undecoded(story, index, leaf, bracket, exc)
                else:
                    record = self._record(story, index, leaf, bracket, entry.notice)
                key = math.inf if bracket.before is None else float(bracket.before)
                added = self.implausible[flagged:]
                del self.implausible[flagged:]
                yield (key, name, index), render(record, self), added
            prev = leaf

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
        deadline = story.deadlines.of(precedence)
        due = deadline if needs else None
        acks = [self._ack(bracket, due, s, link) for s, link in self._acks(story, index)]
        record: dict[str, Any] = {
            "side": story.name,
            "index": index,
            "leaf_hash": b64(leaf),
            "id": str(notice.id),
            "kind": str(notice.kind),
            "precedence": precedence,
            "status": str(notice.status),
            "author": notice.author.model_dump(mode="json"),
            "time": notice.time,
            "summary": phrase(notice),
            "fields": fields(notice),
            "appended": bracket.json(),
            "delivered": self._delivered(story, bracket),
            "needs_ack": needs,
            "deadline": (
                {
                    "precedence": precedence,
                    "seconds": deadline / 1000,
                    "from": story.deadlines_from,
                }
                if needs
                else None
            ),
            "acks": acks,
            "ack_state": self._ack_state(story, index, needs, bracket, deadline, acks),
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

    def _acks(self, story: Story, index: int) -> list[tuple[Story, Link]]:
        return [(self.stories[s], link) for s, link in story.acks.get(index, [])]

    def _ack(self, notice: Bracket, deadline: int | None, by: Story, link: Link) -> dict[str, Any]:
        bracket = by.timeline.bracket(link.index)
        out: dict[str, Any] = {
            "side": by.name,
            "index": link.index,
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
        needs: bool,
        bracket: Bracket,
        deadline: int,
        acks: list[dict[str, Any]],
    ) -> str:
        """``not_required``; with acks ``in_time`` (one is), ``late`` (all are) or
        ``undecided``; without: ``withdrawn`` (superseded or cancelled), ``undelivered`` (the
        other side never had it), ``overdue`` (the deadline passed, as of the report's time,
        whatever the bracket), ``pending`` (it had not) or ``undecided``."""
        if not needs:
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
        if self.as_of > bracket.before + deadline:
            return "overdue"
        if bracket.after is not None and self.as_of <= bracket.after + deadline:
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

    # the rest -----------------------------------------------------------------------------

    def outages(self) -> list[dict[str, Any]]:
        out = []
        for story in self.stories.values():
            for gap in story.timeline.outages(self.options.outage_ms, self.as_of):
                out.append(_outage(story, gap))
        return sorted(out, key=lambda o: (o["from"], o["feed"]))

    def evidence(self) -> list[dict[str, Any]]:
        out = []
        for export in self.audit.exports:
            for rec in export.loaded.evidence or []:
                if self.options.at is not None and rec.time > self.options.at:
                    continue
                out.append(
                    {
                        "export": export.tag,
                        "time": rec.time,
                        "source": rec.source,
                        "reason": rec.reason,
                        "detail": rec.detail,
                        "bytes": len(rec.raw),
                        "size": rec.size,
                        "sha256": rec.sha256.hex(),
                    }
                )
        return sorted(out, key=lambda e: (e["time"], e["export"]))

    def disagreements(self) -> list[dict[str, Any]]:
        """Every check that compares two accounts (export against card, export against
        export) and found them different, and deadlines stated differently."""
        out = []
        for label, check in self.audit.labelled():
            compares = check.name in ("keys", "agreement", "forks", "truncated")
            across = check in self.audit.checks
            if compares and (check.status == "FAIL" or (across and check.status != "PASS")):
                out.append(_disagreement(label, check.side, check.summary, check.details))
            elif check.name in ("keys", "truncated") and check.details and check.status == "PASS":
                notes = [d for d in check.details if "the report uses" in d or "older" in d]
                if notes:
                    out.append(_disagreement(label, check.side, notes[0], notes[1:]))
        out += self._deadline_disagreements()
        return out

    def _deadline_disagreements(self) -> list[dict[str, Any]]:
        out = []
        for side in self.stories:
            stated = {
                v.name: v.feeds[side].side.deadlines
                for v in self.audit.exports
                if side in v.feeds and v.feeds[side].side.deadlines is not None
            }
            texts = {name: d.text() for name, d in stated.items() if d is not None}
            if len(set(texts.values())) > 1:
                detail = [f"{name}: {text}" for name, text in texts.items()]
                out.append(
                    _disagreement(
                        "deadlines",
                        side,
                        f"the exports state {side}'s deadlines differently",
                        detail,
                    )
                )
        return out

    def verdict(self) -> dict[str, Any]:
        return {
            "result": self.audit.result,
            "failed": self.audit.failed,
            "unpinned": self.audit.unpinned,
            "summary": self.audit.verdict(),
        }

    def sides(self) -> list[dict[str, Any]]:
        out = []
        for story in self.stories.values():
            side = story.feed.side
            out.append(
                {
                    "name": story.name,
                    "origin": side.origin,
                    "fingerprint": fingerprint(side.log_vkey, side.witness_vkey),
                    "pinned": story.feed.pinned,
                    "entries": len(side.entries),
                    "from": story.source.name,
                    "deadlines": story.deadlines.seconds(),
                    "deadlines_from": story.deadlines_from,
                    "witnessed_by": story.timeline.witness,
                }
            )
        return out


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


def _rank(side: str, export: Verified, feed: Feed) -> tuple[bool, bool, bool, int, int, bool]:
    """Sort key of the views of a feed, the best first: keys no card refutes (the feed's, and
    the other side's witness in that export), entries that all decoded, the furthest cosigned by
    the other side, the most entries, the side's own export."""
    witness = next((f for f in export.feeds.values() if f is not feed), None)
    cosigned = max((cs.size for cs in feed.cosignatures), default=0)
    return (
        feed.pinned is False,
        witness is not None and witness.pinned is False,
        feed.undecoded > 0,
        -cosigned,
        -len(feed.leaves),
        export.loaded.exported_by != side,
    )


def _same_keys(
    export: Verified, feed: Feed, primary: Feed, witness_key: str | None, other: str | None
) -> bool:
    """Whether a view's cosignatures count: the same log key and the same witness key as the
    primary, and neither refuted by a card."""
    if feed.side.log_vkey != primary.side.log_vkey or feed.pinned is False:
        return False
    witness = export.feeds.get(other) if other is not None else None
    return (
        witness is not None
        and witness.side.witness_vkey == witness_key
        and witness.pinned is not False
    )


def _outage(story: Story, gap: Outage) -> dict[str, Any]:
    return {
        "feed": story.name,
        "witness": story.timeline.witness,
        "from": gap.start,
        "to": gap.end,
        "seconds": gap.seconds,
        "ongoing": gap.ongoing,
    }


def _disagreement(check: str, side: str | None, summary: str, details: Any) -> dict[str, Any]:
    return {"check": check, "side": side, "summary": summary, "details": list(details)}
