"""The conflicts an auditor recomputes from the exports: the deconfliction rule
(:mod:`hotline_protocol.deconfliction`) over both feeds as exported, at a given time.

What counts as present at time T is every entry whose notice claims a time at or before T (a
node refuses a notice whose claimed time is far from its clock, and flags a peer entry whose
claimed time lies outside its witnessed bracket, so the claimed time is the agreed clock of the
line). A conflict is ``handled`` when a liaison present at T names it (``conflict``) with its two
entries (``regarding``). The ids are the ones the nodes show.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..deconfliction import DEFAULT_CONFIG, Config, FeedItem, conflicts, handled_conflict
from ..entries import decode_entry
from ..errors import ProtocolError
from .combined import Audit


def feed_items(audit: Audit, at_ms: int) -> Iterator[FeedItem]:
    """Each side's entries whose claimed time is at or before ``at_ms``, from the first export
    that holds the side (entries that do not decode end that side's feed)."""
    seen: set[str] = set()
    for export in audit.exports:
        for side in export.loaded.sides:
            if side.name in seen:
                continue
            seen.add(side.name)
            prev = b""
            for index, raw in enumerate(side.entries):
                try:
                    entry = decode_entry(raw, origin=side.origin, index=index, prev=prev)
                except ProtocolError:
                    break
                prev = entry.leaf_hash
                if entry.notice.time <= at_ms:
                    yield FeedItem(side.name, index, entry.leaf_hash, entry.notice)


def conflicts_at(audit: Audit, at_ms: int, config: Config = DEFAULT_CONFIG) -> dict[str, Any]:
    """``{"at", "conflicts": [...]}``: every conflict at ``at_ms``, each with its ``state``
    (open or handled) and, when handled, the liaison that did it."""
    items = list(feed_items(audit, at_ms))
    handled: dict[str, dict[str, Any]] = {}
    for item in items:
        named = handled_conflict(item.notice)
        if named is not None:
            handled.setdefault(named, {"side": item.side, "index": item.index})
    found = []
    for conflict in conflicts(items, at_ms, config):
        by = handled.get(conflict.id)
        found.append(
            {
                **conflict.to_json(),
                "state": "open" if by is None else "handled",
                "handled_by": by,
            }
        )
    return {"at": at_ms, "conflicts": found}
