"""The audit export format (``hotline-audit-export/v1``): reading an export into typed values,
shape-checked. :mod:`hotline_protocol.audit` verifies what this reads.

An export is read as a stream (:mod:`hotline_protocol.jsonstream`): each side's ``entries`` go
to an :class:`~hotline_protocol.spool.EntrySpool` on disk as they pass, which notes the Merkle
root at the size of every checkpoint and heartbeat listed before them (exporting nodes write
the entries last), so an export of any size is read in bounded memory.

Nothing here verifies a signature; the entries are read a block at a time by worker processes
(:mod:`hotline_protocol.entryblocks`), which decode each as they go when the side's origin came
before its entries, for the auditor's ``entries`` check. Otherwise it only checks that the JSON
has the keys and types the format requires, that the pinned keys are well-formed vkeys and
that the optional ``deadlines`` are the four precedences' acknowledgement deadlines in seconds.
Every problem is listed with its JSON path; a side with any problem is left out (its checks are
then not run).
"""

from __future__ import annotations

import hashlib
import io
import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .card import Deadlines
from .cosignature import CosignatureVerifier
from .entryblocks import Block, BlockPool, EntryChecks
from .errors import NoteError
from .jsonstream import JSONError, Path, Readable, StreamAt, load_stream
from .note import Verifier, b64decode_strict, verifier_from_vkey
from .shape import Shape, is_unicode, kind_of
from .spool import BLOCK, EntrySpool
from .strictjson import loads_strict

FORMAT = "hotline-audit-export/v1"
MAX_SIDES = 2
MAX_LISTED = 1000  # problems listed of one side's entries; beyond, only counted
STRICT_BYTES = 16 << 20  # what the event parser refuses is parsed whole up to this size
Source = bytes | bytearray | Readable
V = TypeVar("V", bound=Verifier)


@dataclass(frozen=True, slots=True)
class CheckpointData:
    position: int  # in the side's "checkpoints" list
    size: int  # as stated next to the note (the note's own size must agree)
    note: bytes


@dataclass(frozen=True, slots=True)
class HeartbeatData:
    position: int  # in the side's "heartbeats" list
    size: int  # the checkpoint it cosigns again
    line: str  # the cosignature line (without its newline)


@dataclass(frozen=True, slots=True)
class SideData:
    name: str
    origin: str
    log_vkey: str
    witness_vkey: str
    log: Verifier
    witness: CosignatureVerifier
    entries: Sequence[bytes]  # an EntrySpool when read from an export
    checkpoints: list[CheckpointData]
    deadlines: Deadlines | None = None  # as the exporting node holds them (own, or pinned)
    heartbeats: list[HeartbeatData] = field(default_factory=list)
    checked: EntryChecks | None = None  # the entries check, made as the entries were read


@dataclass(frozen=True, slots=True)
class EvidenceData:
    """A refused input: ``raw`` is what was kept of it (its first bytes), ``size`` and
    ``sha256`` are the whole input's (an older export without them kept it whole)."""

    time: int
    source: str
    reason: str
    detail: str
    raw: bytes
    size: int = -1  # -1: len(raw)
    sha256: bytes = b""  # b"": SHA-256 of raw

    def __post_init__(self) -> None:
        if self.size < 0:
            object.__setattr__(self, "size", len(self.raw))
        if not self.sha256:
            object.__setattr__(self, "sha256", hashlib.sha256(self.raw).digest())

    @property
    def whole(self) -> bool:
        """Whether every byte of the refused input was kept."""
        return len(self.raw) == self.size


@dataclass
class Loaded:
    format: str | None = None
    exported_at: int | None = None
    exported_by: str | None = None
    sides: list[SideData] = field(default_factory=list)
    broken_sides: list[str] = field(default_factory=list)  # names (or paths) of left-out sides
    evidence: list[EvidenceData] | None = None  # None when the evidence list is malformed
    problems: list[str] = field(default_factory=list)
    fatal: bool = False  # nothing usable: not JSON, not an object or an unknown format


