"""Long feeds for the scale benchmark, written straight into two peered nodes' SQLite stores.

Each side's feed is written with the protocol library as the node writes it, batch by batch
through the store's public API (:class:`hotline.store.sqlite.SqliteStore`):

- the own store of a side: the empty feed's checkpoint (size 0, as a node signs on its first
  start), then each batch of ``BATCH`` entries (or as many as asked: one on a quiet line) with
  its checkpoint signed by the side's log key (``append``), then the peer's cosignature of it
  (``add_cosignature``: the note with the cosignature line, and the cosignature's record);
- the peer's store: the same entries as its replica, with the cosigned checkpoint, its witness
  state and cosignature record in one write (``append_cosigned``), as the replica stores a
  verified run.

Even entries are liaison notices; odd entries acknowledge (ROGER) the other side's latest even
entry, by origin, index and leaf hash. With ``unanswered``, even entries are planned operations
(a circle, a window an hour after the notice) that need an answer and never get one, and odd
entries liaison notices: every operation is overdue when the nodes start on the stores. Notice
times advance by 10 ms per entry from ``T0``, cosignatures are timed with the batch's last
notice. The result is what two nodes that had exchanged these notices would hold; the benchmark
proves it by starting both nodes on the stores (they link without a refusal) and verifying a
node's export against both cards.

Everything the generator knows about the store lives here, so that a change of the store's API
or schema is met in this module (bump :data:`GENERATOR_VERSION` to regenerate cached stores).
"""

from __future__ import annotations

import asyncio
import base64
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from hotline.keys import NodeKeys, load_keys, witness_name
from hotline.settings import load_settings
from hotline.store.base import CheckpointRecord, CosignatureRecord
from hotline.store.sqlite import SqliteStore
from hotline_protocol.checkpoint import Checkpoint, sign_checkpoint
from hotline_protocol.cosignature import cosign
from hotline_protocol.entries import Entry, encode_entry
from hotline_protocol.merkle import CompactRange
from hotline_protocol.note import add_signatures, split_note
from hotline_protocol.notices import Notice, parse_notice

GENERATOR_VERSION = 2  # bump when what is written changes: cached stores are made anew
BATCH = 512  # entries per append and checkpoint (a full sequencer batch)
T0 = 1_767_261_600_000  # 2026-01-01T10:00:00Z, unix ms
STEP_MS = 10  # between two notices of a feed


@dataclass
class NoticeFeed:
    """One side's feed as its entries are made: the tree so far and the notices' pattern (no
    store: :mod:`bench.bench_verify` writes an export of such feeds directly)."""

    name: str
    origin: str
    nation: str
    unit: str
    tree: CompactRange = field(default_factory=CompactRange)
    prev: bytes = b""
    last_even: tuple[int, bytes] | None = None  # (index, leaf hash) of the latest liaison
    unanswered: bool = False  # operations that are never answered, instead of liaisons acked

    @property
    def size(self) -> int:
        return self.tree.size

    def notice(self, index: int, other: NoticeFeed) -> Notice:
        body: dict[str, object] = {
            "id": str(uuid.uuid4()),
            "status": "exercise",
            "author": {"id": f"bench-{self.name}", "unit": self.unit, "nation": self.nation},
            "time": T0 + index * STEP_MS,
        }
        if self.unanswered and index % 2 == 0:
            body |= _operation(T0 + index * STEP_MS)
        elif index % 2 == 1 and other.last_even is not None and not self.unanswered:
            at, leaf = other.last_even
            ref = {"origin": other.origin, "index": at, "leaf_hash": _b64(leaf)}
            body |= {"kind": "ack", "ref": ref, "response": "ROGER"}
        else:
            body |= {"kind": "liaison", "text": f"Line check {index}.", "language": "en"}
        return parse_notice(body)

    def entry(self, other: NoticeFeed) -> Entry:
        entry = encode_entry(self.origin, self.size, self.prev, self.notice(self.size, other))
        if entry.index % 2 == 0:
            self.last_even = (entry.index, entry.leaf_hash)
        self.tree.append(entry.leaf_hash)
        self.prev = entry.leaf_hash
        return entry


@dataclass
class SideFeed(NoticeFeed):
    """One side while its feed is written into the stores: its keys and own store too."""

    keys: NodeKeys = field(kw_only=True)
    own: SqliteStore = field(kw_only=True)
    witnessed: tuple[int, bytes] | None = None  # the peer's witness state of this feed


