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

import binascii
import itertools
import math
from collections.abc import Iterator
from typing import Any

from ..entries import entry_notice, stored_notice
from ..errors import ProtocolError
from ..spill import SortedSpill
from . import telling
from .across import as_of
from .combined import Audit
from .findings import Findings
from .notice_records import InTime, NoticeRecords, in_time
from .story import (
    DEADLINE_SOURCES,
    DEFAULT_OPTIONS,
    DEFAULT_OUTAGE_MS,
    DEFAULT_TOLERANCE_MS,
    Options,
    Story,
    story_of,
)
from .telling import Render, Told

__all__ = [
    "DEADLINE_SOURCES",
    "DEFAULT_OUTAGE_MS",
    "DEFAULT_TOLERANCE_MS",
    "Dispute",
    "InTime",
    "Options",
    "Story",
    "in_time",
]


class Dispute(NoticeRecords, Findings):
    """The report's parts; :meth:`notices` decodes and yields them one at a time (the records:
    :mod:`.notice_records`; the findings beside them: :mod:`.findings`)."""

    def __init__(self, audit: Audit, options: Options = DEFAULT_OPTIONS) -> None:
        self.audit = audit
        self.options = options
        self.stories: dict[str, Story] = {}
        for side in dict.fromkeys(s for v in audit.exports for s in v.feeds):
            self.stories[side] = story_of(audit, side, options)
        for story in self.stories.values():
            self._link(story)
        exported = max((as_of(v) for v in audit.exports if not v.loaded.fatal), default=0)
        self.as_of = options.at if options.at is not None else exported
        self.implausible: list[dict[str, Any]] = []  # filled while the notices are written
        self.hidden = 0  # entries left out: not witnessed by ``at``
        self.tellers = 1  # processes that told the notices last time

    def _link(self, story: Story) -> None:
        """Index what refers to the story's entries: acks (from the other feed), updates and
        cancels (from its own), each only if it names the entry's leaf hash. The index is
        sorted on disk by the entry referred to, and read alongside the entries."""
        leaves = story.feed.leaves
        origin = story.feed.side.origin

        def records() -> Iterator[tuple[Any, ...]]:
            for order, other in enumerate(self.stories.values()):
                # plain records (index, kind, origin, at, leaf hash, response, author, reason,
                # remark): no Reference made for each
                for seq, (index, kind, to, at, leaf, *said) in enumerate(
                    other.feed.links.records()
                ):
                    if to != origin or at >= len(leaves):
                        continue
                    if kind == "ack" and other is not story:
                        pass
                    elif kind not in ("update", "cancel") or other is not story:
                        continue
                    if leaves[at] != binascii.a2b_base64(leaf) or not self._seen(other, index):
                        continue
                    yield (at, order, seq, kind, other.name, index, to, at, leaf, *said)

        story.refs = SortedSpill(records())

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
                    notice = (
                        stored_notice(raw, index)  # as verified: its bytes are not checked again
                        if story.feed.sound
                        else entry_notice(raw, origin=side.origin, index=index, prev=prev)
                    )
                except ProtocolError as exc:
                    record = self._undecoded(story, index, leaf, bracket, exc)
                else:
                    record = self._record(story, index, leaf, bracket, notice)
                key = math.inf if bracket.before is None else float(bracket.before)
                added = self.implausible[flagged:]
                del self.implausible[flagged:]
                yield (key, name, index), render(record, self), added
            prev = leaf