class EntryItems:
    """The sink of a side's streamed ``entries``: canonical base64 decoded into a spool,
    anything else a problem (listed up to :data:`MAX_LISTED`). Items are read a block at a
    time by ``pool`` (:mod:`hotline_protocol.entryblocks`), which also runs the ``entries``
    check of each when the side's origin came before its entries (``checked``)."""

    def __init__(self, path: str, watch: set[int], origin: str | None, pool: BlockPool) -> None:
        self.path = path
        self.spool = EntrySpool(watch)
        self.count = 0
        self.bad = 0
        self.problems: list[str] = []
        self.origin = origin
        self.checked = EntryChecks(MAX_LISTED) if origin is not None else None
        self._watch = sorted(watch)
        self._pool = pool
        self._items: list[Any] = []
        self._before: Any = None  # the item before the pending block's first

    def add(self, item: Any) -> None:
        self._items.append(item)
        if len(self._items) == BLOCK:
            self._submit()

    def end(self) -> None:
        if self._items:
            self._submit()

    def _submit(self) -> None:
        items, start = self._items, self.count
        lo, hi = bisect_left(self._watch, start + 1), bisect_right(self._watch, start + len(items))
        watch = [size - start for size in self._watch[lo:hi]]
        self._pool.submit(self._read, start, items, self._before, watch, self.origin, MAX_LISTED)
        self._before = items[-1]
        self._items = []
        self.count += len(items)

    def _read(self, block: Block) -> None:
        for k in block.bad:
            self.bad += 1
            if len(self.problems) < MAX_LISTED:
                self.problems.append(
                    f"{self.path}[{block.start + k}]: expected canonical base64 entry bytes"
                )
        if block.bad:
            self.checked = None  # the side is malformed: its entries are not checked
        self.spool.append_block(block)
        if self.checked is not None and block.checked is not None:
            self.checked.add(block.checked)


def _stream_at(pool: BlockPool) -> StreamAt:
    def at(path: Path, parent: dict[str, Any]) -> EntryItems | None:
        if len(path) == 3 and path[0] == "sides" and path[2] == "entries":
            origin = parent.get("origin")
            origin = origin if isinstance(origin, str) else None
            return EntryItems(f"sides[{path[1]}].entries", _sizes(parent), origin, pool)
        return None

    return at


def _sizes(side: dict[str, Any]) -> set[int]:
    """The sizes named by the checkpoints and heartbeats listed before the entries."""
    out = set()
    for key in ("checkpoints", "heartbeats"):
        listed = side.get(key)
        for item in listed if isinstance(listed, list) else ():
            size = item.get("size") if isinstance(item, dict) else None
            if type(size) is int:
                out.add(size)
    return out


def load_export(data: Source, workers: int | None = None) -> Loaded:
    """The export's sides, keys, entries, checkpoints and evidence, and every problem of shape.
    Strict JSON (no duplicate member names, NaN or Infinity) or a fatal problem. ``data`` is
    the export's bytes or a binary file, read once, front to back. Entries are read (and, when
    the origin comes first, checked: :attr:`SideData.checked`) by ``workers`` processes
    (default: :func:`~hotline_protocol.entryblocks.default_workers`; 1: this one alone)."""
    out = Loaded()
    try:
        with BlockPool(workers) as pool:
            doc = _parse(data, pool)
    except (ValueError, RecursionError, JSONError) as exc:
        out.problems.append(f"not JSON: {exc}")
        out.fatal = True
        return out
    if not isinstance(doc, dict):
        out.problems.append(f"the export must be a JSON object, found {kind_of(doc)}")
        out.fatal = True
        return out
    shape = Shape(out.problems)
    out.format = shape.get(doc, "format", str, "")
    if out.format is not None and out.format != FORMAT:
        out.problems.append(f"format: unknown format {out.format!r}, expected {FORMAT!r}")
        out.fatal = True
        return out
    out.exported_at = shape.get(doc, "exported_at", int, "")
    out.exported_by = shape.get(doc, "exported_by", str, "")
    sides = shape.get(doc, "sides", list, "")
    if sides is None:
        out.fatal = True
    else:
        _load_sides(sides, shape, out)
    out.evidence = _load_evidence(doc, shape)
    if out.exported_by is not None and sides is not None:
        names = [s.name for s in out.sides] + out.broken_sides
        if out.exported_by not in names:
            out.problems.append(f"exported_by: {out.exported_by!r} is not one of the sides")
    return out


def _parse(data: Source, pool: BlockPool) -> Any:
    """The document, its entries streamed. Text the event parser cannot take as it is (a lone
    surrogate escape, which it would replace, or a number beyond its range) is parsed by the
    strict parser when it is small enough to hold (:data:`STRICT_BYTES`), so that the shape
    checks name the problem; otherwise it is not JSON to this reader."""
    whole = data if isinstance(data, (bytes, bytearray)) else None
    small = whole if whole is not None and len(whole) <= STRICT_BYTES else None
    scanned = _Scanned(io.BytesIO(whole) if whole is not None else data)  # type: ignore[arg-type]
    try:
        doc = load_stream(scanned, _stream_at(pool))
        pool.drain()
    except (ValueError, RecursionError, JSONError):
        pool.close()
        if small is None:
            raise
        return _streamed(loads_strict(small), pool)
    if scanned.surrogates:
        pool.close()
        if small is not None:
            return _streamed(loads_strict(small), pool)
        raise ValueError("a \\u escape of a UTF-16 surrogate: this reader cannot check it")
    return doc


