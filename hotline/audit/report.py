"""The report of the line as this node sees it: its own export, checked against the keys it
pins, told notice by notice (:mod:`hotline_protocol.audit.dispute`).

It is the node's view of itself, for its operators and auditors (the console's audit view):
the cards it checks against are its own and the peer's as it pinned them. A neutral inquiry runs
``hotline audit report`` over one export of each side and the two cards the sides exchanged.
"""

from __future__ import annotations

import io
import json
import tempfile
from typing import Any

from hotline_protocol.audit import audit_exports
from hotline_protocol.audit.dispute import Dispute, Options
from hotline_protocol.audit.output import write_json
from hotline_protocol.card import Card, Deadlines

from ..settings import Settings
from ..store.base import Store
from ..types import Sides
from .export import export_deadlines, export_node


def pinned_cards(sides: Sides, settings: Settings) -> list[Card]:
    """The own card and the peer's as this node pins them."""
    deadlines = export_deadlines(settings)
    url = settings.url or f"http://{settings.server.host}:{settings.server.port}"
    cards = []
    for side in sides.all():
        stated = deadlines.get(side.name)
        peer_url = settings.peer.url if settings.peer is not None else ""
        cards.append(
            Card(
                side.name,
                side.origin,
                side.log_vkey,
                side.witness_vkey,
                url if side is sides.own else peer_url or "http://peer.invalid",
                Deadlines.from_seconds(stated) if stated is not None else None,
            )
        )
    return cards


async def node_report(
    store: Store, sides: Sides, settings: Settings, now_ms: int, at_ms: int | None = None
) -> dict[str, Any]:
    """The report JSON (PROTOCOL.md, *The report of a dispute*) of this node's export now, as of
    ``at_ms`` (None: everything held)."""
    snap = await export_node(store, sides, now_ms, deadlines=export_deadlines(settings))
    out = io.StringIO()
    with tempfile.TemporaryFile() as file:  # the export streamed to disk, then read as a stream
        async for piece in snap.chunks():
            file.write(piece)
        file.seek(0)
        audit = audit_exports([(sides.own.name, file)], pinned_cards(sides, settings))
        write_json(Dispute(audit, Options(at=at_ms)), out)
    report: dict[str, Any] = json.loads(out.getvalue())
    return report
