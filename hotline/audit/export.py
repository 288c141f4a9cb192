"""Building an audit export (``hotline-audit-export/v1``) from a node's store.

The export is one JSON document: both sides' pinned keys and acknowledgement deadlines, every
entry (base64 of its bytes, in order), every checkpoint as its signed note (with all
cosignatures), and the refused-input evidence. ``protocol/PROTOCOL.md`` (*Audit export*) defines
it and :mod:`hotline_protocol.export` reads it.

:func:`snapshot` fixes what the export holds (checkpoints, then feed sizes, then evidence) before
a byte is written; :meth:`Export.chunks` then streams the document, reading entries,
checkpoints and evidence from the store a page at a time, so a history of any length is
exported in bounded memory. Entries and evidence are immutable, so the pages read later belong
to the same snapshot.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from hotline_protocol.card import PRECEDENCES, Deadlines
from hotline_protocol.export import FORMAT

from ..settings import Settings
from ..store.base import CheckpointRecord, EvidenceRecord, Store
from ..types import Side, Sides

CHUNK = 1000  # entries read from the store at a time
PAGE = 500  # checkpoints read from the store at a time
R = TypeVar("R")  # a record of a listed kind
SideDeadlines = Mapping[str, Mapping[str, int | float]]  # side name -> precedence -> seconds


@dataclass(frozen=True, slots=True)
class SideSnapshot:
    """One feed as exported: its entries up to ``size``, its checkpoints up to the size
    ``checkpoints_until`` (-1: none), read a page at a time as the export is written."""

    side: Side
    size: int
    checkpoints_until: int
    witness: str | None = None  # the other side's witness, whose heartbeats are exported
    heartbeats_until: int = -1  # the timestamp of the latest of them (-1: none)
    deadlines: Mapping[str, int | float] | None = None  # seconds by precedence, if known


@dataclass(frozen=True, slots=True)
class Export:
    """A fixed snapshot of what to export; :meth:`chunks` writes it."""

    store: Store
    exported_by: str
    exported_at: int  # unix ms
    sides: list[SideSnapshot]
    evidence_until: int  # the evidence records with ids up to it, read a page at a time
    chunk: int = CHUNK
    page: int = PAGE

    @property
    def filename(self) -> str:
        when = datetime.fromtimestamp(self.exported_at / 1000, UTC).strftime("%Y%m%dT%H%M%SZ")
        return f"hotline-audit-{self.exported_by}-{when}.json"

    async def chunks(self) -> AsyncIterator[bytes]:
        """The document as UTF-8 JSON, in pieces: one line per entry, checkpoint and record."""
        head = {"format": FORMAT, "exported_at": self.exported_at, "exported_by": self.exported_by}
        yield _dumps(head)[:-1].encode() + b',\n"sides": ['
        for n, snap in enumerate(self.sides):
            yield (b"," if n else b"") + b"\n" + _side_head(snap).encode()
            async for piece in self._checkpoints(snap):
                yield piece
            yield b'],\n"heartbeats": ['
            async for piece in self._heartbeats(snap):
                yield piece
            yield b'],\n"entries": ['
            async for piece in self._entries(snap):
                yield piece
            yield b"]}"
        yield b'],\n"evidence": ['
        async for piece in _listed(
            lambda since: self.store.evidence_from(since, self.evidence_until, self.page),
            1,
            self.evidence_until,
            lambda rec: rec.id + 1,
            lambda rec: _dumps(_evidence(rec)),
        ):
            yield piece
        yield b"]}\n"

    async def read(self) -> bytes:
        """The whole document at once (for tests and small feeds)."""
        return b"".join([piece async for piece in self.chunks()])

    def _checkpoints(self, snap: SideSnapshot) -> AsyncIterator[bytes]:
        """The checkpoints the snapshot fixed, a page at a time (a note that gained a
        cosignature since is written with it)."""
        origin, until = snap.side.origin, snap.checkpoints_until
        return _listed(
            lambda since: self.store.checkpoints_from(origin, since, until, self.page),
            0,
            until,
            lambda cp: cp.size + 1,
            _checkpoint,
        )

    def _heartbeats(self, snap: SideSnapshot) -> AsyncIterator[bytes]:
        """The other side's heartbeats of this feed up to the snapshot's, a page at a time."""
        origin, witness = snap.side.origin, snap.witness
        until = snap.heartbeats_until if witness is not None else -1
        return _listed(
            lambda since: self.store.heartbeats_from(
                origin, witness or "", since, until, self.page
            ),
            0,
            until,
            lambda hb: hb.timestamp + 1,
            lambda hb: _dumps({"size": hb.size, "line": hb.line}),
        )

    async def _entries(self, snap: SideSnapshot) -> AsyncIterator[bytes]:
        for start in range(0, snap.size, self.chunk):
            raws = await self.store.entries(
                snap.side.origin, start, min(snap.size, start + self.chunk)
            )
            if len(raws) != min(self.chunk, snap.size - start):
                raise RuntimeError(f"{snap.side.origin}: entries {start}.. vanished from the store")
            lines = (
                ("," if start or i else "") + '\n"' + _b64(raw) + '"' for i, raw in enumerate(raws)
            )
            yield "".join(lines).encode()


async def snapshot(
    store: Store,
    sides: Sequence[Side],
    exported_by: str,
    now_ms: int,
    chunk: int = CHUNK,
    deadlines: SideDeadlines | None = None,
    page: int = PAGE,
) -> Export:
    """Fix the export's content. Each feed's latest checkpoint is read before its size, so every
    exported checkpoint (those up to that one's size, read a page at a time as the export is
    written) is within the exported entries. ``deadlines`` by side name, if known."""
    snaps = []
    for side in sides:
        latest = await store.latest_checkpoint(side.origin)
        other = next((s for s in sides if s is not side), None)
        witness = None if other is None else other.witness_name
        _, beat = (
            (None, None) if witness is None else await store.latest_receipts(side.origin, witness)
        )
        known = (deadlines or {}).get(side.name)
        size = await store.size(side.origin)
        until = -1 if latest is None else latest.size
        beats_until = -1 if beat is None else beat.timestamp
        snaps.append(SideSnapshot(side, size, until, witness, beats_until, known))
    evidence_until, _ = await store.latest_evidence(0)
    return Export(store, exported_by, now_ms, snaps, evidence_until, chunk, page)


async def export_node(
    store: Store,
    sides: Sides,
    now_ms: int,
    chunk: int = CHUNK,
    deadlines: SideDeadlines | None = None,
) -> Export:
    """A node's export: its own feed first, then the peer's replica when a peer is pinned."""
    return await snapshot(store, sides.all(), sides.own.name, now_ms, chunk, deadlines)


def export_deadlines(settings: Settings) -> dict[str, dict[str, int | float]]:
    """The acknowledgement deadlines the export states, by side name: the own side's from the
    settings (as its card states them), the peer's as pinned from its card, if it stated any."""
    own = settings.deadlines
    out = {settings.side: _seconds({p: max(getattr(own, p), 0.001) for p in PRECEDENCES})}
    peer = settings.peer
    if peer is not None and peer.deadlines is not None:
        out[peer.side] = _seconds(peer.deadlines.model_dump())
    return out