def _streamed(doc: Any, pool: BlockPool) -> Any:
    """A document parsed whole, its sides' entry lists put through the same sinks."""
    sides = doc.get("sides") if isinstance(doc, dict) else None
    for i, side in enumerate(sides if isinstance(sides, list) else ()):
        if isinstance(side, dict) and isinstance(side.get("entries"), list):
            items = _stream_at(pool)(("sides", i, "entries"), side)
            assert items is not None
            for item in side["entries"]:
                items.add(item)
            items.end()
            side["entries"] = items
    pool.drain()
    return doc


class _Scanned:
    """A binary stream read through, noting any ``\\uD800``-``\\uDFFF`` escape it carries."""

    ESCAPE = re.compile(rb"\\u[dD][89abcdefABCDEF]")

    def __init__(self, source: Readable) -> None:
        self._source = source
        self._tail = b""
        self.surrogates = False

    def read(self, size: int = -1, /) -> bytes:
        chunk = self._source.read(size)
        if not self.surrogates and chunk:
            self.surrogates = self.ESCAPE.search(self._tail + chunk) is not None
            self._tail = chunk[-5:]
        return chunk


def _load_sides(sides: list[Any], shape: Shape, out: Loaded) -> None:
    if not 1 <= len(sides) <= MAX_SIDES:
        out.problems.append(f"sides: expected 1 or {MAX_SIDES} sides, found {len(sides)}")
    names: set[str] = set()
    origins: set[str] = set()
    for i, raw in enumerate(sides[:MAX_SIDES]):
        before = len(out.problems)
        side = _load_side(raw, f"sides[{i}]", shape)
        if side is not None and side.name in names:
            shape.fail(f"sides[{i}].name: duplicate side name {side.name!r}")
        if side is not None and side.origin in origins:
            shape.fail(f"sides[{i}].origin: duplicate origin {side.origin!r}")
        if side is not None and len(out.problems) == before:
            names.add(side.name)
            origins.add(side.origin)
            out.sides.append(side)
        else:
            name = raw.get("name") if isinstance(raw, dict) else None
            if not (isinstance(name, str) and name and is_unicode(name)):
                name = f"sides[{i}]"
            out.broken_sides.append(name)


def _load_side(raw: Any, path: str, shape: Shape) -> SideData | None:
    if not isinstance(raw, dict):
        shape.fail(f"{path}: expected an object, found {kind_of(raw)}")
        return None
    name = shape.get(raw, "name", str, path)
    origin = shape.get(raw, "origin", str, path)
    log_vkey = shape.get(raw, "log_vkey", str, path)
    witness_vkey = shape.get(raw, "witness_vkey", str, path)
    size = shape.get(raw, "size", int, path)
    entries, listed, checked = _side_entries(raw, path, shape)
    checkpoints_raw = shape.get(raw, "checkpoints", list, path)
    deadlines = _deadlines(raw, f"{path}.deadlines", shape)
    log = _key(log_vkey, Verifier, f"{path}.log_vkey", shape)
    witness = _key(witness_vkey, CosignatureVerifier, f"{path}.witness_vkey", shape)
    if size is not None and listed is not None and size != listed:
        shape.fail(f"{path}.size: states {size} entries, the list holds {listed}")
    checkpoints: list[CheckpointData] = []
    for j, cp in enumerate(checkpoints_raw or []):
        loaded = _checkpoint(cp, j, f"{path}.checkpoints[{j}]", shape)
        if loaded is not None:
            checkpoints.append(loaded)
    heartbeats: list[HeartbeatData] = []
    beats_raw = raw.get("heartbeats", [])
    if not isinstance(beats_raw, list):
        shape.fail(f"{path}.heartbeats: expected a list, found {kind_of(beats_raw)}")
        beats_raw = []
    for j, beat in enumerate(beats_raw):
        beat_path = f"{path}.heartbeats[{j}]"
        if not isinstance(beat, dict):
            shape.fail(f"{beat_path}: expected an object, found {kind_of(beat)}")
            continue
        beat_size = shape.get(beat, "size", int, beat_path)
        line = shape.get(beat, "line", str, beat_path)
        if beat_size is not None and line is not None:
            heartbeats.append(HeartbeatData(j, beat_size, line))
    if (
        name is None
        or origin is None
        or log_vkey is None
        or witness_vkey is None
        or log is None
        or witness is None
    ):
        return None
    return SideData(
        name,
        origin,
        log_vkey,
        witness_vkey,
        log,
        witness,
        entries,
        checkpoints,
        deadlines,
        heartbeats,
        checked,
    )


