"""A feed as the report of a dispute tells it: its primary export, its witnessed times, its
deadlines (see :mod:`.dispute` for how the primary is chosen), and the report's options.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from ..card import DEFAULT_DEADLINES, Card, Deadlines
from ..spill import SortedSpill
from .checks import Feed
from .combined import Audit
from .timeline import Timeline
from .verify import Verified

DEFAULT_OUTAGE_MS = 120_000  # a gap between cosignatures longer than this is an outage
DEFAULT_TOLERANCE_MS = 300_000  # a claimed time further than this outside its bracket
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


DEFAULT_OPTIONS = Options()


class AckOf(NamedTuple):
    """An ack of the entry being told, as the report needs it: the ack's index in its feed
    (``at``), its response, author, reason and remark."""

    at: int
    response: str | None
    author: str | None
    reason: str | None
    remark: str | None


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
    acks: dict[int, list[tuple[str, AckOf]]] = field(default_factory=dict)
    updates: dict[int, list[int]] = field(default_factory=dict)
    cancels: dict[int, list[int]] = field(default_factory=dict)


def story_of(audit: Audit, side: str, options: Options) -> Story:
    """The feed of ``side`` as the report tells it: from its primary export (see
    :mod:`.dispute`), with the cosignatures that count and the deadlines that apply."""
    views = [(v, v.feeds[side]) for v in audit.exports if side in v.feeds]
    source, feed = min(views, key=lambda vf: _rank(side, *vf))
    other = next((n for n in source.feeds if n != side), None)
    witness_key = source.feeds[other].side.witness_vkey if other is not None else None
    cosignatures = (  # read once, by the timeline
        cs
        for v, f in views
        if _same_keys(v, f, feed, witness_key, other)
        for cs in f.cosignatures
        if cs.size <= feed.tree.size and feed.tree.root(cs.size) == cs.root
        if options.at is None or cs.timestamp * 1000 <= options.at
    )
    witness = source.feeds[other].side.witness.name if other is not None else "-"
    deadlines, origin = _deadlines(audit, side)
    return Story(side, feed, source, Timeline(cosignatures, witness), deadlines, origin, other)


def _deadlines(audit: Audit, side: str) -> tuple[Deadlines, str]:
    card = _card(audit, side)
    if card is not None:
        return card.ack_deadlines, "card" if card.deadlines is not None else "card-defaults"
    stated = [
        (v.loaded.exported_by != side, v.feeds[side].side.deadlines)
        for v in audit.exports
        if side in v.feeds and v.feeds[side].side.deadlines is not None
    ]
    if stated:
        return min(stated, key=lambda s: s[0])[1] or DEFAULT_DEADLINES, "export"
    return DEFAULT_DEADLINES, "defaults"


def _card(audit: Audit, side: str) -> Card | None:
    return next((c for c in audit.cards if c.side == side), None)


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