async def _open(directory: Path) -> tuple[SqliteStore, NodeKeys, str, str, str]:
    settings = load_settings(directory)
    store = SqliteStore(settings.store_url)
    await store.open()
    return store, load_keys(settings), settings.origin, settings.nation or "", settings.unit or ""


async def _batch(side: SideFeed, peer: SideFeed, n: int) -> None:
    """``n`` entries of ``side``'s feed, checkpointed and cosigned by ``peer``, in both stores."""
    start = side.size
    entries = [side.entry(peer) for _ in range(n)]
    rows = [(e.raw, e.leaf_hash) for e in entries]
    size, root = side.size, side.tree.root()
    stamp = T0 + (size - 1) * STEP_MS
    note = sign_checkpoint(Checkpoint(side.origin, size, root), side.keys.log)
    await side.own.append(
        side.origin, start, rows, CheckpointRecord(side.origin, size, root, note, stamp)
    )
    sig = cosign(split_note(note)[0], peer.keys.witness, stamp // 1000)
    cosigned = add_signatures(note, [sig])
    record = CosignatureRecord(
        side.origin, size, witness_name(peer.origin), stamp // 1000, stamp + 1
    )
    await peer.own.append_cosigned(
        side.origin,
        start,
        rows,
        CheckpointRecord(side.origin, size, root, cosigned, stamp + 1),
        (side.witnessed, (size, root)),
        record,
    )
    side.witnessed = (size, root)
    await side.own.add_cosignature(record, cosigned)


async def generate(
    alpha_dir: Path,
    bravo_dir: Path,
    entries: int,
    progress: Callable[[int], None] | None = None,
    unanswered: bool = False,
    batch: int = BATCH,
) -> None:
    """Write ``entries`` entries per side into the stores of the two (stopped, paired) nodes,
    ``batch`` entries to a checkpoint."""
    sides = []
    for directory in (alpha_dir, bravo_dir):
        store, keys, origin, nation, unit = await _open(directory)
        name = load_settings(directory).side
        side = SideFeed(name, origin, nation, unit, keys=keys, own=store)
        side.unanswered = unanswered
        sides.append(side)
    alpha, bravo = sides
    try:
        for side in sides:  # the empty feed's checkpoint, as a node signs on its first start
            cp = Checkpoint(side.origin, 0, side.tree.root())
            note = sign_checkpoint(cp, side.keys.log)
            await side.own.put_checkpoint(CheckpointRecord(side.origin, 0, cp.root, note, T0))
        while alpha.size < entries:
            n = min(batch, entries - alpha.size)
            await _batch(alpha, bravo, n)
            await _batch(bravo, alpha, n)
            if progress is not None:
                progress(alpha.size)
    finally:
        for side in sides:
            await side.own.close()


def _operation(time_ms: int) -> dict[str, object]:
    """A planned operation's fields: a circle, FL100 to FL250, a window an hour after it."""
    return {
        "kind": "planned_operation",
        "operation_ref": f"OP-SCALE-{time_ms}",
        "activity": "air_patrol",
        "areas": [
            {
                "shape": "circle",
                "centre": {"lat": 52.6, "lon": 22.1},
                "radius": {"value": 15, "unit": "NM"},
            }
        ],
        "vertical_block": {
            "lower": {"value": 100, "unit": "FL", "reference": "STD"},
            "upper": {"value": 250, "unit": "FL", "reference": "STD"},
        },
        "window": {"start": time_ms + 3_600_000, "end": time_ms + 7_200_000},
    }


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def run_generate(
    alpha_dir: Path, bravo_dir: Path, entries: int, unanswered: bool = False, batch: int = BATCH
) -> float:
    """:func:`generate`, printing progress; the seconds it took."""
    t0 = time.perf_counter()
    last = [t0]

    def progress(done: int) -> None:
        now = time.perf_counter()
        if now - last[0] >= 10 or done == entries:
            last[0] = now
            rate = done / (now - t0)
            print(f"  generated {done:,} of {entries:,} entries per side ({rate:,.0f}/s)")

    asyncio.run(generate(alpha_dir, bravo_dir, entries, progress, unanswered, batch))
    return time.perf_counter() - t0