def _deadlines(raw: dict[str, Any], path: str, shape: Shape) -> Deadlines | None:
    """The optional ``deadlines``: an object of the four precedences, seconds above 0."""
    value = raw.get("deadlines")
    if value is None and "deadlines" not in raw:
        return None
    if not isinstance(value, dict):
        shape.fail(f"{path}: expected an object, found {kind_of(value)}")
        return None
    try:
        deadlines = Deadlines.from_seconds(value)
    except ValueError as exc:
        shape.fail(f"{path}: {exc}")
        return None
    if any(abs(value[p] * 1000 - deadlines.of(p)) > 1e-6 for p in value):
        shape.fail(f"{path}: deadlines are whole milliseconds (at most three decimals)")
        return None
    return deadlines


def _key(text: str | None, cls: type[V], path: str, shape: Shape) -> V | None:
    if text is None:
        return None
    try:
        key = verifier_from_vkey(text)
    except NoteError as exc:
        shape.fail(f"{path}: {exc}")
        return None
    if type(key) is not cls:
        shape.fail(f"{path}: expected a {cls.KEY_TYPE:#04x} key, found a {key.key_type:#04x} key")
        return None
    assert isinstance(key, cls)
    return key


def _side_entries(
    raw: dict[str, Any], path: str, shape: Shape
) -> tuple[EntrySpool, int | None, EntryChecks | None]:
    """The side's entries, spooled, how many the list holds (None: no list) and their check,
    if it was made as they were read."""
    items = raw.get("entries")
    if not isinstance(items, EntryItems):  # not a list: the shape check says what it is
        shape.get(raw, "entries", list, path)
        return EntrySpool(), None, None
    for problem in items.problems:
        shape.fail(problem)
    if items.bad > len(items.problems):
        shape.fail(
            f"{items.path}: {items.bad - len(items.problems)} more entries not canonical base64"
        )
    checked = items.checked if items.origin == raw.get("origin") else None
    return items.spool, items.count, checked


def _checkpoint(raw: Any, position: int, path: str, shape: Shape) -> CheckpointData | None:
    if not isinstance(raw, dict):
        shape.fail(f"{path}: expected an object, found {kind_of(raw)}")
        return None
    size = shape.get(raw, "size", int, path)
    note = shape.get(raw, "note", str, path)
    if size is None or note is None:
        return None
    return CheckpointData(position, size, note.encode())


def _load_evidence(doc: dict[str, Any], shape: Shape) -> list[EvidenceData] | None:
    records = shape.get(doc, "evidence", list, "")
    if records is None:
        return None
    out: list[EvidenceData] = []
    before = len(shape.problems)
    for i, rec in enumerate(records):
        path = f"evidence[{i}]"
        if not isinstance(rec, dict):
            shape.fail(f"{path}: expected an object, found {kind_of(rec)}")
            continue
        time = shape.get(rec, "time", int, path)
        source = shape.get(rec, "source", str, path)
        reason = shape.get(rec, "reason", str, path)
        detail = shape.get(rec, "detail", str, path)
        raw_b64 = shape.get(rec, "raw", str, path)
        raw = b64decode_strict(raw_b64) if raw_b64 is not None else None
        if raw_b64 is not None and raw is None:
            shape.fail(f"{path}.raw: expected canonical base64")
        if None in (time, source, reason, detail, raw):
            continue
        assert time is not None and source is not None and reason is not None
        assert detail is not None and raw is not None
        whole = _evidence_whole(rec, raw, shape, path)
        if whole is not None:
            out.append(EvidenceData(time, source, reason, detail, raw, *whole))
    return out if len(shape.problems) == before else None


def _evidence_whole(
    rec: dict[str, Any], raw: bytes, shape: Shape, path: str
) -> tuple[int, bytes] | None:
    """The whole input's ``size`` and ``sha256`` a record states, checked against the bytes
    kept; a record without either (an older export) kept the input whole."""
    if "size" not in rec and "sha256" not in rec:
        return len(raw), hashlib.sha256(raw).digest()
    size = shape.get(rec, "size", int, path)
    digest_b64 = shape.get(rec, "sha256", str, path)
    digest = b64decode_strict(digest_b64) if digest_b64 is not None else None
    if digest_b64 is not None and (digest is None or len(digest) != 32):
        shape.fail(f"{path}.sha256: expected the canonical base64 of 32 bytes")
        return None
    if size is None or digest is None:
        return None
    if len(raw) > size:
        shape.fail(f"{path}.raw: {len(raw)} bytes kept of an input of {size}")
        return None
    if len(raw) == size and hashlib.sha256(raw).digest() != digest:
        shape.fail(f"{path}.sha256: not the SHA-256 of raw, which is the whole input")
        return None
    return size, digest