def _seconds(values: Mapping[str, float]) -> dict[str, int | float]:
    return Deadlines.from_seconds(values).seconds()  # whole milliseconds, as a card states them


async def _listed(
    read: Callable[[int], Awaitable[Sequence[R]]],
    since: int,
    until: int,
    after: Callable[[R], int],
    line: Callable[[R], str],
) -> AsyncIterator[bytes]:
    """The members of a JSON list, one a line, read a page at a time from position ``since`` up
    to ``until`` (``read(since)``: the next page; ``after(record)``: the position past it)."""
    first = True
    while since <= until:
        page = await read(since)
        if not page:
            return
        yield "".join(
            ("" if first and not i else ",") + "\n" + line(r) for i, r in enumerate(page)
        ).encode()
        first = False
        since = after(page[-1])


def _side_head(snap: SideSnapshot) -> str:
    """The side object up to the opening of its checkpoints list."""
    side = snap.side
    head: dict[str, Any] = {
        "name": side.name,
        "origin": side.origin,
        "log_vkey": side.log_vkey,
        "witness_vkey": side.witness_vkey,
    }
    if snap.deadlines is not None:
        head["deadlines"] = dict(snap.deadlines)
    head["size"] = snap.size
    return _dumps(head)[:-1] + ',\n"checkpoints": ['


def _checkpoint(cp: CheckpointRecord) -> str:
    return _dumps({"size": cp.size, "note": cp.note.decode("utf-8")})


def _evidence(rec: EvidenceRecord) -> dict[str, Any]:
    return {
        "id": rec.id,
        "time": rec.time_ms,
        "source": rec.source,
        "reason": rec.reason,
        "detail": rec.detail,
        "raw": _b64(rec.raw),
        "size": rec.whole_size,
        "sha256": _b64(rec.whole_sha256),
    }


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()
