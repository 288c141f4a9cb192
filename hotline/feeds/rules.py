"""Rules a notice must meet against the feeds before the sequencer appends it.

- an ``ack`` refers to an entry that exists in the other side's feed (same leaf hash) and that
  is not itself an ack;
- a ``cancel`` refers to an entry of the own feed that is not already cancelled;
- an update (``supersedes``) refers to an entry of the own feed of the same kind, neither
  cancelled nor already superseded (updates form a chain: update the latest version);
- a notice's ``id`` is unique in its feed (409 ``duplicate_id``);
- a downed pilot's ``distress_ref`` names an aircraft-in-distress entry held here, of either
  feed;
- a liaison's ``regarding`` entries are held, and the ``conflict`` it handles is the id of a
  conflict between those two entries;
- the claimed ``time`` lies within ``limits.time_tolerance_s`` of the node's clock
  (``time_out_of_range``), checked when the notice is appended (a retried post found by its
  Idempotency-Key is not checked again).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from hotline_protocol.deconfliction import handled_conflict
from hotline_protocol.notices import DownedPilot, Liaison, Notice, reference_of

from ..errors import AlreadyClosed, Conflict, Forbidden, RuleError, UnknownReference
from ..types import Clock
from .index import FeedIndex, Key, NoticeRecord
from .posting import check_time
from .records import linked


@dataclass
class Claims:
    """What earlier notices of the batch being written took: the entries they cancelled or
    superseded, and their ids."""

    closed: set[tuple[str, int]] = field(default_factory=set)
    ids: set[str] = field(default_factory=set)


def check_notice(
    notice: Notice,
    index: FeedIndex,
    own: str,
    peer: str | None,
    claimed: Claims,
    early: Callable[[str, int, str], bool] = lambda _o, _i, _h: False,
) -> None:
    """Raise RuleError (or Forbidden, for a notice of the wrong side) when ``notice`` may not
    be appended to side ``own``'s feed.

    ``early`` tells whether a reference names a FLASH entry of the other side that arrived
    ahead of its backlog (verified by inclusion proof, not yet in the replica): it can be
    acknowledged at once. An id is looked for among the latest records; the store refuses one
    held earlier in the feed when the batch is written (the sequencer then refuses the post
    with ``duplicate_id`` and writes the rest)."""
    notice_id = str(notice.id)
    known = index.recent_ids(notice_id)
    if notice_id in claimed.ids or any(side == own for side, _ in known):
        raise Conflict("duplicate_id", f"a notice with id {notice_id} is in {own}'s feed already")
    target = reference_of(notice)
    if notice.kind == "ack":
        assert target is not None
        if peer is not None and early(target.origin, target.index, target.leaf_hash):
            return
        rec = _resolve(index, target.origin, target.index, target.leaf_hash)
        if rec.side == own or peer is None or rec.side != peer:
            raise Forbidden("wrong_side", "an ack must refer to an entry of the other side's feed")
        if rec.kind == "ack":
            raise RuleError("not_ackable", "an acknowledgement is not itself acknowledged")
    elif notice.kind == "cancel":
        assert target is not None
        rec = _resolve(index, target.origin, target.index, target.leaf_hash)
        if rec.side != own:
            raise Forbidden("wrong_side", "only the own side's notices can be cancelled")
        if rec.kind in ("ack", "cancel"):
            raise RuleError("not_cancellable", f"a {rec.kind} cannot be cancelled")
        _not_closed(rec, claimed)
        claimed.closed.add((rec.side, rec.index))
    if notice.supersedes is not None:
        ref = notice.supersedes
        rec = _resolve(index, ref.origin, ref.index, ref.leaf_hash)
        if rec.side != own:
            raise Forbidden("wrong_side", "only the own side's notices can be updated")
        if rec.kind != notice.kind:
            raise RuleError("kind_mismatch", f"an update of a {rec.kind} must be a {rec.kind}")
        _not_closed(rec, claimed)
        claimed.closed.add((rec.side, rec.index))
    # by kind first: asking a pydantic model for a field it lacks raises (and costs) internally
    distress = notice.distress_ref if isinstance(notice, DownedPilot) else None
    if distress is not None:
        found = index.resolve(distress.origin, distress.index, distress.leaf_hash)
        if found is None:
            raise RuleError(
                "unknown_distress_ref",
                f"distress_ref names no entry held: {distress.origin} #{distress.index} with "
                f"leaf hash {distress.leaf_hash}",
            )
        if found.kind != "aircraft_in_distress":
            raise RuleError(
                "bad_distress_ref",
                f"distress_ref names {found.side} #{found.index}, a {found.kind}, "
                "not an aircraft_in_distress",
            )
    liaison = notice if isinstance(notice, Liaison) else None
    regarding = (liaison.regarding if liaison is not None else None) or ()
    for ref in regarding:
        _resolve(index, ref.origin, ref.index, ref.leaf_hash)
    if liaison is not None and liaison.conflict is not None:
        if handled_conflict(liaison) is None:
            raise RuleError(
                "bad_conflict_id", "conflict is not the id of a conflict between its two entries"
            )
    claimed.ids.add(notice_id)


def _resolve(index: FeedIndex, origin: str, i: int, leaf_hash: str) -> NoticeRecord:
    rec = index.resolve(origin, i, leaf_hash)
    if rec is None:
        raise UnknownReference(
            "unknown_reference", f"no entry {origin} #{i} with leaf hash {leaf_hash}"
        )
    return rec


def _not_closed(rec: NoticeRecord, claimed: Claims) -> None:
    if rec.cancelled_by is not None:
        raise AlreadyClosed("already_cancelled", f"{rec.side} #{rec.index} is cancelled")
    if rec.superseded_by is not None or (rec.side, rec.index) in claimed.closed:
        raise AlreadyClosed(
            "already_superseded", f"{rec.side} #{rec.index} was already updated or cancelled"
        )


def references(notice: Notice) -> list[tuple[str, int]]:
    """(origin, index) of every entry ``notice`` refers to."""
    found = linked(notice)
    if isinstance(notice, DownedPilot) and notice.distress_ref is not None:
        found.append((notice.distress_ref.origin, notice.distress_ref.index))
    if isinstance(notice, Liaison):
        found += [(ref.origin, ref.index) for ref in notice.regarding or ()]
    return found


class Rules:
    """The sequencer's check of each notice against the feeds (see :func:`check_notice`) and,
    given a clock, of its claimed time against the node's. Before a batch is checked,
    :meth:`prepare` reads what its notices refer to and the entries holding their ids, and pins
    the records until :meth:`release` (after the batch is recorded)."""

    def __init__(
        self,
        index: FeedIndex,
        own: str,
        peer: str | None,
        early: Callable[[str, int, str], bool] = lambda _o, _i, _h: False,
        *,
        clock_ms: Clock | None = None,
        time_tolerance_s: float = 300,
    ) -> None:
        self._index = index
        self._own = own
        self._peer = peer
        self._early = early
        self._clock_ms = clock_ms
        self._tolerance = time_tolerance_s

    async def prepare(self, notices: list[Notice]) -> list[Key]:
        index = self._index
        keys = []
        for notice in notices:
            for origin, i in references(notice):
                side = index.origins.get(origin)
                if side is not None:
                    keys.append((side, i))
        await index.fetch(keys)  # no turn of the loop when all are cached
        index.pin(keys)
        return keys

    def release(self, keys: list[Key]) -> None:
        self._index.unpin(keys)

    def __call__(self, notice: Notice, claimed: Claims) -> None:
        if self._clock_ms is not None:
            check_time(notice.time, self._clock_ms(), self._tolerance)
        check_notice(notice, self._index, self._own, self._peer, claimed, self._early)


Validator = Rules
