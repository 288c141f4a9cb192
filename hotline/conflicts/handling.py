"""Marking a conflict handled: a liaison that names it and its two entries.

The handling is itself a notice in the marking side's feed, signed and delivered like any
other, so both nodes (and an auditor) see the conflict handled from the same entry.
"""

from __future__ import annotations

from typing import Any

from hotline_protocol.deconfliction import Conflict

from ..errors import NotFound
from ..feeds.index import FeedIndex


async def handling_body(
    conflict: Conflict, index: FeedIndex, remark: str, language: str
) -> dict[str, Any]:
    """The liaison notice body that marks ``conflict`` handled (an emergency's at IMMEDIATE
    precedence, an operations conflict's ROUTINE; exercise when either notice is)."""
    refs, statuses = [], set()
    keys = [(ref.side, ref.index) for ref in conflict.between if ref.index is not None]
    found = dict(zip(keys, await index.records(keys), strict=True))
    for ref in conflict.between:
        rec = found.get((ref.side, ref.index)) if ref.index is not None else None
        if rec is None:
            raise NotFound("unknown_entry", f"{ref.side} has no entry {ref.index}")
        refs.append(rec.ref())
        statuses.add(rec.status)
    return {
        "kind": "liaison",
        "status": "exercise" if "exercise" in statuses else "actual",
        "precedence": "IMMEDIATE" if conflict.type == "emergency" else "ROUTINE",
        "text": remark,
        "language": language,
        "regarding": refs,
        "conflict": conflict.id,
    }
